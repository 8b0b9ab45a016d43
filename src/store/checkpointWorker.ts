// A worker thread that checkpoints a store's WAL for a long-lived writer (checkpointer.ts). A checkpoint copies the
// committed pages into the database file and syncs both files; run by SQLite inside whichever commit crossed the
// WAL's limit, it cost a fifth of the server's time for an MLflow run's create, log and end. Here it runs beside
// the writer, on its own connection.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './sqlite';
import type { CheckpointWorkerData } from './checkpointer';

function run(port: NonNullable<typeof parentPort>, { file, intervalMs }: CheckpointWorkerData): void {
  const db = openDatabase(file);
  // The writer's own close checkpoints under an exclusive lock: wait for it rather than fail on SQLITE_BUSY.
  db.pragma('busy_timeout = 10000');
  let seen = -1;
  // data_version changes only when another connection commits: an idle store costs one pragma per tick.
  const timer = setInterval(() => {
    const version = db.pragma('data_version', { simple: true }) as number;
    if (version === seen) return;
    seen = version;
    db.pragma('wal_checkpoint(PASSIVE)');
  }, intervalMs);
  port.on('message', () => {
    clearInterval(timer);
    db.close();
    port.close();
  });
}

if (!parentPort) throw new Error('checkpointWorker.js runs only as a worker thread of a Labbook store.');
run(parentPort, workerData as CheckpointWorkerData);
