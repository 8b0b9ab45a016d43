// Params a run was given: from its command line (argparse/click/Hydra styles) and from params files.
// docs/configuration.md states the rules for users.
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseYamlText } from './yamlText';

/** The script (or module) a command runs, and the arguments meant for it. */
export interface CommandScript {
  /** Path as written (`train.py`, `./run.sh`), the module for `python -m pkg.mod`, or null (`python -c ...`). */
  script: string | null;
  /** True when `script` is a Python module name (`-m`), not a file. */
  module: boolean;
  args: string[];
}

const PYTHON = /^(?:python|pythonw|pypy|py)(?:\d+(?:\.\d+)*)?(?:\.exe)?$/i;
const NODE = /^(?:node|nodejs|bun|deno|tsx|ts-node)(?:\.exe)?$/i;
const SHELL = /^(?:bash|sh|zsh|dash|Rscript|julia)(?:\.exe)?$/i;
// Interpreter options that take the next token as their value.
const PYTHON_VALUE_OPTIONS = new Set(['-W', '-X', '--check-hash-based-pycs']);
const NO_VALUE_OPTIONS: ReadonlySet<string> = new Set();
const NODE_VALUE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--conditions', '-C', '--env-file']);
// `uv run`, `poetry run`...: the rest is a command of its own. Launcher options that take a value:
const CONDA_OPTIONS = new Set(['-n', '--name', '-p', '--prefix', '--cwd']);
const LAUNCHERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['uv', new Set(['--with', '--python', '-p', '--project', '--directory', '--extra', '--group', '--env-file', '--package', '--index'])],
  ['poetry', new Set(['-C', '--directory', '-P', '--project'])],
  ['pipenv', NO_VALUE_OPTIONS],
  ['pdm', new Set(['-p', '--project'])],
  ['hatch', new Set(['-e', '--env'])],
  ['conda', CONDA_OPTIONS],
  ['mamba', CONDA_OPTIONS],
]);
const SCRIPT_EXTENSIONS = new Set(['.py', '.js', '.mjs', '.cjs', '.ts', '.mts', '.sh', '.bash', '.r', '.jl', '.ipynb']);
const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * Finds the script of a command line: `python3 -u x.py a b` -> x.py with [a, b]; `python -m pkg.mod` -> pkg.mod;
 * `uv run x.py`, `node x.js`, `./x.sh`; unknown launchers (`torchrun --nproc_per_node 2 x.py`) -> the first
 * argument that looks like a script file; anything else -> the program itself.
 */
export function scriptOfCommand(command: string[]): CommandScript {
  let rest = command;
  while (rest.length > 0 && ENV_ASSIGNMENT.test(rest[0])) rest = rest.slice(1); // FOO=1 python x.py
  if (rest.length === 0) return { script: null, module: false, args: [] };
  const program = programName(rest[0]);
  const launcher = LAUNCHERS.get(program.replace(/\.exe$/i, ''));
  if (launcher && rest[1] === 'run') return scriptOfCommand(skipOptions(rest.slice(2), launcher));
  if (PYTHON.test(program)) return pythonScript(rest.slice(1));
  if (NODE.test(program)) return fileScript(skipOptions(rest.slice(1), NODE_VALUE_OPTIONS));
  if (SHELL.test(program)) return fileScript(skipOptions(rest.slice(1), NO_VALUE_OPTIONS));
  if (isScriptFile(rest[0])) return fileScript(rest);
  const scriptAt = rest.findIndex((arg, i) => i > 0 && isScriptFile(arg));
  if (scriptAt > 0) return fileScript(rest.slice(scriptAt));
  return fileScript(rest);
}

/** True when `token` names a Python interpreter (python, python3.11, pypy, py, …). */
export function isPythonProgram(token: string): boolean {
  return PYTHON.test(programName(token));
}

/** How many of a Python command's leading words are interpreter options (`-u`, `-X dev`), which go before `-m`. */
export function pythonOptionCount(args: readonly string[]): number {
  let i = 0;
  while (i < args.length && args[i].startsWith('-') && args[i] !== '-' && args[i] !== '--' && !/^-[mc]/.test(args[i])) {
    i += PYTHON_VALUE_OPTIONS.has(args[i]) ? 2 : 1;
  }
  return Math.min(i, args.length);
}

function programName(token: string): string {
  return basename(token.replace(/\\/g, '/'));
}

function isScriptFile(token: string): boolean {
  return !token.startsWith('-') && SCRIPT_EXTENSIONS.has(extname(token).toLowerCase());
}

function fileScript(args: string[]): CommandScript {
  if (args.length === 0 || args[0] === '-') return { script: null, module: false, args: args.slice(1) };
  return { script: args[0], module: false, args: args.slice(1) };
}

/** Drops leading options (and the values of those in `takesValue`) up to the first other token. */
function skipOptions(args: string[], takesValue: ReadonlySet<string>): string[] {
  let i = 0;
  while (i < args.length && args[i].startsWith('-') && args[i] !== '-') {
    if (args[i] === '--') return args.slice(i + 1);
    i += takesValue.has(args[i]) ? 2 : 1;
  }
  return args.slice(i);
}

