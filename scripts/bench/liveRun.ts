// A live run logging one point per call, as Labbook records one: the script's `labbook.log_metric` appends one JSON
// line to the run's journal with one write(2) (acknowledged there: a SIGKILL of the script or the runner loses
// nothing, recovery ingests the journal), and the runner ingests what the journal holds into the store. Here a
// child process writes the lines as fast as one write per point allows while this process ingests them as the
// runner does; the figure is points from the child's first write to the last point stored.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ingestJournal } from '../../src/capture/ingest';
import { connectionOf } from '../../src/store/connection';
import { Store } from '../../src/store/store';

/** Points per second through the journal into the store, and the writer's own rate (its one write per call). */
export interface LiveRunFigures {
  liveRunPointsPerSecond: number;
  liveWriterCallsPerSecond: number;
}

const POINTS = 200_000;

// The line labbook.log_metric writes (Python's json.dumps spacing), one write per point, no batching.
const WRITER = `
const { openSync, writeSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
const [journal, count] = [process.argv[1], Number(process.argv[2])];
const fd = openSync(journal, 'a');
const start = performance.timeOrigin + performance.now();
for (let step = 0; step < count; step++) {
  writeSync(fd, '{"t": "metric", "key": "loss", "value": ' + Math.random() + ', "step": ' + step + ', "ts": ' + Date.now() + '}\\n');
}
process.stdout.write(JSON.stringify({ start, end: performance.timeOrigin + performance.now() }));
`;

/** Runs the writer and the ingest side by side on a fresh store in `dir`. */
export async function measureLiveRun(dir: string): Promise<LiveRunFigures> {
  const store = Store.open(join(dir, 'live', '.labbook'));
  const run = store.createRun({ name: 'live' });
  const journalPath = join(dir, 'live', 'journal.jsonl');
  store.setRunnerInfo(run.id, { pid: process.pid, journalPath, consolePath: join(dir, 'live', 'console.log') });
  const writer = spawn(process.execPath, ['-e', WRITER, journalPath, String(POINTS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let report = '';
  writer.stdout.on('data', (text: Buffer) => (report += text.toString()));
  const exited = new Promise((resolve) => writer.on('close', resolve));
  const count = connectionOf(store).prepare('SELECT COALESCE(SUM(count), 0) FROM metric_series WHERE run_id = ?').pluck();
  const context = { cwd: dir, modelExtensions: [], maxFileBytes: 0 };
  while ((count.get(run.id) as number) < POINTS) {
    await ingestJournal(store, run.id, context);
    await new Promise(setImmediate); // let the child's output events in
  }
  const stored = performance.timeOrigin + performance.now();
  await exited;
  store.close();
  const { start, end } = JSON.parse(report) as { start: number; end: number };
  return { liveRunPointsPerSecond: POINTS / ((stored - start) / 1000), liveWriterCallsPerSecond: POINTS / ((end - start) / 1000) };
}
