import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { compileFilter, compileOrderBy } from './filterSql';
import type {
  Artifact,
  ArtifactDirection,
  ArtifactRole,
  Experiment,
  GitFacts,
  HistoryPoint,
  MetricPoint,
  MetricSummary,
  Run,
  RunDetail,
  RunListing,
  RunStatus,
} from '../core/types';
import { checkStoreFile } from './integrity';
import { ObjectStore } from './objects';
import { openDatabase } from './sqlite';
import type { SqlDatabase, SqlStatement } from './sqlite';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';
import { purgeExpiredTrash } from './trash';

/** Name of the workspace store folder. */
export const STORE_DIR_NAME = '.labbook';

/** A param logged again with a different value; MLflow params are immutable. */
export class ParamConflictError extends Error {
  constructor(
    readonly key: string,
    readonly oldValue: string,
    readonly newValue: string,
  ) {
    super(`Param '${key}' is already '${oldValue}' and cannot be changed to '${newValue}'.`);
  }
}

/** A run, experiment or model that does not exist. */
export class NotFoundError extends Error {}

/** What a new run starts with. */
export interface NewRun {
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

/** Options of listRuns: MLflow filter and order-by text, experiment scope and paging. */
export interface ListRunsOptions {
  experimentIds?: number[];
  filter?: string;
  orderBy?: string[];
  limit?: number;
  offset?: number;
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

const POINT_COLUMNS = 5;
const POINTS_PER_INSERT = 64;

/** Heartbeats older than this mean the runner is gone or paused (LABBOOK_HEARTBEAT_STALE_MS overrides, for tests). */
export const HEARTBEAT_STALE_MS = Number(process.env.LABBOOK_HEARTBEAT_STALE_MS) || 60_000;

interface RunRow {
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

interface SeriesRow {
  id: number;
  run_id: string;
  key: string;
  last: number | null;
  last_step: number;
  last_timestamp: number;
  min: number | null;
  max: number | null;
  count: number;
}

type SummaryTuple = [runId: string, key: string, last: number | null, lastStep: number, lastTimestamp: number, min: number | null, max: number | null, count: number];

const RUN_COLUMNS = `r.id, r.experiment_id, e.name AS experiment_name, r.name, r.status, r.start_time, r.end_time,
  r.updated_at, r.exit_code, r.argv, r.cwd, r.source_file, r.user, r.host, r.git_commit, r.git_branch,
  r.git_remote, r.git_dirty, r.git_patch_sha, r.starred, r.console_sha`;

/** Stored NULL means NaN: SQLite cannot hold NaN. */
function fromSql(value: number | null): number {
  return value === null ? Number.NaN : value;
}

function toRun(row: RunRow): Run {
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

function toSummary(row: SeriesRow): MetricSummary {
  return {
    key: row.key,
    last: fromSql(row.last),
    lastStep: row.last_step,
    lastTimestamp: row.last_timestamp,
    min: fromSql(row.min),
    max: fromSql(row.max),
    count: row.count,
  };
}

/** A new 32-hex-character run id, as MLflow makes them. */
export function newRunId(): string {
  return randomBytes(16).toString('hex');
}

// NaN never wins min/max: a NaN point must not hide the real extremes.
function minOf(a: number | null, b: number): number | null {
  if (Number.isNaN(b)) return a;
  return a === null || b < a ? b : a;
}
function maxOf(a: number | null, b: number): number | null {
  if (Number.isNaN(b)) return a;
  return a === null || b > a ? b : a;
}

/** Finds the `.labbook` folder for a workspace: LABBOOK_DIR wins, else `<workspace>/.labbook`. */
export function storeDirFor(workspace: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.LABBOOK_DIR ? resolve(env.LABBOOK_DIR) : join(resolve(workspace), STORE_DIR_NAME);
}

/** The workspace run store: one SQLite database in WAL mode plus content-addressed blobs. */
export class Store {
  readonly objects: ObjectStore;
  private readonly statements = new Map<string, SqlStatement>();

  private constructor(
    readonly dir: string,
    readonly db: SqlDatabase,
  ) {
    this.objects = new ObjectStore(join(dir, 'objects'));
  }

  /** Opens (creating and migrating when needed) the store in `dir`, a `.labbook` folder; a damaged file is refused first. */
  static open(dir: string, options: { readonly?: boolean } = {}): Store {
    checkStoreFile(join(dir, 'labbook.db'));
    if (options.readonly) {
      const db = openDatabase(join(dir, 'labbook.db'), { readonly: true });
      db.pragma('busy_timeout = 10000');
      return new Store(dir, db);
    }
    Store.prepareFolder(dir);
    const db = openDatabase(join(dir, 'labbook.db'));
    db.pragma('busy_timeout = 10000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const store = new Store(dir, db);
    store.migrate();
    purgeExpiredTrash(store);
    return store;
  }

  /** The folder for a live run's console log and journal. */
  runDir(runId: string): string {
    return join(this.dir, 'runs', runId);
  }

  close(): void {
    this.db.close();
  }

  /** Changes whenever another connection commits; polling it is the cheapest change signal. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  private static prepareFolder(dir: string): void {
    mkdirSync(join(dir, 'objects'), { recursive: true });
    mkdirSync(join(dir, 'runs'), { recursive: true });
    const ignore = join(dir, '.gitignore');
    if (!existsSync(ignore)) writeFileSync(ignore, '# Written by Labbook: the run store stays out of git.\n*\n');
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`This store (${this.dir}) has schema ${version}, newer than this Labbook understands (${SCHEMA_VERSION}). Update Labbook.`);
    }
    if (version === SCHEMA_VERSION) return;
    // IMMEDIATE so two processes opening a new store at once do not both migrate.
    this.db.transaction(() => {
      const current = this.db.pragma('user_version', { simple: true }) as number;
      for (let v = current; v < SCHEMA_VERSION; v++) this.db.exec(MIGRATIONS[v]);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }

  private stmt(sql: string): SqlStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  // ---- experiments ----

  /** The experiment of that name, created when missing. */
  experimentByName(name: string, create = true): Experiment | undefined {
    const found = this.stmt('SELECT id, name, created_at, lifecycle FROM experiments WHERE name = ?').get(name) as
      | { id: number; name: string; created_at: number; lifecycle: 'active' | 'deleted' }
      | undefined;
    if (found) return { id: found.id, name: found.name, createdAt: found.created_at, lifecycle: found.lifecycle };
    if (!create) return undefined;
    const now = Date.now();
    this.stmt('INSERT OR IGNORE INTO experiments (name, created_at, updated_at) VALUES (?, ?, ?)').run(name, now, now);
    return this.experimentByName(name, false);
  }

  experimentById(id: number): Experiment | undefined {
    const row = this.stmt('SELECT id, name, created_at, lifecycle FROM experiments WHERE id = ?').get(id) as
      | { id: number; name: string; created_at: number; lifecycle: 'active' | 'deleted' }
      | undefined;
    return row && { id: row.id, name: row.name, createdAt: row.created_at, lifecycle: row.lifecycle };
  }

  listExperiments(): Experiment[] {
    const rows = this.stmt('SELECT id, name, created_at, lifecycle FROM experiments ORDER BY id').all() as {
      id: number;
      name: string;
      created_at: number;
      lifecycle: 'active' | 'deleted';
    }[];
    return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at, lifecycle: row.lifecycle }));
  }

