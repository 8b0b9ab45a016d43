import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { RunStatus } from '../core/types';
import { HEARTBEAT_STALE_MS, type Store } from '../store/store';
import { artifactName, storeArtifact } from './artifacts';
import type { LabbookConfig } from './config';
import { ingestJournal, type IngestContext } from './ingest';
import { JOURNAL_ENV, type JournalRecord } from './journal';
import { MetricCollector, scalarParserFor } from './outputCapture';
import { isProcessAlive, processRef, storeConsoleLog } from './recovery';

/** Tag marking a run that records a notebook kernel session; its value is the notebook's path (or `true`). */
export const NOTEBOOK_TAG = 'labbook.notebook';
/** Tag holding the executed cells in order: a JSON array of `{ n, sha }` (execution count, source sha256). */
export const NOTEBOOK_CELLS_TAG = 'labbook.notebook.cells';
/** The kernel's variable naming the notebook file, whose content it snapshots as cells run. */
const NOTEBOOK_ENV = 'LABBOOK_NOTEBOOK';
/** The artifact with every executed cell's source, in execution order. */
export const NOTEBOOK_CELLS_FILE = 'notebook-cells.json';

/** What a notebook session needs: the store, where it runs, and how to reach the run's tracking server. */
export interface NotebookSessionOptions {
  store: Store;
  cwd: string;
  config: LabbookConfig;
  experiment?: string;
  name?: string;
  /** The .ipynb file, recorded as the run's source file. */
  notebook?: string;
  /** Environment for mlflow clients in the kernel (the run's tracking server). */
  serverEnv: (runId: string) => Promise<Record<string, string>>;
  /** The run exists: `settings` is what `labbook.notebook.track(settings)` needs in the kernel. */
  onReady: (runId: string, settings: Record<string, string>) => void;
  /** Resolves when tracking should stop (Stop Tracking): the run ends FINISHED. */
  stopped: Promise<void>;
  flushIntervalMs?: number;
}

/** How a notebook session ended. */
export interface NotebookSessionResult {
  runId: string;
  status: RunStatus;
  warnings: string[];
}

interface ExecutedCell {
  n: number | null;
  sha: string;
  source: string;
  ok: boolean;
  /** The sha256 of the notebook file as saved when the cell ran (its content is a `notebook-snapshots/` artifact). */
  notebook?: string;
}

/**
 * Records a Jupyter kernel session as a run: the kernel journals (python/labbook/notebook.py) its printed text,
 * executed cells and `labbook` calls; this side ingests them live, parses the printed lines with the runner's
 * metric rules, and ends the run FINISHED on the kernel's `end` record or `stopped`, CRASHED when the kernel dies.
 */
export async function trackNotebookSession(options: NotebookSessionOptions): Promise<NotebookSessionResult> {
  const { store, config, cwd } = options;
  // Named as a script is: relative to the run's folder when inside it (the editor passes an absolute path).
  const notebook = options.notebook === undefined ? undefined : artifactName(cwd, options.notebook);
  const run = store.createRun({
    experimentName: options.experiment ?? config.experiment ?? 'Default',
    name: options.name,
    argv: ['jupyter', 'kernel', ...(notebook ? [notebook] : [])],
    cwd,
    sourceFile: notebook ?? null,
  });
  store.setTags(run.id, { [NOTEBOOK_TAG]: notebook ?? 'true' });
  const runDir = store.runDir(run.id);
  mkdirSync(runDir, { recursive: true });
  const journalPath = join(runDir, 'journal.jsonl');
  const consolePath = join(runDir, 'console.log');
  writeFileSync(consolePath, '');
  store.setRunnerInfo(run.id, { ...processRef(process.pid), journalPath, consolePath });
  const settings = {
    [JOURNAL_ENV]: journalPath,
    LABBOOK_RUN_ID: run.id,
    MLFLOW_RUN_ID: run.id,
    ...(options.notebook ? { [NOTEBOOK_ENV]: isAbsolute(options.notebook) ? options.notebook : join(cwd, options.notebook) } : {}),
    ...(await options.serverEnv(run.id)),
  };

  const session = new SessionRecords(store, run.id, consolePath, scalarParserFor(config.metrics));
  const context: IngestContext = {
    cwd,
    modelExtensions: config.artifacts.modelExtensions,
    maxFileBytes: config.artifacts.maxFileBytes,
    onRecords: (records) => session.take(records),
  };
  options.onReady(run.id, settings);
  const status = await superviseSession(options, run.id, context, session);
  const warnings = [...session.warnings, ...(await ingestJournal(store, run.id, context, true))];
  warnings.push(...(await session.storeSnapshots(runDir, config.artifacts.maxFileBytes)));
  writeFileSync(join(runDir, NOTEBOOK_CELLS_FILE), JSON.stringify(session.cells, null, 1));
  const problem = await storeArtifact(store, run.id, runDir, NOTEBOOK_CELLS_FILE, 'log', 'output', config.artifacts.maxFileBytes);
  if (problem) warnings.push(`cells: ${problem}`);
  store.finishRun(run.id, status, { exitCode: null, consoleSha: storeConsoleLog(store, run.id, consolePath), reclaim: true });
  rmSync(runDir, { recursive: true, force: true });
  return { runId: run.id, status, warnings };
}

