// The store's figures (issue 18's targets: insert in batches and a live run's one point per call, bytes per point, a 1,000,000-point
// chart series, the Compare snapshot of 100 runs x 100,000 points, `labbook ls --json`; and the history read), each
// beside a baseline measured in the same process, for each SQLite driver, side by side: better-sqlite3
// under the Node running the bench, and under Node 24 (scripts/setup-node24.sh) node:sqlite and better-sqlite3 built
// for it. Each configuration runs in its own process, since a process chooses its driver once.
// Alone: `node --import tsx scripts/bench/storeDrivers.ts --json` prints this process's figures as JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleColumns } from '../../src/core/series';
import type { MetricPoint } from '../../src/core/types';
import { CompareFeed } from '../../src/extension/panels/compareFeed';
import { RunPanelFeed } from '../../src/extension/panels/runPanelFeed';
import { readSeriesColumns } from '../../src/store/seriesReads';
import { openDatabase, sqliteDriver } from '../../src/store/sqlite';
import type { SqlDatabase } from '../../src/store/sqlite';
import { Store } from '../../src/store/store';
import { measureLiveRun } from './liveRun';
import { NODE24_BETTER_SQLITE3, NODE24_BIN } from './node24';
import { connectionOf } from '../../src/store/connection';

type Report = (name: string, value: number, unit: string, target: string) => void;

/** The figures one process measures with its driver. */
export interface StoreFigures {
  runtime: string;
  driver: string;
  insertPointsPerSecond: number;
  bareInsertPointsPerSecond: number;
  liveRunPointsPerSecond: number;
  liveWriterCallsPerSecond: number;
  singleInsertPointsPerSecond: number;
  bareSingleInsertPointsPerSecond: number;
  bytesPerPoint: number;
  rowBytesPerPoint: number;
  chartSeriesMs: number;
  runPanelSnapshotMs: number;
  rowScanMs: number;
  compareSnapshotMs: number;
  compareRowScanMs: number;
  historyReadMs: number;
  listJsonMs: number;
  listRunningJsonMs: number;
  nodeStartMs: number;
}

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const TSX = require.resolve('tsx');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'labbook-bench-'));
}

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Best of `repeats` timings of `action`, in ms. */
function best(repeats: number, action: () => void): number {
  let fastest = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    action();
    fastest = Math.min(fastest, elapsedMs(start));
  }
  return fastest;
}

const KEYS = ['loss', 'acc', 'val_loss', 'val_acc', 'lr'];

type InsertFigures = Pick<
  StoreFigures,
  | 'insertPointsPerSecond'
  | 'bareInsertPointsPerSecond'
  | 'singleInsertPointsPerSecond'
  | 'bareSingleInsertPointsPerSecond'
  | 'bytesPerPoint'
  | 'rowBytesPerPoint'
  | 'historyReadMs'
>;

/** The release's metrics table (schema 1-4: one row per point), for the figures of the layout before chunks. */
function rowTable(db: SqlDatabase): (points: readonly MetricPoint[]) => void {
  db.exec(
    'CREATE TABLE metrics (series_id INTEGER NOT NULL, seq INTEGER NOT NULL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL, value REAL, PRIMARY KEY (series_id, seq)) WITHOUT ROWID',
  );
  const insert = db.prepare('INSERT INTO metrics VALUES (?, ?, ?, ?, ?)');
  const seqs = new Map<string, number>();
  return (points) =>
    db.transaction(() => {
      for (const p of points) {
        const seq = seqs.get(p.key) ?? 0;
        seqs.set(p.key, seq + 1);
        insert.run(KEYS.indexOf(p.key), seq, p.step, p.timestamp, p.value);
      }
    })();
}

function fileBytes(db: SqlDatabase, file: string): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  return statSync(file).size;
}