  // ---- runs ----

  /** Creates a run and returns it. The default name is `<script>-<n>` within its experiment. */
  createRun(spec: NewRun = {}): Run {
    const id = newRunId();
    const now = spec.startTime ?? Date.now();
    this.db.transaction(() => {
      const experimentId = spec.experimentId ?? this.experimentByName(spec.experimentName ?? 'Default')!.id;
      if (!this.experimentById(experimentId)) throw new NotFoundError(`No experiment with id ${experimentId}.`);
      const name = spec.name?.trim() || this.defaultRunName(experimentId, spec.sourceFile ?? null);
      const git = spec.git ?? {};
      this.stmt(
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
        safeUserName(),
        hostname(),
        git.commit ?? null,
        git.branch ?? null,
        git.remote ?? null,
        git.dirty ? 1 : 0,
        git.patchSha ?? null,
      );
    }).immediate();
    return this.getRun(id);
  }

  private defaultRunName(experimentId: number, sourceFile: string | null): string {
    const stem = sourceFile ? (sourceFile.split(/[\\/]/).pop() ?? 'run').replace(/\.[^.]+$/, '') : 'run';
    const count = (this.stmt('SELECT COUNT(*) AS n FROM runs WHERE experiment_id = ?').get(experimentId) as { n: number }).n;
    return `${stem || 'run'}-${count + 1}`;
  }

