// The run queue (migration 11): commands waiting for a `labbook queue worker`, in order. Every change is one
// IMMEDIATE transaction, so two workers (or a worker and the editor) never take or reorder the same entry twice.
import { connectionOf } from './connection';
import { prepared } from './statements';
import type { ProcessRef, Store } from './store';

/** Where an entry is in its life: waiting for a worker, running under one, or ended. */
export type QueueState = 'waiting' | 'running' | 'done' | 'failed' | 'cancelled';

/** What `enqueue` needs: the command and how its run is to be named. */
export interface NewQueueEntry {
  command: string[];
  cwd: string;
  experiment?: string;
  name?: string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  /** The sweep this entry belongs to, when a sweep queued it. */
  group?: string;
}

/** One queue entry as stored. */
export interface QueueEntry extends Required<Pick<NewQueueEntry, 'command' | 'cwd' | 'params' | 'tags'>> {
  id: number;
  position: number;
  experiment: string | null;
  name: string | null;
  group: string | null;
  state: QueueState;
  /** Why it failed or was cancelled (a run status, "worker died"…). */
  reason: string | null;
  cancelRequested: boolean;
  runId: string | null;
  worker: ProcessRef | null;
  /** The GPU it holds (CUDA_VISIBLE_DEVICES) while it runs. */
  device: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  attempts: number;
}

/** A queue operation that does not apply to the entry as it stands (ended, not waiting…). */
export class QueueError extends Error {}

interface EntryRow {
  id: number;
  position: number;
  command: string;
  cwd: string;
  experiment: string | null;
  name: string | null;
  params: string;
  tags: string;
  group_id: string | null;
  state: QueueState;
  reason: string | null;
  cancel_requested: number;
  run_id: string | null;
  worker_pid: number | null;
  worker_start: number | null;
  device: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  attempts: number;
}

function entryOf(row: EntryRow): QueueEntry {
  return {
    id: row.id,
    position: row.position,
    command: JSON.parse(row.command) as string[],
    cwd: row.cwd,
    experiment: row.experiment,
    name: row.name,
    params: JSON.parse(row.params) as Record<string, string>,
    tags: JSON.parse(row.tags) as Record<string, string>,
    group: row.group_id,
    state: row.state,
    reason: row.reason,
    cancelRequested: row.cancel_requested === 1,
    runId: row.run_id,
    worker: row.worker_pid === null ? null : { pid: row.worker_pid, startTime: row.worker_start },
    device: row.device,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    attempts: row.attempts,
  };
}

// Waiting entries first in their order, then running ones, then ended ones newest first.
const LIST_ORDER =
  "ORDER BY CASE state WHEN 'running' THEN 0 WHEN 'waiting' THEN 1 ELSE 2 END, CASE WHEN state IN ('running', 'waiting') THEN position ELSE -ended_at END, id";

/** Every entry: running, then waiting in turn order, then ended ones newest first. */
export function listQueue(store: Store): QueueEntry[] {
  return (prepared(connectionOf(store), `SELECT * FROM queue ${LIST_ORDER}`).all() as EntryRow[]).map(entryOf);
}

/** How many entries wait for a worker. */
export function countWaiting(store: Store): number {
  return prepared(connectionOf(store), "SELECT COUNT(*) FROM queue WHERE state = 'waiting'").pluck().get() as number;
}

/** One entry, or a QueueError naming the id. */
export function queueEntry(store: Store, id: number): QueueEntry {
  const row = prepared(connectionOf(store), 'SELECT * FROM queue WHERE id = ?').get(id) as EntryRow | undefined;
  if (!row) throw new QueueError(`No queue entry ${id}.`);
  return entryOf(row);
}

function nextPosition(store: Store): number {
  return (prepared(connectionOf(store), 'SELECT COALESCE(MAX(position), 0) + 1 FROM queue').pluck().get() as number) ?? 1;
}

/** Appends an entry at the end of the queue and returns it. */
export function enqueue(store: Store, entry: NewQueueEntry, now = Date.now()): QueueEntry {
  if (entry.command.length === 0) throw new QueueError('Nothing to queue: the command is empty.');
  return store.transaction(() => {
    const { lastInsertRowid } = prepared(
      connectionOf(store),
      'INSERT INTO queue (position, command, cwd, experiment, name, params, tags, group_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      nextPosition(store),
      JSON.stringify(entry.command),
      entry.cwd,
      entry.experiment ?? null,
      entry.name ?? null,
      JSON.stringify(entry.params ?? {}),
      JSON.stringify(entry.tags ?? {}),
      entry.group ?? null,
      now,
    );
    return queueEntry(store, Number(lastInsertRowid));
  });
}

/**
 * Takes the first waiting entry for a worker, in one transaction: it becomes running, held by `worker` (on
 * `device` when given). Undefined when nothing waits. Two workers claiming at once get different entries.
 */