function insertFigures(dir: string): InsertFigures {
  const store = Store.open(join(dir, '.labbook'));
  const run = store.createRun();
  const batch = 10_000;
  const now = Date.now();
  const points: MetricPoint[][] = Array.from({ length: 100 }, (_, b) =>
    Array.from({ length: batch }, (_, i) => ({
      key: KEYS[i % KEYS.length],
      value: Math.random(),
      step: b * batch + i,
      timestamp: now + b * batch + i,
    })),
  );
  const start = process.hrtime.bigint();
  for (const chunk of points) store.logMetrics(run.id, chunk);
  const insertPointsPerSecond = (batch * points.length) / (elapsedMs(start) / 1000);
  const bytesPerPoint = fileBytes(connectionOf(store), join(dir, '.labbook', 'labbook.db')) / (batch * points.length);
  // One key holds 200,000 of the million points: the history a chart or get-history reads.
  const historyReadMs = best(3, () => void store.history(run.id, 'loss'));
  const live = store.createRun().id;
  const singles = 20_000;
  const singleStart = process.hrtime.bigint();
  for (let i = 0; i < singles; i++) store.logMetrics(live, [{ key: 'loss', value: Math.random(), step: i, timestamp: now + i }]);
  const singleInsertPointsPerSecond = singles / (elapsedMs(singleStart) / 1000);
  store.close();

  // Baselines: the same rows into a bare table with no index, no summary, same pragmas; the release's row layout.
  const db = openDatabase(join(dir, 'baseline.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE m (series INTEGER, step INTEGER, ts INTEGER, value REAL)');
  const insert = db.prepare('INSERT INTO m VALUES (?, ?, ?, ?)');
  const baseStart = process.hrtime.bigint();
  for (const chunk of points) db.transaction(() => chunk.forEach((p, i) => insert.run(i % 5, p.step, p.timestamp, p.value)))();
  const bareInsertPointsPerSecond = (batch * points.length) / (elapsedMs(baseStart) / 1000);
  const bareSingleStart = process.hrtime.bigint();
  for (let i = 0; i < singles; i++) db.transaction(() => insert.run(9, i, now + i, Math.random()))();
  const bareSingleInsertPointsPerSecond = singles / (elapsedMs(bareSingleStart) / 1000);
  db.close();
  const rows = openDatabase(join(dir, 'rows.db'));
  rows.pragma('journal_mode = WAL');
  const insertRows = rowTable(rows);
  for (const chunk of points) insertRows(chunk);
  const rowBytesPerPoint = fileBytes(rows, join(dir, 'rows.db')) / (batch * points.length);
  rows.close();
  return {
    insertPointsPerSecond,
    bareInsertPointsPerSecond,
    singleInsertPointsPerSecond,
    bareSingleInsertPointsPerSecond,
    bytesPerPoint,
    rowBytesPerPoint,
    historyReadMs,
  };
}

const CHART_POINTS = 1_000_000;

/** A 1,000,000-point series read from the store and sampled to at most 2,000 chart points (min and max per bucket). */
function chartFigures(dir: string): Pick<StoreFigures, 'chartSeriesMs' | 'runPanelSnapshotMs' | 'rowScanMs'> {
  const store = Store.open(join(dir, 'chart', '.labbook'));
  const rows = openDatabase(join(dir, 'chart-rows.db'));
  rows.pragma('journal_mode = WAL');
  const insertRows = rowTable(rows);
  const run = store.createRun().id;
  for (let from = 0; from < CHART_POINTS; from += 10_000) {
    const points = Array.from({ length: 10_000 }, (_, i) => ({
      key: 'loss',
      step: from + i,
      timestamp: from + i,
      value: Math.sin((from + i) / 1e4),
    }));
    store.logMetrics(run, points);
    insertRows(points);
  }
  let sampled = 0;
  const chartSeriesMs = best(5, () => {
    const columns = readSeriesColumns(store, run, 'loss');
    sampled = sampleColumns(columns.steps, columns.values, 1000).rows.length;
  });
  if (sampled > 2000) throw new Error(`the chart series has ${sampled} points`);
  // What a user waits for: the Run panel's whole snapshot of that run (facts, console, the chart's sample).
  store.finishRun(run, 'FINISHED');
  const runPanelSnapshotMs = best(5, () => void new RunPanelFeed(run).snapshot(store));
  const scan = rows.prepare('SELECT sum(value) FROM metrics WHERE series_id = 0');
  const rowScanMs = best(5, () => void scan.get());
  store.close();
  rows.close();
  return { chartSeriesMs, runPanelSnapshotMs, rowScanMs };
}

const COMPARE_RUNS = 100;
const COMPARE_POINTS = 100_000;

/** The Compare panel's host snapshot (read, smooth, sample) of 100 runs x 100,000 points, read in this thread. */
async function compareFigures(dir: string): Promise<Pick<StoreFigures, 'compareSnapshotMs' | 'compareRowScanMs'>> {
  const store = Store.open(join(dir, 'compare', '.labbook'));
  const rows = openDatabase(join(dir, 'compare-rows.db'));
  rows.pragma('journal_mode = WAL');
  const insertRows = rowTable(rows);
  const ids: string[] = [];
  for (let r = 0; r < COMPARE_RUNS; r++) {
    const run = store.createRun({ name: `run-${r % 10}`, startTime: 0 });
    const points = Array.from({ length: COMPARE_POINTS }, (_, step) => ({
      key: 'loss',
      step,
      timestamp: step * 10,
      value: Math.exp(-step / 30_000) + r / 200 + Math.sin(step / 7) / 50,
    }));
    store.logMetrics(run.id, points);
    // The release's rows of 10 runs: its bare scan, times 10, is the floor the snapshot used to be held to.
    if (r < 10) insertRows(points);
    store.finishRun(run.id, 'FINISHED', { exitCode: 0, endTime: COMPARE_POINTS * 10 });
    ids.push(run.id);
  }
  const view = { axis: 'step', smoothing: 0.6 } as const;
  let compareSnapshotMs = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    await new CompareFeed(ids).snapshot(store, view);
    compareSnapshotMs = Math.min(compareSnapshotMs, elapsedMs(start));
  }
  const scan = rows.prepare('SELECT count(*) FROM metrics WHERE series_id = 0');
  const compareRowScanMs = 10 * best(3, () => void scan.get());
  store.close();
  rows.close();
  return { compareSnapshotMs, compareRowScanMs };
}

