// Runs: creating, ending and updating them, the runner's bookkeeping (journal, console, heartbeat, orphans), reads by id.
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { GitFacts, Run, RunStatus } from '../core/types';
import { NotFoundError, ReadOnlyRunError } from './errors';
import { experimentByName } from './experiments';
import type { SqlDatabase } from './sqlite';
import { prepared } from './statements';

/** What a new run starts with. */
export interface NewRun {
  /** The run's id when it has one already (a run pulled from a remote keeps the remote's id); else a new one. */
  id?: string;
  experimentName?: string;
  experimentId?: number;
  name?: string;
  status?: RunStatus;
  argv?: string[];
  cwd?: string | null;
  sourceFile?: string | null;
  startTime?: number;
  git?: Partial<GitFacts>;
}

/** Where the runner keeps a live run's files, recorded so another process can recover them. */
export interface RunnerInfo {
  pid: number;
  /** Process start time (Linux /proc starttime), so a reused pid is not taken for the runner; null elsewhere. */
  startTime?: number | null;
  journalPath: string;
  consolePath: string;
}

/** A process named by pid and start time (null start time: unknown, the pid alone decides). */
export interface ProcessRef {
  pid: number;
  startTime: number | null;
}

/** A run whose runner disappeared or went quiet, with what is needed to recover it. */
export interface OrphanedRun {
  id: string;
  /** False when the runner process still exists but its heartbeat is stale (stopped, suspended). */
  runnerAlive: boolean;
  /** The tracked script, when the runner recorded it. */
  child: ProcessRef | null;
  journalPath: string | null;
  journalOffset: number;
  consolePath: string | null;
}

/** Heartbeats older than this mean the runner is gone or paused (LABBOOK_HEARTBEAT_STALE_MS overrides, for tests). */
export const HEARTBEAT_STALE_MS = Number(process.env.LABBOOK_HEARTBEAT_STALE_MS) || 60_000;

/** A runs row joined with its experiment's name, as RUN_COLUMNS selects it. */
export interface RunRow {
  id: string;
  experiment_id: number;
  experiment_name: string;
  name: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  updated_at: number;
  exit_code: number | null;
  argv: string;
  cwd: string | null;
  source_file: string | null;
  user: string | null;
  host: string | null;
  git_commit: string | null;
  git_branch: string | null;
  git_remote: string | null;
  git_dirty: number;
  git_patch_sha: string | null;
  starred: number;
  console_sha: string | null;
}

/** The columns of RunRow, for `runs r JOIN experiments e`. */
export const RUN_COLUMNS = `r.id, r.experiment_id, e.name AS experiment_name, r.name, r.status, r.start_time, r.end_time,
  r.updated_at, r.exit_code, r.argv, r.cwd, r.source_file, r.user, r.host, r.git_commit, r.git_branch,
  r.git_remote, r.git_dirty, r.git_patch_sha, r.starred, r.console_sha`;

/** The row -> Run mapping every run read uses. */
export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    experimentId: row.experiment_id,
    experimentName: row.experiment_name,
    name: row.name,
    status: row.status,
    startTime: row.start_time,
    endTime: row.end_time,
    updatedAt: row.updated_at,
    exitCode: row.exit_code,
    argv: JSON.parse(row.argv) as string[],
    cwd: row.cwd,
    sourceFile: row.source_file,
    user: row.user,
    host: row.host,
    git: {
      commit: row.git_commit,
      branch: row.git_branch,
      remote: row.git_remote,
      dirty: row.git_dirty === 1,
      patchSha: row.git_patch_sha,
    },
    starred: row.starred === 1,
    consoleSha: row.console_sha,
  };
}

/** A new 32-hex-character run id, as MLflow makes them. */
export function newRunId(): string {
  return randomBytes(16).toString('hex');
}

function safeUserName(): string | null {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? null;
  }
}

// Read once per process: os.userInfo() reads /etc/passwd on every call, which was a tenth of creating a run.
let processUser: { user: string | null; host: string } | undefined;

function processIdentity(): { user: string | null; host: string } {
  processUser ??= { user: safeUserName(), host: hostname() };
  return processUser;
}