/** Ingests until the kernel ends the session, tracking is stopped, or the kernel process is gone. */
async function superviseSession(options: NotebookSessionOptions, runId: string, context: IngestContext, session: SessionRecords): Promise<RunStatus> {
  const { store } = options;
  let stopped = false;
  void options.stopped.then(() => (stopped = true));
  let lastBeat = 0;
  for (;;) {
    session.warnings.push(...(await ingestJournal(store, runId, context)));
    session.warnings.push(...(await session.storeSnapshots(store.runDir(runId), context.maxFileBytes)));
    if (session.ended || stopped) return 'FINISHED';
    if (session.kernelPid !== undefined && !isProcessAlive(session.kernelPid)) {
      session.warnings.push(...(await ingestJournal(store, runId, context, true)));
      return session.ended ? 'FINISHED' : 'CRASHED';
    }
    if (Date.now() - lastBeat > HEARTBEAT_STALE_MS / 4) {
      store.heartbeat(runId);
      lastBeat = Date.now();
    }
    await Promise.race([options.stopped, new Promise((resolve) => setTimeout(resolve, options.flushIntervalMs ?? 250))]);
  }
}

/** The notebook-only records of a session: printed text (parsed for metrics, kept as the console), cells, the kernel. */
class SessionRecords {
  readonly cells: ExecutedCell[] = [];
  readonly warnings: string[] = [];
  /** Notebook copies the kernel made that are not in the store yet. */
  private snapshots: string[] = [];
  kernelPid: number | undefined;
  ended = false;
  private readonly collector: MetricCollector;

  constructor(
    private readonly store: Store,
    private readonly runId: string,
    private readonly consolePath: string,
    parser: ReturnType<typeof scalarParserFor>,
  ) {
    this.collector = new MetricCollector(parser);
  }

  /** Called inside the ingest transaction with each batch of records. */
  take(records: readonly JournalRecord[]): void {
    let cellsChanged = false;
    for (const record of records) {
      if (record.t === 'output') this.printed(record.text, record.ts);
      else if (record.t === 'cell') {
        this.cell(record);
        cellsChanged = true;
      } else if (record.t === 'kernel') this.kernel(record.pid);
      else if (record.t === 'end') this.ended = true;
    }
    this.store.logMetrics(this.runId, this.collector.take());
    if (cellsChanged)
      this.store.setTags(this.runId, { [NOTEBOOK_CELLS_TAG]: JSON.stringify(this.cells.map(({ n, sha, notebook }) => ({ n, sha, notebook }))) });
  }

  /** Stores the notebook copies taken since the last call, as `notebook-snapshots/<count>-<name>` artifacts. */
  async storeSnapshots(runDir: string, maxBytes: number): Promise<string[]> {
    const taken = this.snapshots;
    this.snapshots = [];
    const problems = await Promise.all(taken.map((path) => storeArtifact(this.store, this.runId, runDir, path, 'log', 'output', maxBytes)));
    return problems.filter((problem) => problem !== undefined).map((problem) => `notebook snapshot: ${problem}`);
  }

  private cell(record: Extract<JournalRecord, { t: 'cell' }>): void {
    const { n, sha, source, ok, notebook, snapshot } = record;
    this.cells.push({ n, sha, source, ok, ...(notebook ? { notebook } : {}) });
    if (snapshot) this.snapshots.push(snapshot);
  }

  private printed(text: string, ts: number): void {
    appendFileSync(this.consolePath, text);
    for (const line of text.split('\n')) if (line) this.collector.line(line, ts);
  }

  private kernel(pid: number): void {
    this.kernelPid = pid;
    this.store.setChildProcess(this.runId, processRef(pid));
  }
}
