import { parseArgs } from 'node:util';
import { DEBUGGED_TAG, debugpyCommand, freePort } from '../capture/debugLaunch';
import { readMarker } from '../capture/reproduce';
import { exitCodeForSignal } from '../capture/runner';
import { REPRODUCES_TAG } from '../core/reproduction';
import { enqueue, type NewQueueEntry } from '../store/queue';
import { resolveRunRef, RunRefError } from '../store/runRefs';
import type { Store } from '../store/store';
import { trackCommand } from './track';
import { CliError, openWorkspace, type Workspace } from './workspace';

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

const RUN_OPTIONS_WITH_VALUE = new Set(['--experiment', '-e', '--name', '-n', '--tag', '--param', '--reproduces', '--debug-port']);

/** Splits `labbook run [options] [--] command…`: the command starts at `--` or at the first word that is no option. */
export function splitRunArgs(args: readonly string[]): { options: string[]; command: string[] } {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return { options: args.slice(0, i), command: args.slice(i + 1) };
    if (RUN_OPTIONS_WITH_VALUE.has(args[i])) i += 1;
    else if (!args[i].startsWith('-')) return { options: args.slice(0, i), command: args.slice(i) };
  }
  return { options: [...args], command: [] };
}

const RUN_USAGE =
  'Usage: labbook run [--queue] [--experiment E] [--name N] [--tag k=v] [--param k=v] [--reproduces <run>] [--debug [--debug-port P]] -- <command…>';

/** The tag naming the run this one reproduces: from --reproduces, else from the marker of a `labbook checkout`. */
function reproducesTag(store: Store, ref: string | undefined, cwd: string): Record<string, string> {
  if (ref === undefined) {
    const marker = readMarker(cwd);
    return marker ? { [REPRODUCES_TAG]: marker.run } : {};
  }
  try {
    return { [REPRODUCES_TAG]: resolveRunRef(store, ref).id };
  } catch (error) {
    if (error instanceof RunRefError) throw new CliError(`--reproduces: ${error.message}`, 2);
    throw error;
  }
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

/** `labbook run`: tracks a command (or queues it with --queue; under debugpy with --debug); exits with the command's own exit code. */
export async function runCommand(args: string[]): Promise<number> {
  const split = splitRunArgs(args);
  const { values } = parseArgs({
    args: split.options,
    options: {
      experiment: { type: 'string', short: 'e' },
      name: { type: 'string', short: 'n' },
      tag: { type: 'string', multiple: true },
      param: { type: 'string', multiple: true },
      queue: { type: 'boolean' },
      reproduces: { type: 'string' },
      debug: { type: 'boolean' },
      'debug-port': { type: 'string' },
    },
    strict: true,
  });
  if (split.command.length === 0) throw new CliError(`Nothing to run. ${RUN_USAGE}`);
  const debug = values.debug || values['debug-port'] !== undefined;
  if (debug && values.queue)
    throw new CliError('--debug and --queue do not go together: a debugged run waits for a debugger client, a queued one runs unattended.');
  const launch = debug ? await debugLaunch(split.command, values['debug-port']) : undefined;
  const cwd = process.cwd();
  const workspace = await openWorkspace(cwd, { create: true });
  for (const warning of workspace.warnings) process.stderr.write(`labbook: warning: ${warning}\n`);
  const spec = {
    command: split.command,
    cwd,
    experiment: values.experiment,
    name: values.name,
    tags: {
      ...parsePairs(values.tag, '--tag'),
      ...reproducesTag(workspace.store, values.reproduces, cwd),
      ...(launch && { [DEBUGGED_TAG]: 'true' }),
    },
    params: parsePairs(values.param, '--param'),
  };
  if (values.queue) return queueRun(workspace, spec);
  const result = await trackCommand(workspace, {
    ...spec,
    launch: launch?.command,
    onStart: (runId) => {
      process.stderr.write(`labbook: tracking run ${runId.slice(0, 8)} (${workspace.store.getRun(runId).name})\n`);
      if (launch) process.stderr.write(`labbook: debugger listening on 127.0.0.1:${launch.port}; attach a debugpy client to start the script\n`);
    },
  });
  const run = workspace.store.getRun(result.runId);
  process.stderr.write(
    `labbook: run ${run.name} ${result.status.toLowerCase()} (${result.runId.slice(0, 8)}); see it with: labbook show ${result.runId.slice(0, 8)}\n`,
  );
  workspace.store.close();
  return result.exitCode ?? (result.signal ? exitCodeForSignal(result.signal) : 1);
}

/** `labbook run --queue` and `labbook queue add`: appends the command to the queue for a worker to run. */
function queueRun(workspace: Workspace, spec: NewQueueEntry): number {
  const entry = enqueue(workspace.store, spec);
  process.stdout.write(`${entry.id}\n`);
  process.stderr.write(`labbook: queued #${entry.id}; a worker runs it: labbook queue worker\n`);
  workspace.store.close();
  return 0;
}
