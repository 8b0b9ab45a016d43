import { parseArgs } from 'node:util';
import { runTracked, exitCodeForSignal } from '../capture/runner';
import { DEBUGGED_TAG, debugpyCommand, freePort } from '../capture/debugLaunch';
import { startRunServer } from './serveCommand';
import { CliError, openWorkspace, pythonShimDir } from './workspace';
import type { TrackingServer } from '../server/trackingServer';

/** Splits `k=v` pairs given to --tag/--param; the value may itself hold `=`. */
export function parsePairs(pairs: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`${flag} takes key=value, got '${pair}'.`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

const RUN_OPTIONS_WITH_VALUE = new Set(['--experiment', '-e', '--name', '-n', '--tag', '--param', '--debug-port']);

/** Splits `labbook run [options] [--] command…`: the command starts at `--` or at the first word that is no option. */
export function splitRunArgs(args: readonly string[]): { options: string[]; command: string[] } {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return { options: args.slice(0, i), command: args.slice(i + 1) };
    if (RUN_OPTIONS_WITH_VALUE.has(args[i])) i += 1;
    else if (!args[i].startsWith('-')) return { options: args.slice(0, i), command: args.slice(i) };
  }
  return { options: [...args], command: [] };
}

/** The debugpy-wrapped command and its port (`--debug-port`, else a free one). */
async function debugLaunch(command: string[], portText: string | undefined): Promise<{ command: string[]; port: number }> {
  const port = portText === undefined ? await freePort() : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`--debug-port takes a port number (1-65535), got '${portText}'.`);
  try {
    return { command: debugpyCommand(command, port), port };
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** `labbook run`: tracks a command; exits with the command's own exit code. */
export async function runCommand(args: string[]): Promise<number> {
  const split = splitRunArgs(args);
  const { values } = parseArgs({
    args: split.options,
    options: {
      experiment: { type: 'string', short: 'e' },
      name: { type: 'string', short: 'n' },
      tag: { type: 'string', multiple: true },
      param: { type: 'string', multiple: true },
      debug: { type: 'boolean' },
      'debug-port': { type: 'string' },
    },
    strict: true,
  });
  if (split.command.length === 0)
    throw new CliError(
      'Nothing to run. Usage: labbook run [--experiment E] [--name N] [--tag k=v] [--param k=v] [--debug [--debug-port P]] -- <command…>',
    );
  const launch = values.debug || values['debug-port'] !== undefined ? await debugLaunch(split.command, values['debug-port']) : undefined;
  const cwd = process.cwd();
  const workspace = await openWorkspace(cwd, { create: true });
  for (const warning of workspace.warnings) process.stderr.write(`labbook: warning: ${warning}\n`);
  let server: TrackingServer | undefined;
  const result = await runTracked({
    store: workspace.store,
    command: split.command,
    cwd,
    config: workspace.config,
    pythonShimDir: pythonShimDir(),
    experiment: values.experiment,
    name: values.name,
    launch: launch?.command,
    tags: { ...parsePairs(values.tag, '--tag'), ...(launch && { [DEBUGGED_TAG]: 'true' }) },
    params: parsePairs(values.param, '--param'),
    childEnv: async (runId) => {
      const started = await startRunServer(workspace.store, runId);
      server = started.server;
      return started.env;
    },
    onStart: (runId) => {
      process.stderr.write(`labbook: tracking run ${runId.slice(0, 8)} (${workspace.store.getRun(runId).name})\n`);
      if (launch) process.stderr.write(`labbook: debugger listening on 127.0.0.1:${launch.port}; attach a debugpy client to start the script\n`);
    },
  });
  await server?.close();
  const run = workspace.store.getRun(result.runId);
  process.stderr.write(
    `labbook: run ${run.name} ${result.status.toLowerCase()} (${result.runId.slice(0, 8)}); see it with: labbook show ${result.runId.slice(0, 8)}\n`,
  );
  workspace.store.close();
  return result.exitCode ?? (result.signal ? exitCodeForSignal(result.signal) : 1);
}