/** Creates a run and returns it. The default name is `<script>-<n>` within its experiment. */
export function createRun(db: SqlDatabase, spec: NewRun = {}): Run {
  const id = spec.id ?? newRunId();
  const now = spec.startTime ?? Date.now();
  const { user, host } = processIdentity();
  db.transaction(() => {
    const experimentId = spec.experimentId ?? experimentByName(db, spec.experimentName ?? 'Default')!.id;
    const number = countRunCreated(db, experimentId);
    const name = spec.name?.trim() || defaultRunName(spec.sourceFile ?? null, number);
    const git = spec.git ?? {};
    prepared(
      db,
      `INSERT INTO runs (id, experiment_id, name, status, start_time, updated_at, argv, cwd, source_file, user, host,
         git_commit, git_branch, git_remote, git_dirty, git_patch_sha)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      experimentId,
      name,
      spec.status ?? 'RUNNING',
      now,
      now,
      JSON.stringify(spec.argv ?? []),
      spec.cwd ?? null,
      spec.sourceFile ?? null,
      user,
      host,
      git.commit ?? null,
      git.branch ?? null,
      git.remote ?? null,
      git.dirty ? 1 : 0,
      git.patchSha ?? null,
    );
  }).immediate();
  return getRun(db, id);
}

// The run's number in its experiment (1 for its first run); throws when there is no such experiment.
function countRunCreated(db: SqlDatabase, experimentId: number): number {
  const number = prepared(db, 'UPDATE experiments SET runs_created = runs_created + 1 WHERE id = ? RETURNING runs_created')
    .pluck()
    .get(experimentId) as number | undefined;
  if (number === undefined) throw new NotFoundError(`No experiment with id ${experimentId}.`);
  return number;
}

function defaultRunName(sourceFile: string | null, number: number): string {
  const stem = sourceFile ? (sourceFile.split(/[\\/]/).pop() ?? 'run').replace(/\.[^.]+$/, '') : 'run';
  return `${stem || 'run'}-${number}`;
}

/** Records the git facts of a run (known only after the run row exists, for speed of start). */
export function setGitFacts(db: SqlDatabase, runId: string, git: GitFacts): void {
  prepared(db, 'UPDATE runs SET git_commit = ?, git_branch = ?, git_remote = ?, git_dirty = ?, git_patch_sha = ?, updated_at = ? WHERE id = ?').run(
    git.commit,
    git.branch,
    git.remote,
    git.dirty ? 1 : 0,
    git.patchSha,
    Date.now(),
    runId,
  );
}

/** Records which process owns a live run and where its journal and console log are. */
export function setRunnerInfo(db: SqlDatabase, runId: string, info: RunnerInfo): void {
  prepared(db, 'UPDATE runs SET runner_pid = ?, runner_start = ?, journal_path = ?, console_path = ?, heartbeat_at = ? WHERE id = ?').run(
    info.pid,
    info.startTime ?? null,
    info.journalPath,
    info.consolePath,
    Date.now(),
    runId,
  );
}

/** Records the tracked script's process, so recovery leaves the run alone while the script still runs. */
export function setChildProcess(db: SqlDatabase, runId: string, child: ProcessRef): void {
  prepared(db, 'UPDATE runs SET child_pid = ?, child_start = ? WHERE id = ?').run(child.pid, child.startTime, runId);
}

/** Stamps the run's heartbeat: its runner is alive. */
export function heartbeat(db: SqlDatabase, runId: string): void {
  prepared(db, 'UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(Date.now(), runId);
}

/**
 * Marks a run ended; returns false when it had already ended (the first end wins). `reclaim` lets the run's
 * own runner replace a CRASHED that recovery wrote while the runner was paused (suspend, SIGSTOP).
 */
export function finishRun(
  db: SqlDatabase,
  runId: string,
  status: RunStatus,
  options: { exitCode?: number | null; endTime?: number; consoleSha?: string | null; reclaim?: boolean } = {},
): boolean {
  const now = options.endTime ?? Date.now();
  return (
    prepared(
      db,
      `UPDATE runs SET status = ?, end_time = ?, exit_code = ?, console_sha = COALESCE(?, console_sha), updated_at = ?,
         runner_pid = NULL WHERE id = ? AND (status IN ('RUNNING', 'SCHEDULED') OR (? AND status = 'CRASHED'))`,
    ).run(status, now, options.exitCode ?? null, options.consoleSha ?? null, Date.now(), runId, options.reclaim ? 1 : 0).changes > 0
  );
}

/** Sets status without ending (MLflow clients set RUNNING again on resume). */
export function setStatus(db: SqlDatabase, runId: string, status: RunStatus): void {
  prepared(db, 'UPDATE runs SET status = ?, updated_at = ? WHERE id = ?').run(status, Date.now(), runId);
}

/** Renames a run. */
export function rename(db: SqlDatabase, runId: string, name: string): void {
  prepared(db, 'UPDATE runs SET name = ?, updated_at = ? WHERE id = ?').run(name, Date.now(), runId);
}

/** Stars or unstars a run. */
export function setStarred(db: SqlDatabase, runId: string, starred: boolean): void {
  prepared(db, 'UPDATE runs SET starred = ?, updated_at = ? WHERE id = ?').run(starred ? 1 : 0, Date.now(), runId);
}

/** Saves how far the journal has been ingested, so recovery never ingests a line twice. */
export function setJournalOffset(db: SqlDatabase, runId: string, offset: number): void {
  prepared(db, 'UPDATE runs SET journal_offset = ? WHERE id = ?').run(offset, runId);
}

/** Deletes runs and everything they own; blobs are freed by gc. */
export function deleteRuns(db: SqlDatabase, runIds: string[]): number {
  const del = prepared(db, 'DELETE FROM runs WHERE id = ?');
  return db.transaction(() => runIds.reduce((n, id) => n + del.run(id).changes, 0)).immediate();
}

/** The run with that id; NotFoundError when there is none. */
export function getRun(db: SqlDatabase, runId: string): Run {
  const row = prepared(db, `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`).get(runId) as
    RunRow | undefined;
  if (!row) throw new NotFoundError(`No run with id ${runId}.`);
  return toRun(row);
}

/** The run with that id, or undefined. */
export function findRun(db: SqlDatabase, runId: string): Run | undefined {
  try {
    return getRun(db, runId);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Live runs on this host whose runner is gone (no such process) or silent (heartbeat older than `staleMs`). */
export function orphanedRuns(db: SqlDatabase, isAlive: (process: ProcessRef) => boolean, staleMs = HEARTBEAT_STALE_MS): OrphanedRun[] {
  const rows = prepared(
    db,
    `SELECT id, runner_pid, runner_start, heartbeat_at, child_pid, child_start, journal_path, journal_offset, console_path
     FROM runs WHERE status = 'RUNNING' AND runner_pid IS NOT NULL AND host = ?`,
  ).all(hostname()) as {
    id: string;
    runner_pid: number;
    runner_start: number | null;
    heartbeat_at: number | null;
    child_pid: number | null;
    child_start: number | null;
    journal_path: string | null;
    journal_offset: number;
    console_path: string | null;
  }[];
  const staleBefore = Date.now() - staleMs;
  return rows
    .map((row) => ({ row, runnerAlive: isAlive({ pid: row.runner_pid, startTime: row.runner_start }) }))
    .filter(({ row, runnerAlive }) => !runnerAlive || (row.heartbeat_at ?? 0) < staleBefore)
    .map(({ row, runnerAlive }) => ({
      id: row.id,
      runnerAlive,
      child: row.child_pid === null ? null : { pid: row.child_pid, startTime: row.child_start },
      journalPath: row.journal_path,
      journalOffset: row.journal_offset,
      consolePath: row.console_path,
    }));
}

/** Journal path and offset of a run, for ingesting what is left. */
export function journalState(db: SqlDatabase, runId: string): { journalPath: string | null; journalOffset: number } {
  const row = prepared(db, 'SELECT journal_path, journal_offset FROM runs WHERE id = ?').get(runId) as
    { journal_path: string | null; journal_offset: number } | undefined;
  if (!row) throw new NotFoundError(`No run with id ${runId}.`);
  return { journalPath: row.journal_path, journalOffset: row.journal_offset };
}

/** Pid of the runner process that owns a live run (null once it ended). */
export function runnerPid(db: SqlDatabase, runId: string): number | null {
  const row = prepared(db, 'SELECT runner_pid FROM runs WHERE id = ?').get(runId) as { runner_pid: number | null } | undefined;
  return row?.runner_pid ?? null;
}

/** How far a run's console log has been parsed into stored points (bytes from its start). */
export function consoleOffset(db: SqlDatabase, runId: string): number {
  const row = prepared(db, 'SELECT console_offset FROM runs WHERE id = ?').get(runId) as { console_offset: number } | undefined;
  if (!row) throw new NotFoundError(`No run with id ${runId}.`);
  return row.console_offset;
}

/** Saves how far the console log has been parsed; call it in the transaction that stores those points. */
export function setConsoleOffset(db: SqlDatabase, runId: string, offset: number): void {
  prepared(db, 'UPDATE runs SET console_offset = ? WHERE id = ?').run(offset, runId);
}

/** Path of the live console log of a run, while it is being written. */
export function consolePath(db: SqlDatabase, runId: string): string | null {
  const row = prepared(db, 'SELECT console_path FROM runs WHERE id = ?').get(runId) as { console_path: string | null } | undefined;
  return row?.console_path ?? null;
}

/** Moves a run's updated_at; throws NotFoundError for an unknown run. */
export function touchRun(db: SqlDatabase, runId: string): void {
  const changes = prepared(db, 'UPDATE runs SET updated_at = ? WHERE id = ?').run(Date.now(), runId).changes;
  if (changes === 0) throw new NotFoundError(`No run with id ${runId}.`);
  if (!importing.has(db) && originOf(db, runId) !== undefined) throw new ReadOnlyRunError(runId);
}

/** Tag marking a run pulled from a remote (its value is the remote's URL): read-only here until adopted. */
export const ORIGIN_TAG = 'labbook.origin';

// Connections currently writing pulled runs (sync's pull): the only writer a pulled run accepts.
const importing = new WeakSet<SqlDatabase>();

/** The remote a pulled run came from, or undefined for a run of this store (or an adopted one). */
export function originOf(db: SqlDatabase, runId: string): string | undefined {
  const row = prepared(db, 'SELECT value FROM tags WHERE run_id = ? AND key = ?').get(runId, ORIGIN_TAG) as { value: string } | undefined;
  return row?.value;
}

/** Runs `fn` in a transaction that may write pulled runs (which refuse every other writer). */
export function asImport<T>(db: SqlDatabase, fn: () => T): T {
  if (importing.has(db)) return fn();
  importing.add(db);
  try {
    return db.transaction(fn).immediate();
  } finally {
    importing.delete(db);
  }
}
