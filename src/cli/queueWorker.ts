// `labbook queue worker`: takes waiting entries from the store's queue K at a time and runs each under the runner,
// so a queued run is tracked exactly as `labbook run` tracks it. The queue lives in the store; the worker is only its
// engine, so a window reload or an editor restart loses nothing, and a second worker shares the same queue.
import { cpus } from 'node:os';
import { Writable } from 'node:stream';
import { GpuSampler } from '../capture/gpuSampler';
import { isSameProcess, processRef, recoverOrphanedRuns } from '../capture/recovery';
import type { RunResult } from '../capture/runner';
import { claimNext, countWaiting, endQueueEntry, orphanedEntries, queueEntry, setQueueRun, type QueueEntry } from '../store/queue';
import { trackCommand } from './track';
import type { Workspace } from './workspace';

/** How a worker runs: K at a time, and whether it stops once the queue is empty. */
export interface WorkerOptions {
  parallel?: number;
  once: boolean;
  pollMs?: number;
  log: (line: string) => void;
}

/** The reason an entry whose worker vanished is failed with. */
export const WORKER_DIED = 'worker died';

interface Slot {
  index: number;
  device: string | null;
}

interface Active {
  entry: QueueEntry;
  slot: Slot;
  abort: AbortController;
  done: Promise<void>;
}

/** K and the GPU each slot holds: --parallel, else one per GPU when nvidia-smi lists some, else one per two cores. */
export function workerSlots(parallel: number | undefined, gpus: readonly string[], cores = cpus().length): Slot[] {
  const count = parallel ?? (gpus.length || Math.max(1, Math.floor(cores / 2)));
  return Array.from({ length: count }, (_, index) => ({ index, device: gpus.length ? gpus[index % gpus.length] : null }));
}

const discard = (): Writable => new Writable({ write: (_chunk, _encoding, callback) => callback() });

/** The entry's end from its run's: FINISHED is done, a cancel that killed it is cancelled, anything else failed. */
function endOf(result: RunResult, cancelRequested: boolean): { state: 'done' | 'failed' | 'cancelled'; reason: string | null } {
  if (result.status === 'FINISHED') return { state: 'done', reason: null };
  if (cancelRequested) return { state: 'cancelled', reason: null };
  const code = result.exitCode === null ? '' : ` (exit ${result.exitCode})`;
  return { state: 'failed', reason: `${result.status}${code}` };
}

/** Runs the worker until stopped (SIGINT/SIGTERM: it stops taking entries and waits for its runs), or with `once` until the queue is empty. */
export async function runWorker(workspace: Workspace, options: WorkerOptions): Promise<void> {
  const { store } = workspace;
  const slots = workerSlots(options.parallel, await new GpuSampler().devices());
  const me = processRef(process.pid);
  const active = new Map<number, Active>();
  const told = new Set<number>();
  let stopping = false;
  const stop = (): void => {
    stopping = true;
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  options.log(`worker ${process.pid} runs ${slots.length} at a time${slots[0]?.device !== null ? ' (one per GPU)' : ''}`);

  const start = (entry: QueueEntry, slot: Slot): void => {
    const abort = new AbortController();
    const done = runEntry(workspace, entry, slot, abort.signal, slots.length, options.log).finally(() => active.delete(entry.id));
    active.set(entry.id, { entry, slot, abort, done });
  };

  for (;;) {
    const orphansRunning = await settleOrphans(workspace, options.log, told);
    for (const run of active.values()) if (queueEntry(store, run.entry.id).cancelRequested) run.abort.abort();
    while (!stopping && active.size + orphansRunning < slots.length) {
      const slot = slots.find((s) => ![...active.values()].some((run) => run.slot === s))!;
      const entry = claimNext(store, me, slot.device);
      if (!entry) break;
      start(entry, slot);
    }
    const idle = active.size === 0 && orphansRunning === 0;
    if (idle && (stopping || (options.once && countWaiting(store) === 0))) break;
    await Promise.race([new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500)), ...[...active.values()].map((run) => run.done)]);
  }
  process.off('SIGINT', stop).off('SIGTERM', stop);
}

async function runEntry(
  workspace: Workspace,
  entry: QueueEntry,
  slot: Slot,
  abort: AbortSignal,
  parallel: number,
  log: (line: string) => void,
): Promise<void> {
  const { store } = workspace;
  const where = slot.device === null ? '' : ` on GPU ${slot.device}`;
  // One run at a time may use the worker's terminal; several at once would interleave, so their output is only
  // in their console logs (`labbook log <run>`, the Run panel).
  const output = parallel === 1 ? {} : { stdout: discard(), stderr: discard() };
  const env = slot.device === null ? process.env : { ...process.env, CUDA_VISIBLE_DEVICES: slot.device };
  try {
    const result = await trackCommand(workspace, {
      command: entry.command,
      cwd: entry.cwd,
      experiment: entry.experiment ?? undefined,
      name: entry.name ?? undefined,
      params: entry.params,
      tags: entry.tags,
      env,
      forwardStdin: false,
      abort,
      ...output,
      onStart: (runId) => {
        setQueueRun(store, entry.id, runId);
        log(`#${entry.id} started run ${runId.slice(0, 8)}${where}: ${entry.command.join(' ')}`);
      },
    });
    const end = endOf(result, queueEntry(store, entry.id).cancelRequested);
    endQueueEntry(store, entry.id, end.state, end.reason);
    log(`#${entry.id} ${end.state}${end.reason ? ` (${end.reason})` : ''}`);
  } catch (error) {
    endQueueEntry(store, entry.id, 'failed', (error as Error).message);
    log(`#${entry.id} failed: ${(error as Error).message}`);
  }
}

/**
 * Settles entries whose worker vanished (SIGKILL, power loss). Its runs are recovered as any run whose runner
 * vanished: while the script still runs the run stays RUNNING and its entry keeps its place (and counts against K);
 * once the run has ended (CRASHED) the entry is failed with "worker died", and Retry puts it back. Returns how many
 * such entries still run.
 */
async function settleOrphans(workspace: Workspace, log: (line: string) => void, told: Set<number>): Promise<number> {
  const { store, config } = workspace;
  const orphans = orphanedEntries(store, isSameProcess);
  if (orphans.length === 0) return 0;
  await recoverOrphanedRuns(store, {
    modelExtensions: config.artifacts.modelExtensions,
    maxFileBytes: config.artifacts.maxFileBytes,
    metrics: config.metrics,
  });
  let stillRunning = 0;
  for (const entry of orphans) {
    const run = entry.runId ? store.findRun(entry.runId) : undefined;
    if (run?.status === 'RUNNING') {
      stillRunning += 1;
      if (!told.has(entry.id)) log(`#${entry.id} is still running after its worker ${entry.worker?.pid ?? '?'} died; it holds a slot until it ends`);
      told.add(entry.id);
      continue;
    }
    const state = run?.status === 'FINISHED' ? 'done' : 'failed';
    endQueueEntry(store, entry.id, state, state === 'done' ? null : `${WORKER_DIED}${run ? ` (run ${run.status})` : ''}`);
    log(`#${entry.id} ${state}: its worker ${entry.worker?.pid ?? '?'} died`);
  }
  return stillRunning;
}