  /** Records the git facts of a run (known only after the run row exists, for speed of start). */
  setGitFacts(runId: string, git: GitFacts): void {
    this.stmt(
      'UPDATE runs SET git_commit = ?, git_branch = ?, git_remote = ?, git_dirty = ?, git_patch_sha = ?, updated_at = ? WHERE id = ?',
    ).run(git.commit, git.branch, git.remote, git.dirty ? 1 : 0, git.patchSha, Date.now(), runId);
  }

  /** Records which process owns a live run and where its journal and console log are. */
  setRunnerInfo(runId: string, info: RunnerInfo): void {
    this.stmt('UPDATE runs SET runner_pid = ?, runner_start = ?, journal_path = ?, console_path = ?, heartbeat_at = ? WHERE id = ?').run(
      info.pid,
      info.startTime ?? null,
      info.journalPath,
      info.consolePath,
      Date.now(),
      runId,
    );
  }

  /** Records the tracked script's process, so recovery leaves the run alone while the script still runs. */
  setChildProcess(runId: string, child: ProcessRef): void {
    this.stmt('UPDATE runs SET child_pid = ?, child_start = ? WHERE id = ?').run(child.pid, child.startTime, runId);
  }

  heartbeat(runId: string): void {
    this.stmt('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(Date.now(), runId);
  }

  /**
   * Marks a run ended; returns false when it had already ended (the first end wins). `reclaim` lets the run's
   * own runner replace a CRASHED that recovery wrote while the runner was paused (suspend, SIGSTOP).
   */
  finishRun(
    runId: string,
    status: RunStatus,
    options: { exitCode?: number | null; endTime?: number; consoleSha?: string | null; reclaim?: boolean } = {},
  ): boolean {
    const now = options.endTime ?? Date.now();
    return (
      this.stmt(
        `UPDATE runs SET status = ?, end_time = ?, exit_code = ?, console_sha = COALESCE(?, console_sha), updated_at = ?,
           runner_pid = NULL WHERE id = ? AND (status IN ('RUNNING', 'SCHEDULED') OR (? AND status = 'CRASHED'))`,
      ).run(status, now, options.exitCode ?? null, options.consoleSha ?? null, Date.now(), runId, options.reclaim ? 1 : 0).changes > 0
    );
  }

  /** Sets status without ending (MLflow clients set RUNNING again on resume). */
  setStatus(runId: string, status: RunStatus): void {
    this.stmt('UPDATE runs SET status = ?, updated_at = ? WHERE id = ?').run(status, Date.now(), runId);
  }

  rename(runId: string, name: string): void {
    this.stmt('UPDATE runs SET name = ?, updated_at = ? WHERE id = ?').run(name, Date.now(), runId);
  }

  setStarred(runId: string, starred: boolean): void {
    this.stmt('UPDATE runs SET starred = ?, updated_at = ? WHERE id = ?').run(starred ? 1 : 0, Date.now(), runId);
  }

  /** Saves how far the journal has been ingested, so recovery never ingests a line twice. */
  setJournalOffset(runId: string, offset: number): void {
    this.stmt('UPDATE runs SET journal_offset = ? WHERE id = ?').run(offset, runId);
  }

  /** Deletes runs and everything they own; blobs are freed by gc. */
  deleteRuns(runIds: string[]): number {
    const del = this.stmt('DELETE FROM runs WHERE id = ?');
    return this.db.transaction(() => runIds.reduce((n, id) => n + del.run(id).changes, 0)).immediate();
  }

  getRun(runId: string): Run {
    const row = this.stmt(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`).get(runId) as
      | RunRow
      | undefined;
    if (!row) throw new NotFoundError(`No run with id ${runId}.`);
    return toRun(row);
  }

  findRun(runId: string): Run | undefined {
    try {
      return this.getRun(runId);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** A run with its params, tags, metric summaries and artifacts. */
  getRunDetail(runId: string): RunDetail {
    const run = this.getRun(runId);
    return {
      ...run,
      params: this.params(runId),
      tags: this.tags(runId),
      metrics: this.metricSummaries(runId),
      artifacts: this.artifacts(runId),
    };
  }

  /** Runs matching an MLflow filter, newest first unless ordered otherwise. */
  listRuns(options: ListRunsOptions = {}): RunListing[] {
    const { where, whereParams } = this.runWhere(options);
    const order = (options.orderBy ?? []).map((text) => compileOrderBy(text, 'r'));
    const orderSql = [...order.map((o) => o.sql), 'r.start_time DESC', 'r.id'].join(', ');
    const paging = options.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(options.limit))} OFFSET ${Math.max(0, Math.floor(options.offset ?? 0))}` : '';
    const orderParams = order.flatMap((o) => o.params);
    const rows = this.db
      .prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where} ORDER BY ${orderSql}${paging}`)
      .all(...whereParams, ...orderParams) as RunRow[];
    // The children of exactly these runs: the same selection again (ordered only when paged).
    const selectIds = `SELECT r.id FROM runs r WHERE ${where}${paging ? ` ORDER BY ${orderSql}${paging}` : ''}`;
    const selectionParams = paging ? [...whereParams, ...orderParams] : whereParams;
    return this.withDetails(rows, selectIds, selectionParams);
  }

  /** Ids of the runs matching an MLflow filter, newest first (no details read: cheap for whole tables). */
  runIds(options: Pick<ListRunsOptions, 'experimentIds' | 'filter'> = {}): string[] {
    const { where, whereParams } = this.runWhere(options);
    return this.db.prepare(`SELECT r.id FROM runs r WHERE ${where} ORDER BY r.start_time DESC, r.id`).pluck().all(...whereParams) as string[];
  }

  /** Counts runs matching the same options as listRuns. */
  countRuns(options: ListRunsOptions = {}): number {
    const { where, whereParams } = this.runWhere(options);
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM runs r WHERE ${where}`).get(...whereParams) as { n: number }).n;
  }

