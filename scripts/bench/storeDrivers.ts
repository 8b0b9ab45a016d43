// The store's figures (insert, history read, `labbook ls --json`) for each SQLite driver, side by side: better-sqlite3
// under the Node running the bench, and under Node 24 (scripts/setup-node24.sh) node:sqlite and better-sqlite3 built
// for it. Each configuration runs in its own process, since a process chooses its driver once.
// Alone: `node --import tsx scripts/bench/storeDrivers.ts --json` prints this process's figures as JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricPoint } from '../../src/core/types';
import { openDatabase, sqliteDriver } from '../../src/store/sqlite';
import { Store } from '../../src/store/store';
import { NODE24_BETTER_SQLITE3, NODE24_BIN } from './node24';
import { connectionOf } from '../../src/store/connection';

type Report = (name: string, value: number, unit: string, target: string) => void;

/** The figures one process measures with its driver. */
export interface StoreFigures {
  runtime: string;
  driver: string;
  insertPointsPerSecond: number;
  bareInsertPointsPerSecond: number;
  historyReadMs: number;
  listJsonMs: number;
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

function insertFigures(dir: string): Pick<StoreFigures, 'insertPointsPerSecond' | 'bareInsertPointsPerSecond' | 'historyReadMs'> {
  const store = Store.open(join(dir, '.labbook'));
  const run = store.createRun();
  const batch = 10_000;
  const points: MetricPoint[][] = Array.from({ length: 100 }, (_, b) =>
    Array.from({ length: batch }, (_, i) => ({ key: KEYS[i % KEYS.length], value: Math.random(), step: b * batch + i, timestamp: Date.now() })),
  );
  const start = process.hrtime.bigint();
  for (const chunk of points) store.logMetrics(run.id, chunk);
  const insertPointsPerSecond = (batch * points.length) / (elapsedMs(start) / 1000);
  // One key holds 200,000 of the million points: the history a chart or get-history reads.
  const historyReadMs = best(3, () => void store.history(run.id, 'loss'));
  store.close();

  // Baseline: the same rows into a bare table with no index, no summary, same pragmas.
  const db = openDatabase(join(dir, 'baseline.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE m (series INTEGER, step INTEGER, ts INTEGER, value REAL)');
  const insert = db.prepare('INSERT INTO m VALUES (?, ?, ?, ?)');
  const baseStart = process.hrtime.bigint();
  for (const chunk of points) db.transaction(() => chunk.forEach((p, i) => insert.run(i % 5, p.step, p.timestamp, p.value)))();
  const bareInsertPointsPerSecond = (batch * points.length) / (elapsedMs(baseStart) / 1000);
  db.close();
  return { insertPointsPerSecond, bareInsertPointsPerSecond, historyReadMs };
}

function listFigures(dir: string): Pick<StoreFigures, 'listJsonMs' | 'nodeStartMs'> {
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
  return { listJsonMs: time([CLI, 'ls', '--json']), nodeStartMs: time(['-e', '']) };
}

/** Measures this process's driver. */
export function measureStore(): StoreFigures {
  const dir = tempDir();
  try {
    return { runtime: `Node ${process.version}`, driver: sqliteDriver(), ...insertFigures(dir), ...listFigures(dir) };
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
    report(`store [${who}]: metric points inserted (batches of 10,000, summaries kept)`, figures.insertPointsPerSecond, 'points/s', '>= 1,000,000');
    report(`  baseline [${who}]: bare INSERTs into an unindexed table`, figures.bareInsertPointsPerSecond, 'points/s', '');
    report(`store [${who}]: history of one key (200,000 points) read`, figures.historyReadMs, 'ms', '');
    report(`cli [${who}]: \`labbook ls --json\` over 10,000 runs x 20 metrics (whole process)`, figures.listJsonMs, 'ms', '<= 300 ms');
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
    ['history read (200,000 points), ms', (f) => f.historyReadMs.toFixed(1)],
    ['ls --json (10,000 runs), ms', (f) => round(f.listJsonMs)],
    ['  node -e "", ms', (f) => round(f.nodeStartMs)],
  ];
  const headers = ['store figure', ...all.map((f) => `${f.driver} (${f.runtime})`)];
  const table = [headers, ...rows.map(([name, value]) => [name, ...all.map(value)])];
  const widths = headers.map((_, column) => Math.max(...table.map((row) => row[column].length)));
  return table
    .map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  '))
    .join('\n');
}

if (require.main === module && process.argv.includes('--json')) process.stdout.write(JSON.stringify(measureStore()));