/** `ls --json` over 10,000 ended runs (their listings stored as text when they ended), then over the same runs running. */
function listFigures(dir: string): Pick<StoreFigures, 'listJsonMs' | 'listRunningJsonMs' | 'nodeStartMs'> {
  const storeDir = join(dir, 'list', '.labbook');
  const store = Store.open(storeDir);
  const keys = Array.from({ length: 20 }, (_, i) => `metric_${i}`);
  connectionOf(store).transaction(() => {
    for (let r = 0; r < 10_000; r++) {
      const run = store.createRun({ name: `run-${r}`, startTime: r });
      store.logParams(run.id, { lr: String(r / 1e4), model: r % 2 ? 'rf' : 'svm' });
      store.logMetrics(
        run.id,
        keys.map((key) => ({ key, value: Math.random(), step: 0, timestamp: r })),
      );
      store.finishRun(run.id, 'FINISHED', { endTime: r + 1000 });
    }
  })();
  store.close();
  // The child inherits LABBOOK_SQLITE_DRIVER and the binding, so it lists with this process's driver.
  const env = { ...process.env, LABBOOK_DIR: storeDir };
  const time = (args: string[]): number =>
    best(5, () => {
      const result = spawnSync(process.execPath, args, { env, maxBuffer: 256 * 1024 * 1024 });
      if (result.status !== 0) throw new Error(result.stderr.toString());
    });
  const listJsonMs = time([CLI, 'ls', '--json']);
  // Running again (as if each were still logging): their stored text is dropped and each listing is built from rows.
  const db = openDatabase(join(storeDir, 'labbook.db'));
  db.exec("UPDATE runs SET status = 'RUNNING', end_time = NULL");
  db.close();
  return { listJsonMs, listRunningJsonMs: time([CLI, 'ls', '--json']), nodeStartMs: time(['-e', '']) };
}