  private runWhere(options: ListRunsOptions): { where: string; whereParams: unknown[] } {
    const clauses = ["r.lifecycle = 'active'"];
    const whereParams: unknown[] = [];
    if (options.experimentIds?.length) {
      clauses.push(`r.experiment_id IN (${options.experimentIds.map(() => '?').join(', ')})`);
      whereParams.push(...options.experimentIds);
    }
    if (options.filter?.trim()) {
      const compiled = compileFilter(options.filter, 'r');
      clauses.push(`(${compiled.sql})`);
      whereParams.push(...compiled.params);
    }
    return { where: clauses.join(' AND '), whereParams };
  }

  // One query per child table for the whole selection rather than three per run.
  private withDetails(rows: RunRow[], selectIds: string, params: unknown[]): RunListing[] {
    const listings = new Map<string, RunListing>();
    for (const row of rows) listings.set(row.id, { ...toRun(row), params: {}, tags: {}, metrics: {} });
    if (listings.size === 0) return [];
    const inIds = `run_id IN (${selectIds})`;
    for (const p of this.db.prepare(`SELECT run_id, key, value FROM params WHERE ${inIds}`).all(...params) as { run_id: string; key: string; value: string }[]) {
      setOwn(listings.get(p.run_id)!.params, p.key, p.value);
    }
    for (const t of this.db.prepare(`SELECT run_id, key, value FROM tags WHERE ${inIds}`).all(...params) as { run_id: string; key: string; value: string }[]) {
      setOwn(listings.get(t.run_id)!.tags, t.key, t.value);
    }
    // Raw rows: a listing can hold hundreds of thousands of summaries, and row objects would double the work.
    const summaries = this.db.prepare(`SELECT run_id, key, last, last_step, last_timestamp, min, max, count FROM metric_series WHERE ${inIds}`).raw();
    for (const [runId, key, last, lastStep, lastTimestamp, min, max, count] of summaries.iterate(...params) as Iterable<SummaryTuple>) {
      setOwn(listings.get(runId)!.metrics, key, { key, last: fromSql(last), lastStep, lastTimestamp, min: fromSql(min), max: fromSql(max), count });
    }
    return [...listings.values()];
  }

