import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Artifact, Experiment, GitFacts, HistoryPoint, MetricPoint, MetricSummary, Run, RunDetail, RunListing, RunStatus } from '../core/types';
import * as artifacts from './artifacts';
import { BackgroundCheckpointer } from './checkpointer';
import { bindConnection } from './connection';
import { experimentById, experimentByName, listExperiments } from './experiments';
import { checkStoreFile } from './integrity';
import * as metrics from './metrics';
import { ObjectStore } from './objects';
import * as paramsTags from './paramsTags';
import * as runListing from './runListing';
import type { ListRunsOptions } from './runListing';
import * as runs from './runs';
import { storeRunSummary } from './runSummaries';
import type { NewRun, OrphanedRun, ProcessRef, RunnerInfo } from './runs';
import { openDatabase } from './sqlite';
import type { SqlDatabase } from './sqlite';
import { applyMigration, CHUNKS_VERSION, MIGRATIONS, ROWID_CHUNKS_VERSION, SCHEMA_VERSION } from './schema';
import type { MigrationProgress } from './schema';
import { purgeExpiredTrash } from './trash';

// Where callers have always imported them from; they live with their entity modules.
export { NotFoundError, ParamConflictError, ReadOnlyRunError, StoreTooNewError } from './errors';
import { StoreTooNewError } from './errors';
export { HEARTBEAT_STALE_MS, newRunId } from './runs';
import { HEARTBEAT_STALE_MS } from './runs';
export type { NewRun, OrphanedRun, ProcessRef, RunnerInfo } from './runs';
export type { ListRunsOptions } from './runListing';

/** Name of the workspace store folder. */
export const STORE_DIR_NAME = '.labbook';

/** Finds the `.labbook` folder for a workspace: LABBOOK_DIR wins, else `<workspace>/.labbook`. */
export function storeDirFor(workspace: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.LABBOOK_DIR ? resolve(env.LABBOOK_DIR) : join(resolve(workspace), STORE_DIR_NAME);
}

/**
 * The workspace run store: one SQLite database in WAL mode plus content-addressed blobs. A thin facade: each
 * entity's SQL lives in its own module (experiments, runs, runListing, paramsTags, metrics, artifacts).
 */
export class Store {
  readonly objects: ObjectStore;
  private checkpointer: BackgroundCheckpointer | undefined;

  private constructor(
    readonly dir: string,
    private readonly db: SqlDatabase,
  ) {
    this.objects = new ObjectStore(join(dir, 'objects'));
    bindConnection(this, db);
  }

  /** Opens (creating and migrating when needed) the store in `dir`, a `.labbook` folder; a damaged file is refused first. */
  static open(dir: string, options: { readonly?: boolean; onMigration?: MigrationProgress } = {}): Store {
    checkStoreFile(join(dir, 'labbook.db'));
    if (options.readonly) {
      const db = openDatabase(join(dir, 'labbook.db'), { readonly: true });
      Store.tune(db);
      return new Store(dir, db);
    }
    Store.prepareFolder(dir);
    const db = openDatabase(join(dir, 'labbook.db'));
    Store.tune(db);
    Store.refuseNewer(db, dir);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Savepoint and statement journals in memory: on disk each nested transaction created, wrote and unlinked a temp
    // file, a fifth of a small write's cost (the store never VACUUMs, which would copy the database into memory).
    db.pragma('temp_store = MEMORY');
    db.pragma('foreign_keys = ON');
    const store = new Store(dir, db);
    store.migrate(options.onMigration);
    purgeExpiredTrash(store);
    return store;
  }