export function claimNext(store: Store, worker: ProcessRef, device: string | null = null, now = Date.now()): QueueEntry | undefined {
  return store.transaction(() => {
    const db = connectionOf(store);
    const id = prepared(db, "SELECT id FROM queue WHERE state = 'waiting' ORDER BY position, id LIMIT 1").pluck().get() as number | undefined;
    if (id === undefined) return undefined;
    prepared(
      db,
      "UPDATE queue SET state = 'running', worker_pid = ?, worker_start = ?, device = ?, started_at = ?, attempts = attempts + 1 WHERE id = ?",
    ).run(worker.pid, worker.startTime, device, now, id);
    return queueEntry(store, id);
  });
}

/** Links a running entry to the run that its worker started for it. */
export function setQueueRun(store: Store, id: number, runId: string): void {
  store.transaction(() => prepared(connectionOf(store), 'UPDATE queue SET run_id = ? WHERE id = ?').run(runId, id));
}

/** Ends a running entry: done, failed or cancelled, with the reason. */
export function endQueueEntry(
  store: Store,
  id: number,
  state: Exclude<QueueState, 'waiting' | 'running'>,
  reason: string | null,
  now = Date.now(),
): void {
  store.transaction(() =>
    prepared(connectionOf(store), "UPDATE queue SET state = ?, reason = ?, ended_at = ? WHERE id = ? AND state = 'running'").run(
      state,
      reason,
      now,
      id,
    ),
  );
}

/**
 * Cancels an entry: a waiting one is cancelled at once; a running one is marked for its worker, which stops the
 * run (it ends KILLED) and then records the entry cancelled. Ended entries cannot be cancelled.
 */
export function cancelEntry(store: Store, id: number, now = Date.now()): QueueEntry {
  return store.transaction(() => {
    const entry = queueEntry(store, id);
    const db = connectionOf(store);
    if (entry.state === 'waiting') prepared(db, "UPDATE queue SET state = 'cancelled', ended_at = ? WHERE id = ?").run(now, id);
    else if (entry.state === 'running') prepared(db, 'UPDATE queue SET cancel_requested = 1 WHERE id = ?').run(id);
    else throw new QueueError(`Queue entry ${id} has already ended (${entry.state}).`);
    return queueEntry(store, id);
  });
}

/** Puts a failed or cancelled entry back at the end of the queue; its earlier run stays in the runs list. */
export function retryEntry(store: Store, id: number): QueueEntry {
  return store.transaction(() => {
    const entry = queueEntry(store, id);
    if (entry.state !== 'failed' && entry.state !== 'cancelled')
      throw new QueueError(`Only a failed or cancelled entry can be retried; ${id} is ${entry.state}.`);
    prepared(
      connectionOf(store),
      `UPDATE queue SET state = 'waiting', position = ?, reason = NULL, cancel_requested = 0, run_id = NULL, worker_pid = NULL,
         worker_start = NULL, device = NULL, started_at = NULL, ended_at = NULL WHERE id = ?`,
    ).run(nextPosition(store), id);
    return queueEntry(store, id);
  });
}

/** Where to move a waiting entry: to a 1-based place among the waiting entries, or one place up or down. */
export type QueueMove = { to: number } | 'up' | 'down';

/** Moves a waiting entry within the waiting entries; the others keep their relative order. */
export function moveEntry(store: Store, id: number, move: QueueMove): QueueEntry {
  return store.transaction(() => {
    const db = connectionOf(store);
    const rows = prepared(db, "SELECT id, position FROM queue WHERE state = 'waiting' ORDER BY position, id").all() as {
      id: number;
      position: number;
    }[];
    const waiting = rows.map((row) => row.id);
    const from = waiting.indexOf(id);
    if (from === -1) throw new QueueError(`Only a waiting entry can be moved; ${id} is ${queueEntry(store, id).state}.`);
    const target = move === 'up' ? from - 1 : move === 'down' ? from + 1 : move.to - 1;
    if (!Number.isInteger(target)) throw new QueueError(`--to takes a whole number from 1 to ${waiting.length}.`);
    waiting.splice(from, 1);
    waiting.splice(Math.min(Math.max(target, 0), rows.length - 1), 0, id);
    // Waiting entries take the positions they already hold, in the new order; ended ones keep theirs.
    const update = prepared(db, 'UPDATE queue SET position = ? WHERE id = ?');
    waiting.forEach((entryId, i) => update.run(rows[i].position, entryId));
    return queueEntry(store, id);
  });
}

/** Running entries whose worker is gone (by `isAlive`), for the next worker to settle. */
export function orphanedEntries(store: Store, isAlive: (worker: ProcessRef) => boolean): QueueEntry[] {
  const rows = prepared(connectionOf(store), "SELECT * FROM queue WHERE state = 'running'").all() as EntryRow[];
  return rows.map(entryOf).filter((entry) => entry.worker === null || !isAlive(entry.worker));
}