  /** Live runs on this host whose runner is gone (no such process) or silent (heartbeat older than `staleMs`). */
  orphanedRuns(isAlive: (process: ProcessRef) => boolean, staleMs = HEARTBEAT_STALE_MS): OrphanedRun[] {
    const rows = this.stmt(
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
  journalState(runId: string): { journalPath: string | null; journalOffset: number } {
    const row = this.stmt('SELECT journal_path, journal_offset FROM runs WHERE id = ?').get(runId) as
      | { journal_path: string | null; journal_offset: number }
      | undefined;
    if (!row) throw new NotFoundError(`No run with id ${runId}.`);
    return { journalPath: row.journal_path, journalOffset: row.journal_offset };
  }

  /** Pid of the runner process that owns a live run (null once it ended). */
  runnerPid(runId: string): number | null {
    const row = this.stmt('SELECT runner_pid FROM runs WHERE id = ?').get(runId) as { runner_pid: number | null } | undefined;
    return row?.runner_pid ?? null;
  }

  /** How far a run's console log has been parsed into stored points (bytes from its start). */
  consoleOffset(runId: string): number {
    const row = this.stmt('SELECT console_offset FROM runs WHERE id = ?').get(runId) as { console_offset: number } | undefined;
    if (!row) throw new NotFoundError(`No run with id ${runId}.`);
    return row.console_offset;
  }

  /** Saves how far the console log has been parsed; call it in the transaction that stores those points. */
  setConsoleOffset(runId: string, offset: number): void {
    this.stmt('UPDATE runs SET console_offset = ? WHERE id = ?').run(offset, runId);
  }

  /** Path of the live console log of a run, while it is being written. */
  consolePath(runId: string): string | null {
    const row = this.stmt('SELECT console_path FROM runs WHERE id = ?').get(runId) as { console_path: string | null } | undefined;
    return row?.console_path ?? null;
  }

  // ---- params and tags ----

  /** Logs params; re-logging the same value is fine, a different value throws ParamConflictError unless overwrite. */
  logParams(runId: string, params: Record<string, string>, options: { overwrite?: boolean } = {}): void {
    const get = this.stmt('SELECT value FROM params WHERE run_id = ? AND key = ?');
    const put = this.stmt('INSERT OR REPLACE INTO params (run_id, key, value) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(params)) {
        const existing = get.get(runId, key) as { value: string } | undefined;
        if (existing && existing.value !== value && !options.overwrite) throw new ParamConflictError(key, existing.value, value);
        if (!existing || existing.value !== value) put.run(runId, key, value);
      }
      this.touch(runId);
    }).immediate();
  }

  params(runId: string): Record<string, string> {
    return this.keyValues('SELECT key, value FROM params WHERE run_id = ? ORDER BY key', runId);
  }

  setTags(runId: string, tags: Record<string, string>): void {
    const put = this.stmt('INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(tags)) put.run(runId, key, value);
      this.touch(runId);
    }).immediate();
  }

  deleteTag(runId: string, key: string): boolean {
    return this.stmt('DELETE FROM tags WHERE run_id = ? AND key = ?').run(runId, key).changes > 0;
  }

  tags(runId: string): Record<string, string> {
    return this.keyValues('SELECT key, value FROM tags WHERE run_id = ? ORDER BY key', runId);
  }

