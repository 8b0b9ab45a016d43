// Checkpoints in a worker thread (checkpointWorker.ts) for the processes that serve MLflow clients: `labbook serve`
// and `labbook run`'s per-run server. Their own connection then checkpoints only past a far larger WAL (a backstop,
// if the worker falls behind), and goes back to SQLite's default when the worker fails.
import { Worker } from 'node:worker_threads';
import type { SqlDatabase } from './sqlite';

/** What the worker is given: the database file, and how often it looks for new commits. */
export interface CheckpointWorkerData {
  file: string;
  intervalMs: number;
}

/** SQLite's default auto-checkpoint, in WAL pages. */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** The writer's own auto-checkpoint while the worker runs (40 MB of 4 KiB pages). */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;
const INTERVAL_MS = 100;

/** A running checkpoint worker of one connection. */
export class BackgroundCheckpointer {
  private stopped = false;

  private constructor(
    private readonly db: SqlDatabase,
    private readonly worker: Worker,
  ) {}

  /** Starts checkpointing `file` (the database `db` writes) in a worker running `script` (the built checkpointWorker.js). */
  static start(db: SqlDatabase, file: string, script: string, log: (line: string) => void): BackgroundCheckpointer {
    const worker = new Worker(script, { workerData: { file, intervalMs: INTERVAL_MS } satisfies CheckpointWorkerData, execArgv: [] });
    const checkpointer = new BackgroundCheckpointer(db, worker);
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    worker.unref();
    worker.on('error', (error) => {
      log(`The background checkpoint stopped (${error.message}); this connection checkpoints itself again.`);
      checkpointer.restoreAutocheckpoint();
    });
    worker.on('exit', () => checkpointer.restoreAutocheckpoint());
    return checkpointer;
  }

  /**
   * Tells the worker to close its connection and end. Call after closing `db`: the last connection to close
   * checkpoints and removes the WAL, and two closing at once may each leave that to the other.
   */
  stop(): void {
    this.stopped = true;
    this.worker.postMessage('close');
  }

  private restoreAutocheckpoint(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  }
}