function pythonScript(args: string[]): CommandScript {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // `-m mod` and `-mmod`; `-c code` and `-ccode`: what follows the module or code belongs to the script.
    const rest = args.slice(arg.length === 2 ? i + 2 : i + 1);
    if (arg.startsWith('-m')) {
      const name = arg.length === 2 ? args[i + 1] : arg.slice(2);
      return name ? { script: name, module: true, args: rest } : fileScript([]);
    }
    if (arg.startsWith('-c')) return { script: null, module: false, args: rest };
    if (arg === '--') return fileScript(args.slice(i + 1));
    if (!arg.startsWith('-') || arg === '-') return fileScript(args.slice(i));
    if (PYTHON_VALUE_OPTIONS.has(arg)) i++;
  }
  return fileScript([]);
}

// ---- argv ----

// `lr=0.01`, `model.depth=3`, `+x=1`, `++x=1`, `db@backup=pg`, `model/encoder=resnet`: Hydra overrides.
const OVERRIDE = /^(\+{0,2})([A-Za-z_][\w.@/-]*)=/;
const HYDRA_DELETION = /^~[A-Za-z_][\w.@/-]*(?:=|$)/;
const NUMBER = /^[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|inf|infinity|nan)$/i;

/**
 * Params from a script's arguments: `--lr 0.01`, `--lr=0.01`, `-lr 0.01` (single dash like double), flags
 * `--amp` -> 'true' (`--no-amp` stays `no-amp`='true'), Hydra `lr=0.01` / `+x=1` (`~y` deletions skipped).
 * Keys lose their leading dashes and nothing else; values are kept verbatim; the last repeat wins; a token
 * after `--` or a bare positional is not a param.
 */
export function paramsFromArgv(argv: string[]): Record<string, string> {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (isOption(arg)) {
      const eq = arg.indexOf('=');
      const key = stripDashes(eq >= 0 ? arg.slice(0, eq) : arg);
      if (eq >= 0) setParam(params, key, arg.slice(eq + 1));
      else if (i + 1 < argv.length && isOptionValue(argv[i + 1])) setParam(params, key, argv[++i]);
      else setParam(params, key, 'true');
      continue;
    }
    const override = OVERRIDE.exec(arg);
    if (override) setParam(params, override[2], arg.slice(override[0].length));
  }
  return { ...params };
}

/** `-x`, `--x`, but not `-`, `-1`, `-.5`, `-inf` (negative numbers are values). */
function isOption(token: string): boolean {
  return token.length > 1 && token.startsWith('-') && token !== '--' && !NUMBER.test(token);
}

/** The token after a flag is its value unless it is another option, a Hydra override or `--`. */
function isOptionValue(token: string): boolean {
  return token !== '--' && !isOption(token) && !OVERRIDE.test(token) && !HYDRA_DELETION.test(token);
}

function stripDashes(token: string): string {
  return token.replace(/^-+/, '');
}

function setParam(params: Record<string, string>, key: string, value: string): void {
  if (key.length > 0) params[key] = value;
}

// ---- params files ----

/** Params files larger than this are refused rather than read into memory. */
const MAX_PARAMS_FILE_BYTES = 16 * 1024 * 1024;
/** Deeper nesting than this is refused: no real params file needs it and flattening it would make absurd keys. */
const MAX_DEPTH = 64;

/**
 * Params from a params.yaml / params.json (JSON for `.json`, YAML otherwise): nested mappings flattened with dots
 * (`model.depth`; an empty one is '{}'), lists as JSON text, null as 'null', other scalars as String() gives them.
 * A missing or empty file gives {}; an unreadable, oversized or malformed one throws an Error naming the file
 * and the problem.
 */
export function paramsFromFile(path: string): Record<string, string> {
  const text = readParamsText(path);
  if (text === null) return {};
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYamlText(text);
  } catch (err) {
    throw new Error(`${path}: cannot parse: ${(err as Error).message}`);
  }
  if (data === null || data === undefined) return {};
  if (!isMapping(data)) throw new Error(`${path}: the top level must be a mapping of names to values`);
  try {
    return flatten(data);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

function readParamsText(path: string): string | null {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${path}: cannot read: ${(err as Error).message}`);
  }
  if (size > MAX_PARAMS_FILE_BYTES) throw new Error(`${path}: ${size} bytes is too large for a params file`);
  try {
    return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw new Error(`${path}: cannot read: ${(err as Error).message}`);
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Flattens without recursion so hostile nesting cannot overflow the stack. */
function flatten(root: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const pending: Array<{ prefix: string; value: Record<string, unknown>; depth: number }> = [{ prefix: '', value: root, depth: 1 }];
  while (pending.length > 0) {
    const { prefix, value, depth } = pending.pop()!;
    if (depth > MAX_DEPTH) throw new Error(`nested deeper than ${MAX_DEPTH} levels at '${prefix.slice(0, 200)}'`);
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix) out[prefix.slice(0, -1)] = '{}';
    for (const [key, child] of entries) {
      if (isMapping(child)) pending.push({ prefix: `${prefix}${key}.`, value: child, depth: depth + 1 });
      else out[`${prefix}${key}`] = scalarText(child);
    }
  }
  return { ...out };
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return listText(value);
  return String(value);
}

function listText(list: unknown[]): string {
  try {
    return JSON.stringify(list);
  } catch {
    throw new Error('a list is nested too deeply to store as text');
  }
}