  private keyValues(sql: string, runId: string): Record<string, string> {
    const rows = this.stmt(sql).all(runId) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((row) => [row.key, row.value])); // fromEntries keeps a key named __proto__ as data
  }

  private touch(runId: string): void {
    const changes = this.stmt('UPDATE runs SET updated_at = ? WHERE id = ?').run(Date.now(), runId).changes;
    if (changes === 0) throw new NotFoundError(`No run with id ${runId}.`);
  }

  // ---- metrics ----

  /**
   * Appends metric points in one transaction and keeps each key's summary current in the same transaction.
   * "last" follows the highest step (ties: the latest write), as MLflow's latest metric does.
   */
  logMetrics(runId: string, points: readonly MetricPoint[]): void {
    if (points.length === 0) return;
    const getSeries = this.stmt('SELECT * FROM metric_series WHERE run_id = ? AND key = ?');
    const newSeries = this.stmt(
      'INSERT INTO metric_series (run_id, key, last, last_step, last_timestamp, min, max, count) VALUES (?, ?, NULL, 0, 0, NULL, NULL, 0) RETURNING *',
    );
    const saveSeries = this.stmt('UPDATE metric_series SET last = ?, last_step = ?, last_timestamp = ?, min = ?, max = ?, count = ? WHERE id = ?');
    this.db.transaction(() => {
      this.touch(runId);
      const touched = new Map<string, SeriesRow>();
      const rows: (number | null)[] = new Array(points.length * POINT_COLUMNS);
      points.forEach((point, i) => {
        let series = touched.get(point.key);
        if (!series) {
          series = (getSeries.get(runId, point.key) ?? newSeries.get(runId, point.key)) as SeriesRow;
          touched.set(point.key, series);
        }
        const step = Math.trunc(point.step);
        const value = Number.isNaN(point.value) ? null : point.value;
        const at = i * POINT_COLUMNS;
        rows[at] = series.id;
        rows[at + 1] = series.count;
        rows[at + 2] = step;
        rows[at + 3] = Math.trunc(point.timestamp);
        rows[at + 4] = value;
        if (series.count === 0 || step >= series.last_step) {
          series.last = value;
          series.last_step = step;
          series.last_timestamp = Math.trunc(point.timestamp);
        }
        series.min = minOf(series.min, point.value);
        series.max = maxOf(series.max, point.value);
        series.count += 1;
      });
      this.insertPoints(rows);
      for (const s of touched.values()) saveSeries.run(s.last, s.last_step, s.last_timestamp, s.min, s.max, s.count, s.id);
    }).immediate();
  }

  // Many rows per INSERT: binding one statement per point costs about twice as much as the B-tree work itself.
  private insertPoints(rows: (number | null)[]): void {
    const sql = (count: number): string => `INSERT INTO metrics (series_id, seq, step, timestamp, value) VALUES ${Array(count).fill('(?, ?, ?, ?, ?)').join(', ')}`;
    const chunk = POINTS_PER_INSERT * POINT_COLUMNS;
    let offset = 0;
    for (const wide = this.stmt(sql(POINTS_PER_INSERT)); offset + chunk <= rows.length; offset += chunk) wide.run(rows.slice(offset, offset + chunk));
    const rest = rows.length - offset;
    if (rest > 0) this.stmt(sql(rest / POINT_COLUMNS)).run(rows.slice(offset));
  }

  metricSummaries(runId: string): MetricSummary[] {
    return (this.stmt('SELECT * FROM metric_series WHERE run_id = ? ORDER BY key').all(runId) as SeriesRow[]).map(toSummary);
  }

  /** Full history of one metric in logging order (use core/series to downsample before charting). */
  history(runId: string, key: string, page: { offset?: number; limit?: number } = {}): HistoryPoint[] {
    const limit = page.limit ?? -1;
    const rows = this.stmt(
      `SELECT m.step, m.timestamp, m.value FROM metrics m JOIN metric_series s ON s.id = m.series_id
       WHERE s.run_id = ? AND s.key = ? ORDER BY m.seq LIMIT ? OFFSET ?`,
    ).all(runId, key, limit, page.offset ?? 0) as { step: number; timestamp: number; value: number | null }[];
    return rows.map((row) => ({ step: row.step, timestamp: row.timestamp, value: fromSql(row.value) }));
  }

  // ---- artifacts ----

  /** Records a file of a run (its blob must already be in `objects`). Same path and direction: replaced. */
  addArtifact(artifact: Omit<Artifact, 'createdAt'> & { createdAt?: number }): void {
    this.stmt(
      'INSERT OR REPLACE INTO artifacts (run_id, path, direction, sha256, size, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(artifact.runId, artifact.path, artifact.direction, artifact.sha256, artifact.size, artifact.role, artifact.createdAt ?? Date.now());
    this.touch(artifact.runId);
  }

  artifacts(runId: string): Artifact[] {
    const rows = this.stmt('SELECT * FROM artifacts WHERE run_id = ? ORDER BY direction, path').all(runId) as {
      run_id: string;
      path: string;
      direction: ArtifactDirection;
      sha256: string;
      size: number;
      role: ArtifactRole;
      created_at: number;
    }[];
    return rows.map((row) => ({
      runId: row.run_id,
      path: row.path,
      sha256: row.sha256,
      size: row.size,
      role: row.role,
      direction: row.direction,
      createdAt: row.created_at,
    }));
  }

  /** Every blob some row still points at. */
  referencedBlobs(): Set<string> {
    const rows = this.stmt(`SELECT sha FROM (${BLOB_REFERENCES})`).all() as { sha: string }[];
    return new Set(rows.map((row) => row.sha));
  }

  /** Whether some row points at this blob now (gc asks again just before deleting). */
  isBlobReferenced(sha: string): boolean {
    return this.stmt(`SELECT 1 FROM (${BLOB_REFERENCES}) WHERE sha = ? LIMIT 1`).get(sha) !== undefined;
  }
}

// Every column that names a blob; gc keeps what any of them names.
const BLOB_REFERENCES = `SELECT sha256 AS sha FROM artifacts UNION SELECT git_patch_sha FROM runs WHERE git_patch_sha IS NOT NULL
  UNION SELECT console_sha FROM runs WHERE console_sha IS NOT NULL UNION SELECT sha256 FROM model_versions WHERE sha256 IS NOT NULL
  UNION SELECT sha256 FROM logged_model_artifacts`;

/** Sets an own property even for keys such as `__proto__`, which plain assignment would swallow. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function safeUserName(): string | null {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? null;
  }
}
