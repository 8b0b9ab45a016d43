// `labbook queue`: add, list, cancel, reorder and retry queued runs, and the worker that runs them (docs/queue.md).
import { parseArgs } from 'node:util';
import { cancelEntry, listQueue, moveEntry, QueueError, retryEntry, type QueueEntry, type QueueMove } from '../store/queue';
import { formatTable } from './format';
import { runWorker } from './queueWorker';
import { runCommand } from './runCommand';
import { CliError, openWorkspace, type Workspace } from './workspace';
import { QUEUE_USAGE } from './usage';

const SUBCOMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  add: (args) => runCommand(['--queue', ...args]),
  ls: queueLs,
  cancel: (args) => onEntry(args, 'cancel', (workspace, id) => describe(cancelEntry(workspace.store, id))),
  retry: (args) => onEntry(args, 'retry', (workspace, id) => describe(retryEntry(workspace.store, id))),
  move: queueMove,
  worker: queueWorker,
};

/** `labbook queue <subcommand>`. */
export async function queueCommand(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const subcommand = name === undefined ? undefined : SUBCOMMANDS[name];
  if (!subcommand) throw new CliError(`Usage: labbook ${QUEUE_USAGE}`);
  return subcommand(rest);
}

function describe(entry: QueueEntry): string {
  const stopping = entry.state === 'running' && entry.cancelRequested ? ' (its worker is stopping it)' : '';
  return `#${entry.id} ${entry.state}${stopping}`;
}

function entryId(text: string | undefined, verb: string): number {
  const id = Number(text?.replace(/^#/, ''));
  if (!text || !Number.isInteger(id) || id <= 0) throw new CliError(`Usage: labbook queue ${verb} ID (a queue entry number from labbook queue ls)`);
  return id;
}

async function withQueue<T>(fn: (workspace: Workspace) => T): Promise<T> {
  const workspace = await openWorkspace(process.cwd());
  try {
    return fn(workspace);
  } catch (error) {
    if (error instanceof QueueError) throw new CliError(error.message);
    throw error;
  } finally {
    workspace.store.close();
  }
}

async function onEntry(args: string[], verb: string, fn: (workspace: Workspace, id: number) => string): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const id = entryId(positionals[0], verb);
  process.stdout.write(`${await withQueue((workspace) => fn(workspace, id))}\n`);
  return 0;
}

async function queueMove(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { to: { type: 'string' }, up: { type: 'boolean' }, down: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const moves = [values.to !== undefined, values.up, values.down].filter(Boolean).length;
  if (moves !== 1) throw new CliError('Usage: labbook queue move ID --to N|--up|--down (exactly one of them)');
  const move: QueueMove = values.up ? 'up' : values.down ? 'down' : { to: Number(values.to) };
  return onEntry(positionals, 'move', (workspace, id) => describe(moveEntry(workspace.store, id, move)));
}

function ago(ms: number | null, now: number): string {
  return ms === null ? '' : `${Math.round((now - ms) / 1000)}s ago`;
}

async function queueLs(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  const entries = await withQueue((workspace) => listQueue(workspace.store));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write('The queue is empty. Queue a run with: labbook queue add -- python3 train.py\n');
    return 0;
  }
  const now = Date.now();
  const rows = entries.map((e) => [
    `#${e.id}`,
    e.state + (e.cancelRequested && e.state === 'running' ? ' (stopping)' : ''),
    e.name ?? '',
    e.command.join(' '),
    e.runId?.slice(0, 8) ?? '',
    e.reason ?? '',
    ago(e.endedAt ?? e.startedAt ?? e.createdAt, now),
  ]);
  process.stdout.write(`${formatTable(['id', 'state', 'name', 'command', 'run', 'reason', 'when'], rows)}\n`);
  return 0;
}

async function queueWorker(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { parallel: { type: 'string' }, once: { type: 'boolean' } }, strict: true });
  const parallel = values.parallel === undefined ? undefined : Number(values.parallel);
  if (parallel !== undefined && (!Number.isInteger(parallel) || parallel < 1))
    throw new CliError(`--parallel takes a whole number from 1, got '${values.parallel}'.`);
  const workspace = await openWorkspace(process.cwd(), { create: true });
  for (const warning of workspace.warnings) process.stderr.write(`labbook: warning: ${warning}\n`);
  try {
    await runWorker(workspace, { parallel, once: values.once ?? false, log: (line) => process.stderr.write(`labbook queue: ${line}\n`) });
  } finally {
    workspace.store.close();
  }
  return 0;
}