/** Measures this process's driver. */
export async function measureStore(): Promise<StoreFigures> {
  const dir = tempDir();
  try {
    return {
      runtime: `Node ${process.version}`,
      driver: sqliteDriver(),
      ...insertFigures(dir),
      ...(await measureLiveRun(dir)),
      ...chartFigures(dir),
      ...(await compareFigures(dir)),
      ...listFigures(dir),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Configuration {
  node: string;
  env: Record<string, string>;
}

function configurations(): Configuration[] {
  const here: Configuration = { node: process.execPath, env: { LABBOOK_SQLITE_DRIVER: 'better-sqlite3' } };
  if (!existsSync(NODE24_BIN)) return [here];
  return [
    here,
    { node: NODE24_BIN, env: { LABBOOK_SQLITE_DRIVER: 'node:sqlite' } },
    { node: NODE24_BIN, env: { LABBOOK_SQLITE_DRIVER: 'better-sqlite3', LABBOOK_BETTER_SQLITE3_BINDING: NODE24_BETTER_SQLITE3 } },
  ];
}

function measureIn(configuration: Configuration): StoreFigures {
  const result = spawnSync(configuration.node, ['--import', TSX, __filename, '--json'], {
    env: { ...process.env, ...configuration.env },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(`store bench under ${configuration.node} (${JSON.stringify(configuration.env)}) failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as StoreFigures;
}

/** Reports each driver's store figures, then prints them side by side. */
export function runStoreDriversBench(report: Report): void {
  const all = configurations().map(measureIn);
  for (const figures of all) {
    const who = `${figures.driver} on ${figures.runtime}`;
    report(`store [${who}]: metric points inserted (batches of 10,000, summaries kept)`, figures.insertPointsPerSecond, 'points/s', '>= 2,000,000');
    report(`  baseline [${who}]: bare INSERTs into an unindexed table`, figures.bareInsertPointsPerSecond, 'points/s', '');
    report(
      `store [${who}]: a live run logging one point per call (a journal line each, the runner ingesting)`,
      figures.liveRunPointsPerSecond,
      'points/s',
      '>= 300,000',
    );
    report(`  baseline [${who}]: the writer alone, one write(2) per point`, figures.liveWriterCallsPerSecond, 'calls/s', '');
    report(`store [${who}]: one point per store call, each its own commit (MLflow log-metric)`, figures.singleInsertPointsPerSecond, 'points/s', '');
    report(`  baseline [${who}]: bare INSERTs, one row per transaction`, figures.bareSingleInsertPointsPerSecond, 'points/s', '');
    report(`store [${who}]: bytes on disk per metric point (file / points)`, figures.bytesPerPoint, 'bytes', '<= 12');
    report(`  baseline [${who}]: the release's layout, one row per point`, figures.rowBytesPerPoint, 'bytes', '');
    report(`store [${who}]: 1,000,000-point history -> 2,000-point min/max chart series`, figures.chartSeriesMs, 'ms', '<= 30 ms');
    report(`  the Run panel's snapshot of that run [${who}]`, figures.runPanelSnapshotMs, 'ms', '');
    report(`  baseline [${who}]: SQLite alone summing the same points as rows (release layout)`, figures.rowScanMs, 'ms', '');
    report(
      `store [${who}]: compare snapshot of 100 runs x 100,000 points (read, smooth, sample; one thread)`,
      figures.compareSnapshotMs,
      'ms',
      '<= 300 ms',
    );
    report(`  baseline [${who}]: SQLite alone scanning the same points as rows (count(*), 10 runs x 10)`, figures.compareRowScanMs, 'ms', '');
    report(`store [${who}]: history of one key (200,000 points) read`, figures.historyReadMs, 'ms', '');
    report(`cli [${who}]: \`labbook ls --json\` over 10,000 ended runs x 20 metrics (whole process)`, figures.listJsonMs, 'ms', '<= 300 ms');
    report(`  the same runs still running (each listing built from its rows)`, figures.listRunningJsonMs, 'ms', '');
    report(`  baseline [${who}]: \`node -e ""\` process start`, figures.nodeStartMs, 'ms', '');
  }
  if (all.length === 1) process.stdout.write('  (Node 24 is not installed here: bash scripts/setup-node24.sh adds node:sqlite to this table)\n');
  process.stdout.write(`\n${sideBySide(all)}\n\n`);
}

function sideBySide(all: readonly StoreFigures[]): string {
  const round = (value: number): string => Math.round(value).toLocaleString('en-US');
  const rows: [string, (f: StoreFigures) => string][] = [
    ['insert, points/s', (f) => round(f.insertPointsPerSecond)],
    ['  bare INSERTs, points/s', (f) => round(f.bareInsertPointsPerSecond)],
    ['live run, one point per call, points/s', (f) => round(f.liveRunPointsPerSecond)],
    ['  the writer alone, calls/s', (f) => round(f.liveWriterCallsPerSecond)],
    ['one point per commit, points/s', (f) => round(f.singleInsertPointsPerSecond)],
    ['  bare INSERT per transaction, points/s', (f) => round(f.bareSingleInsertPointsPerSecond)],
    ['bytes per point', (f) => f.bytesPerPoint.toFixed(1)],
    ['  release row layout, bytes per point', (f) => f.rowBytesPerPoint.toFixed(1)],
    ['1M-point chart series, ms', (f) => f.chartSeriesMs.toFixed(1)],
    ['  Run panel snapshot of it, ms', (f) => f.runPanelSnapshotMs.toFixed(1)],
    ['  rows summed by SQLite, ms', (f) => f.rowScanMs.toFixed(1)],
    ['compare 100 x 100,000, ms', (f) => round(f.compareSnapshotMs)],
    ['  rows counted by SQLite, ms', (f) => round(f.compareRowScanMs)],
    ['history read (200,000 points), ms', (f) => f.historyReadMs.toFixed(1)],
    ['ls --json (10,000 ended runs), ms', (f) => round(f.listJsonMs)],
    ['  the same runs running, ms', (f) => round(f.listRunningJsonMs)],
    ['  node -e "", ms', (f) => round(f.nodeStartMs)],
  ];
  const headers = ['store figure', ...all.map((f) => `${f.driver} (${f.runtime})`)];
  const table = [headers, ...rows.map(([name, value]) => [name, ...all.map(value)])];
  const widths = headers.map((_, column) => Math.max(...table.map((row) => row[column].length)));
  return table
    .map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  '))
    .join('\n');
}

if (require.main === module && process.argv.includes('--json')) void measureStore().then((figures) => process.stdout.write(JSON.stringify(figures)));
