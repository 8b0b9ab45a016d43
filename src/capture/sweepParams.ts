// How a sweep hands a run its params: the way the command already takes them (docs/sweeps.md states the rule).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { scriptOfCommand } from './argvParams';

/** `flags`: `--lr 0.1` (argparse, click…); `hydra`: `lr=0.1` overrides. */
export type ParamStyle = 'flags' | 'hydra';

const HYDRA_OVERRIDE = /^\+{0,2}[A-Za-z_][\w.@/-]*=/;

/**
 * Hydra when the script's arguments already hold a `key=value` override, or, with no `--` option among them,
 * the working folder has a Hydra `conf/` or `.hydra/` folder; flags otherwise (the common argparse case).
 */
export function detectParamStyle(command: string[], cwd: string): ParamStyle {
  const { args } = scriptOfCommand(command);
  if (args.some((arg) => HYDRA_OVERRIDE.test(arg))) return 'hydra';
  if (args.some((arg) => arg.startsWith('-'))) return 'flags';
  return existsSync(join(cwd, 'conf')) || existsSync(join(cwd, '.hydra')) ? 'hydra' : 'flags';
}

/** The command with each param set in `style`: an existing `--lr 0.1`, `--lr=0.1` or `lr=0.1` is replaced, a missing one appended. */
export function commandWithParams(command: string[], params: Record<string, string>, style: ParamStyle): string[] {
  const { args } = scriptOfCommand(command);
  const head = command.slice(0, command.length - args.length);
  let tail = [...args];
  for (const [name, value] of Object.entries(params)) tail = style === 'hydra' ? withOverride(tail, name, value) : withFlag(tail, name, value);
  return [...head, ...tail];
}

function withOverride(args: string[], name: string, value: string): string[] {
  const at = args.findIndex((arg) => arg.replace(/^\+{1,2}/, '').startsWith(`${name}=`));
  if (at < 0) return [...args, `${name}=${value}`];
  const prefix = /^\+{0,2}/.exec(args[at])![0];
  return args.map((arg, i) => (i === at ? `${prefix}${name}=${value}` : arg));
}

function withFlag(args: string[], name: string, value: string): string[] {
  const end = args.indexOf('--');
  const limit = end < 0 ? args.length : end;
  for (let i = 0; i < limit; i++) {
    const flag = /^-{1,2}/.exec(args[i])?.[0];
    if (!flag) continue;
    const rest = args[i].slice(flag.length);
    if (rest === name) return [...args.slice(0, i), args[i], value, ...args.slice(hasValue(args, i + 1) ? i + 2 : i + 1)];
    if (rest.startsWith(`${name}=`)) return args.map((arg, j) => (j === i ? `${flag}${name}=${value}` : arg));
  }
  return [...args.slice(0, limit), `--${name}`, value, ...args.slice(limit)];
}

/** Whether the token at `i` is the value of the flag before it (not another option, not the end). */
function hasValue(args: string[], i: number): boolean {
  return i < args.length && args[i] !== '--' && !(args[i].startsWith('-') && !/^-[\d.]/.test(args[i]));
}