  /**
   * How many metric points opening the store in `dir` would move into chunks, or into the rowid chunk table (0 when no such migration is
   * pending, or there is no store yet), so a caller can say a long upgrade is coming before it blocks.
   */
  static pendingChunkMigration(dir: string): number {
    const file = join(dir, 'labbook.db');
    if (!existsSync(file)) return 0;
    checkStoreFile(file);
    const db = openDatabase(file, { readonly: true });
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === 0 || version >= ROWID_CHUNKS_VERSION) return 0;
      const table = version < CHUNKS_VERSION ? 'SELECT count(*) FROM metrics' : 'SELECT COALESCE(sum(count), 0) FROM metric_chunks';
      return db.prepare(table).pluck().get() as number;
    } finally {
      db.close();
    }
  }

  /** The folder for a live run's console log and journal. */
  runDir(runId: string): string {
    return join(this.dir, 'runs', runId);
  }

  /**
   * Checkpoints the WAL in a worker thread running `script` (the built checkpointWorker.js), for a process that
   * writes for a long time: each commit is then spared the checkpoint's copy and syncs. Stopped by close().
   */
  checkpointInBackground(script: string, log: (line: string) => void): void {
    this.checkpointer ??= BackgroundCheckpointer.start(this.db, join(this.dir, 'labbook.db'), script, log);
  }

  /** Closes the connection (and stops its checkpoint worker). */
  close(): void {
    this.db.close();
    this.checkpointer?.stop();
  }

  /** Runs `fn` in an IMMEDIATE transaction (a savepoint inside another); it commits when `fn` returns, rolls back when it throws. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Runs `fn` in a transaction that may write runs pulled from a remote (sync's pull and adopt; every other writer is refused). */
  asImport<T>(fn: () => T): T {
    return runs.asImport(this.db, fn);
  }

  /** The remote URL a pulled run came from; undefined for this store's own (or adopted) runs. */
  originOf(runId: string): string | undefined {
    return runs.originOf(this.db, runId);
  }

  /** Changes whenever another connection commits; polling it is the cheapest change signal. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  // Memory-mapped reads: a chart's chunks are read where the OS cache holds them, with no copy through SQLite's
  // page cache (a 1,000,000-point series: 55 ms -> 10 ms). The map is address space, not memory, shared by every
  // process that has the store open.
  private static tune(db: SqlDatabase): void {
    db.pragma('busy_timeout = 10000');
    db.pragma(`mmap_size = ${256 * 1024 * 1024}`);
  }

  private static prepareFolder(dir: string): void {
    mkdirSync(join(dir, 'objects'), { recursive: true });
    mkdirSync(join(dir, 'runs'), { recursive: true });
    const ignore = join(dir, '.gitignore');
    if (!existsSync(ignore)) writeFileSync(ignore, '# Written by Labbook: the run store stays out of git.\n*\n');
  }

  // Before anything writes (even switching to WAL rewrites the header): a newer store is left byte for byte.
  private static refuseNewer(db: SqlDatabase, dir: string): void {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version <= SCHEMA_VERSION) return;
    db.close();
    throw new StoreTooNewError(
      `This store (${dir}) has schema ${version}, newer than this Labbook understands (${SCHEMA_VERSION}): a newer Labbook wrote it. Update Labbook to open it; the store was left as it is.`,
    );
  }

  private migrate(progress: MigrationProgress = () => undefined): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    // IMMEDIATE so two processes opening a new store at once do not both migrate.
    this.db
      .transaction(() => {
        const current = this.db.pragma('user_version', { simple: true }) as number;
        for (let v = current; v < SCHEMA_VERSION; v++) applyMigration(this.db, MIGRATIONS[v], progress);
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })
      .immediate();
  }

  // ---- experiments ----

  /** The experiment of that name, created when missing. */
  experimentByName(name: string, create = true): Experiment | undefined {
    return experimentByName(this.db, name, create);
  }

  /** The experiment with that id. */
  experimentById(id: number): Experiment | undefined {
    return experimentById(this.db, id);
  }

  /** Every experiment, by id. */
  listExperiments(): Experiment[] {
    return listExperiments(this.db);
  }

  // ---- runs ----

  /** Creates a run and returns it. The default name is `<script>-<n>` within its experiment. */
  createRun(spec: NewRun = {}): Run {
    return runs.createRun(this.db, spec);
  }

  /** Records the git facts of a run (known only after the run row exists, for speed of start). */
  setGitFacts(runId: string, git: GitFacts): void {
    runs.setGitFacts(this.db, runId, git);
  }

  /** Records which process owns a live run and where its journal and console log are. */
  setRunnerInfo(runId: string, info: RunnerInfo): void {
    runs.setRunnerInfo(this.db, runId, info);
  }

  /** Records the tracked script's process, so recovery leaves the run alone while the script still runs. */
  setChildProcess(runId: string, child: ProcessRef): void {
    runs.setChildProcess(this.db, runId, child);
  }

  /** Stamps the run's heartbeat: its runner is alive. */
  heartbeat(runId: string): void {
    runs.heartbeat(this.db, runId);
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
    return this.db
      .transaction(() => {
        const ended = runs.finishRun(this.db, runId, status, options);
        if (ended) storeRunSummary(this.db, runId);
        return ended;
      })
      .immediate();
  }

  /** Sets status without ending (MLflow clients set RUNNING again on resume). */
  setStatus(runId: string, status: RunStatus): void {
    runs.setStatus(this.db, runId, status);
  }

  /** Renames a run. */
  rename(runId: string, name: string): void {
    runs.rename(this.db, runId, name);
  }

  /** Stars or unstars a run. */
  setStarred(runId: string, starred: boolean): void {
    runs.setStarred(this.db, runId, starred);
  }

  /** Saves how far the journal has been ingested, so recovery never ingests a line twice. */
  setJournalOffset(runId: string, offset: number): void {
    runs.setJournalOffset(this.db, runId, offset);
  }

  /** Deletes runs and everything they own; blobs are freed by gc. */
  deleteRuns(runIds: string[]): number {
    return runs.deleteRuns(this.db, runIds);
  }

  /** The run with that id; NotFoundError when there is none. */
  getRun(runId: string): Run {
    return runs.getRun(this.db, runId);
  }

  /** The run with that id, or undefined. */
  findRun(runId: string): Run | undefined {
    return runs.findRun(this.db, runId);
  }

  /** Live runs on this host whose runner is gone (no such process) or silent (heartbeat older than `staleMs`). */
  orphanedRuns(isAlive: (process: ProcessRef) => boolean, staleMs = HEARTBEAT_STALE_MS): OrphanedRun[] {
    return runs.orphanedRuns(this.db, isAlive, staleMs);
  }

  /** Journal path and offset of a run, for ingesting what is left. */
  journalState(runId: string): { journalPath: string | null; journalOffset: number } {
    return runs.journalState(this.db, runId);
  }

  /** Pid of the runner process that owns a live run (null once it ended). */
  runnerPid(runId: string): number | null {
    return runs.runnerPid(this.db, runId);
  }

  /** How far a run's console log has been parsed into stored points (bytes from its start). */
  consoleOffset(runId: string): number {
    return runs.consoleOffset(this.db, runId);
  }

  /** Saves how far the console log has been parsed; call it in the transaction that stores those points. */
  setConsoleOffset(runId: string, offset: number): void {
    runs.setConsoleOffset(this.db, runId, offset);
  }

  /** Path of the live console log of a run, while it is being written. */
  consolePath(runId: string): string | null {
    return runs.consolePath(this.db, runId);
  }

  // ---- run listings ----

  /** Runs matching an MLflow filter, newest first unless ordered otherwise. */
  listRuns(options: ListRunsOptions = {}): RunListing[] {
    return runListing.listRuns(this.db, options);
  }

  /** Visits the JSON text (UTF-8) of each run listRuns lists, in its order (an ended run's text is stored, not built). */
  visitListingTexts(options: ListRunsOptions, visit: (text: Uint8Array) => void): void {
    runListing.visitListingTexts(this.db, options, visit);
  }

  /** Ids of the runs matching an MLflow filter, newest first (no details read: cheap for whole tables). */
  runIds(options: Pick<ListRunsOptions, 'experimentIds' | 'filter' | 'lifecycles'> = {}): string[] {
    return runListing.runIds(this.db, options);
  }

  /** Counts runs matching the same options as listRuns. */
  countRuns(options: ListRunsOptions = {}): number {
    return runListing.countRuns(this.db, options);
  }

  // ---- params and tags ----

  /** Logs params; re-logging the same value is fine, a different value throws ParamConflictError unless the old one was inferred. */
  logParams(runId: string, params: Record<string, string>, options: paramsTags.LogParamsOptions = {}): void {
    paramsTags.logParams(this.db, runId, params, options);
  }

  /** A run's params by key. */
  params(runId: string): Record<string, string> {
    return paramsTags.params(this.db, runId);
  }

  /** Sets tags (replacing same-key values) and moves the run's updated_at, in one transaction. */
  setTags(runId: string, tags: Record<string, string>): void {
    paramsTags.setTags(this.db, runId, tags);
  }

  /** Deletes one tag; false when the run had no such tag. A deletion moves updated_at, as setTags does. */
  deleteTag(runId: string, key: string): boolean {
    return paramsTags.deleteTag(this.db, runId, key);
  }

  /** A run's tags by key. */
  tags(runId: string): Record<string, string> {
    return paramsTags.tags(this.db, runId);
  }

  // ---- metrics ----

  /**
   * Appends metric points in one transaction and keeps each key's summary current in the same transaction.
   * "last" follows the highest step (ties: the latest write), as MLflow's latest metric does.
   */
  logMetrics(runId: string, points: readonly MetricPoint[]): void {
    metrics.logMetrics(this.db, runId, points);
  }

  /** Replaces one key's whole history in one transaction (`points` are all of its points, keys ignored). */
  replaceHistory(runId: string, key: string, points: readonly Omit<MetricPoint, 'key'>[]): void {
    metrics.replaceHistory(
      this.db,
      runId,
      key,
      points.map((p) => ({ ...p, key })),
    );
  }

  /** A run's metric summaries (last, min, max, count per key), by key. */
  metricSummaries(runId: string): MetricSummary[] {
    return metrics.metricSummaries(this.db, runId);
  }

  /** Full history of one metric in logging order (use core/series to downsample before charting). */
  history(runId: string, key: string, page: { offset?: number; limit?: number } = {}): HistoryPoint[] {
    return metrics.history(this.db, runId, key, page);
  }

  // ---- artifacts ----

  /** Records a file of a run (its blob must already be in `objects`). Same path and direction: replaced. */
  addArtifact(artifact: Omit<Artifact, 'createdAt'> & { createdAt?: number }): void {
    artifacts.addArtifact(this.db, artifact);
  }

  /** The sha256 of a file hashed before at this size and modification time. */
  knownFileHash(path: string, size: number, mtimeMs: number): string | undefined {
    return artifacts.knownFileHash(this.db, path, size, mtimeMs);
  }

  /** Remembers a file's sha256 at this size and modification time. */
  rememberFileHash(path: string, size: number, mtimeMs: number, sha256: string): void {
    artifacts.rememberFileHash(this.db, path, size, mtimeMs, sha256);
  }

  /** A run's artifacts, by direction then path. */
  artifacts(runId: string): Artifact[] {
    return artifacts.artifacts(this.db, runId);
  }

  /** Every blob some row still points at. */
  referencedBlobs(): Set<string> {
    return artifacts.referencedBlobs(this.db);
  }

  /** Whether some row points at this blob now (gc asks again just before deleting). */
  isBlobReferenced(sha: string): boolean {
    return artifacts.isBlobReferenced(this.db, sha);
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
}
