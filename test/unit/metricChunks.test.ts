// Metric series in chunks (docs/architecture.md, "Metric history"): whatever mix of single points and batches
// writes a series, every read (history and its pages, typed columns, value at a step, de-duplication, summaries)
// answers as the plain list of logged points would; chunk encodings keep every value exact; migration 8 moves
// old rows into chunks losing nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { downsampleMinMax } from '../../src/core/series';
import type { HistoryPoint, MetricPoint } from '../../src/core/types';
import { decodeChunk, encodeChunk } from '../../src/store/chunkCodec';
import { connectionOf } from '../../src/store/connection';
import { CHUNK_POINTS } from '../../src/store/metrics';
import { SCHEMA_VERSION } from '../../src/store/schema';
import { readSeriesColumns, sampledHistory, SCRATCH_POINTS, SeriesScratch, valueAtStepOf } from '../../src/store/seriesReads';
import { Store } from '../../src/store/store';
import { logMetricsOnce } from '../../src/store/tracking';
import { migrationReporter } from '../../src/cli/workspace';
import { makeSchema4Store } from '../fixtures/stores/schema4';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function storeDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'labbook-chunks-')), '.labbook');
  dirs.push(dir);
  return dir;
}

/** Deterministic pseudo-random numbers (a failing case must be the same on the next run). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const SPECIAL = [Number.NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MIN_VALUE, 0];

/** A history with repeated steps, steps going back, clock jumps and special values. */
function awkwardPoints(count: number, seed: number): HistoryPoint[] {
  const next = random(seed);
  let step = 0;
  let time = 1_700_000_000_000;
  return Array.from({ length: count }, (_, i) => {
    const r = next();
    if (r < 0.8) step += 1;
    else if (r < 0.9) step -= Math.floor(next() * 50);
    time += r < 0.95 ? Math.floor(next() * 100) : -Math.floor(next() * 1e6);
    const value = i % 37 === 0 ? SPECIAL[i % SPECIAL.length] : next() * 10 - 5;
    return { step, timestamp: time, value };
  });
}

/** The rule valueAtStepOf follows, written plainly: the last point at the greatest step <= `step`. */
function valueAtStep(points: readonly HistoryPoint[], step: number): number | undefined {
  let best: HistoryPoint | undefined;
  for (const point of points) if (point.step <= step && (best === undefined || point.step >= best.step)) best = point;
  return best?.value;
}

/** Logs `points` under `key` in calls of the given sizes, cycling through them. */
function logInCalls(store: Store, runId: string, key: string, points: readonly HistoryPoint[], sizes: readonly number[]): void {
  for (let at = 0, call = 0; at < points.length; call++) {
    const size = sizes[call % sizes.length];
    store.logMetrics(
      runId,
      points.slice(at, at + size).map((p) => ({ key, ...p })),
    );
    at += size;
  }
}

/** Each key's stored history is exactly the points logged: values, steps and timestamps. */
function sameHistories(store: Store, runId: string, logged: Record<string, HistoryPoint[]>): void {
  for (const [key, points] of Object.entries(logged)) {
    const history = store.history(runId, key);
    for (const field of ['value', 'step', 'timestamp'] as const) {
      sameNumbers(
        history.map((p) => p[field]),
        points.map((p) => p[field]),
        `${key} ${field}`,
      );
    }
  }
}

function sameNumbers(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} is not ${expected[i]}`);
}

function checkReads(store: Store, runId: string, key: string, logged: readonly HistoryPoint[]): void {
  const history = store.history(runId, key);
  sameNumbers(
    history.map((p) => p.value),
    logged.map((p) => p.value),
    'history values',
  );
  sameNumbers(
    history.map((p) => p.step),
    logged.map((p) => p.step),
    'history steps',
  );
  sameNumbers(
    history.map((p) => p.timestamp),
    logged.map((p) => p.timestamp),
    'history timestamps',
  );
  const columns = readSeriesColumns(store, runId, key);
  sameNumbers(
    columns.values,
    logged.map((p) => p.value),
    'column values',
  );
  sameNumbers(
    columns.steps,
    logged.map((p) => p.step),
    'column steps',
  );
  for (const [offset, limit] of [
    [0, 10],
    [CHUNK_POINTS - 3, 7],
    [1000, 2000],
    [logged.length - 5, 100],
    [logged.length + 3, 10],
  ]) {
    sameNumbers(
      store.history(runId, key, { offset, limit }).map((p) => p.value),
      logged.slice(offset, offset + limit).map((p) => p.value),
      `page ${offset}+${limit}`,
    );
  }
  // The CLI's sparkline and the gate's report sample a whole series from columns, as the history would be sampled.
  for (const buckets of [24, 100])
    assert.deepEqual(sampledHistory(store, runId, key, buckets), downsampleMinMax(history, buckets), `${buckets} buckets`);
  const steps = logged.map((p) => p.step);
  for (const step of [Math.min(...steps) - 1, ...steps.filter((_, i) => i % 97 === 0), Math.max(...steps) + 1, 10.5])
    assert.ok(Object.is(valueAtStepOf(store, runId, key, step), valueAtStep(logged, step)), `value at step ${step}`);
  const summary = store.metricSummaries(runId).find((s) => s.key === key)!;
  const finite = logged.map((p) => p.value).filter((v) => !Number.isNaN(v));
  assert.equal(summary.count, logged.length);
  assert.equal(summary.min, Math.min(...finite));
  assert.equal(summary.max, Math.max(...finite));
}

/** Chunks under 256 points (a batch's small chunks) only at the series' end, and fewer than a full chunk's points. */
function assertChunkLayout(store: Store, runId: string, key: string): void {
  const counts = connectionOf(store)
    .prepare('SELECT c.count FROM metric_chunks c JOIN metric_series s ON s.id = c.series_id WHERE s.run_id = ? AND s.key = ? ORDER BY c.first_seq')
    .pluck()
    .all(runId, key) as number[];
  assert.ok(counts.length >= 2, 'the points went into chunks');
  const firstSmall = counts.findIndex((count) => count < 256);
  const tail = firstSmall < 0 ? [] : counts.slice(firstSmall);
  assert.ok(
    tail.every((count) => count < 256),
    `chunks under 256 points are only at the end: ${counts.join(', ')}`,
  );
  assert.ok(
    tail.reduce((sum, count) => sum + count, 0) < CHUNK_POINTS,
    `the small chunks at the end hold less than a full chunk: ${tail.join(', ')}`,
  );
}

describe('metric chunks', () => {
  const patterns: [string, number[]][] = [
    ['one point per call (a live run)', [1]],
    ['batches of 10,000', [10_000]],
    ['batches smaller than a chunk but big enough to seal', [300]],
    ["MLflow log-batch's usual share of a key: about a hundred points a call", [100]],
    ['calls on both sides of the small-chunk threshold', [31, 32, 33, 2, 64]],
    ['a mix of single points, small and large batches', [1, 5, 700, 1, 2500, 17, 255, 256]],
  ];
  for (const [name, sizes] of patterns) {
    test(`${name}: every read answers as the logged list would`, () => {
      const store = Store.open(storeDir());
      const run = store.createRun();
      const logged = awkwardPoints(sizes[0] === 1 && sizes.length === 1 ? 2600 : 12_345, sizes.length);
      logInCalls(store, run.id, 'loss', logged, sizes);
      checkReads(store, run.id, 'loss', logged);
      assertChunkLayout(store, run.id, 'loss');
      store.close();
    });
  }

  test('points that do not compress (steps and times far apart, 24 bytes each), in batches under 256', () => {
    // Such a batch's chunk spills past one overflow page and is cut to fill whole pages: no point may go missing.
    const store = Store.open(storeDir());
    const run = store.createRun();
    const next = random(7);
    const logged = Array.from({ length: 6000 }, (_, i) => ({
      step: i * 2 ** 33 + Math.floor(next() * 1000),
      timestamp: 1e12 + i * 2 ** 32,
      value: next(),
    }));
    logInCalls(store, run.id, 'loss', logged, [255, 200, 37]);
    checkReads(store, run.id, 'loss', logged);
    assertChunkLayout(store, run.id, 'loss');
    store.close();
  });

  test('keys of one batch each get their own chunks and summaries', () => {
    const store = Store.open(storeDir());
    const run = store.createRun();
    const points: MetricPoint[] = Array.from({ length: 6000 }, (_, i) => ({
      key: ['a', 'b', 'c'][i % 3],
      step: Math.floor(i / 3),
      timestamp: i,
      value: i,
    }));
    store.logMetrics(run.id, points);
    for (const key of ['a', 'b', 'c']) {
      const mine = points.filter((p) => p.key === key).map(({ step, timestamp, value }) => ({ step, timestamp, value }));
      checkReads(store, run.id, key, mine);
      assert.equal(store.metricSummaries(run.id).find((s) => s.key === key)!.last, mine[mine.length - 1].value);
    }
    store.close();
  });

  test('a batch of many keys, about a hundred points each, is stored as chunks, not as one row a point', () => {
    // MLflow's log-batch shape: 1,000 metrics over 10 keys. Rows cost a B-tree entry a point and a later read back.
    const store = Store.open(storeDir());
    const run = store.createRun();
    const keys = Array.from({ length: 10 }, (_, k) => `k${k}`);
    const logged: MetricPoint[] = [];
    for (let call = 0; call < 25; call++) {
      const batch = Array.from({ length: 1000 }, (_, i) => ({
        key: keys[i % 10],
        step: call * 100 + Math.floor(i / 10),
        timestamp: i,
        value: i / 7,
      }));
      store.logMetrics(run.id, batch);
      logged.push(...batch);
    }
    const db = connectionOf(store);
    assert.equal(db.prepare('SELECT count(*) FROM metrics').pluck().get(), 0, 'no open rows');
    for (const key of keys) assertChunkLayout(store, run.id, key);
    for (const key of keys)
      checkReads(
        store,
        run.id,
        key,
        logged.filter((p) => p.key === key).map(({ step, timestamp, value }) => ({ step, timestamp, value })),
      );
    store.close();
  });

  test('MLflow de-duplication finds a repeated point inside a closed chunk and in the open rows', () => {
    const store = Store.open(storeDir());
    const run = store.createRun();
    const points: MetricPoint[] = Array.from({ length: 3000 }, (_, i) => ({
      key: 'loss',
      step: i,
      timestamp: 1000 + i,
      value: i === 7 ? Number.NaN : i / 10,
    }));
    assert.equal(logMetricsOnce(store, run.id, points), 3000);
    const again = [points[7], points[1500], points[2999], { ...points[20], value: 99 }];
    assert.equal(logMetricsOnce(store, run.id, again), 1, 'only the changed value is new');
    assert.equal(store.history(run.id, 'loss').length, 3001);
    store.close();
  });

  test('reads into a scratch give each series exactly, longer and shorter ones after each other', () => {
    const store = Store.open(storeDir());
    const run = store.createRun();
    const lengths = { a: 3000, b: 700, c: 5000, d: 5, e: SCRATCH_POINTS + 10 };
    for (const [key, length] of Object.entries(lengths)) {
      const value = (step: number): number => (step % 97 === 0 ? Number.NaN : step * key.charCodeAt(0));
      store.logMetrics(
        run.id,
        Array.from({ length }, (_, step) => ({ key, step, timestamp: 2 * step, value: value(step) })),
      );
    }
    const scratch = new SeriesScratch();
    for (const key of ['a', 'b', 'c', 'd', 'e', 'a', 'missing']) {
      const read = readSeriesColumns(store, run.id, key, scratch);
      const fresh = readSeriesColumns(store, run.id, key);
      assert.equal(read.values.length, key === 'missing' ? 0 : lengths[key as keyof typeof lengths], key);
      sameNumbers(read.steps, fresh.steps, `${key} steps`);
      sameNumbers(read.timestamps, fresh.timestamps, `${key} timestamps`);
      sameNumbers(read.values, fresh.values, `${key} values`);
    }
    // Past SCRATCH_POINTS a read gets arrays of its own, which later reads leave alone.
    const long = readSeriesColumns(store, run.id, 'e', scratch);
    readSeriesColumns(store, run.id, 'a', scratch);
    sameNumbers(long.values, readSeriesColumns(store, run.id, 'e').values, 'e values after another read');
    store.close();
  });

  test('deleting a run deletes its chunks', () => {
    const store = Store.open(storeDir());
    const run = store.createRun();
    store.logMetrics(
      run.id,
      Array.from({ length: 5000 }, (_, step) => ({ key: 'loss', step, timestamp: step, value: step })),
    );
    store.deleteRuns([run.id]);
    const count = (table: string): number => connectionOf(store).prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    assert.deepEqual(['metric_chunks', 'metrics', 'metric_series'].map(count), [0, 0, 0]);
    store.close();
  });
});

describe('chunk encoding', () => {
  const cases: [string, HistoryPoint[], number][] = [
    [
      'steps by a stride, timestamps a few ms apart: 10 bytes a point',
      Array.from({ length: 1024 }, (_, i) => ({ step: 5 + 3 * i, timestamp: 1.7e12 + 2 * i, value: i / 7 })),
      10,
    ],
    ['steps out of order, clock going back', awkwardPoints(1024, 9), 16],
    [
      'steps and times beyond int32 offsets',
      Array.from({ length: 300 }, (_, i) => ({ step: (i % 2) * 2 ** 40 - i, timestamp: (i % 3) * 2 ** 45, value: -i })),
      24,
    ],
  ];
  for (const [name, points, bytesPerPoint] of cases) {
    test(`${name}, decoded exactly`, () => {
      const columns = { steps: points.map((p) => p.step), timestamps: points.map((p) => p.timestamp), values: points.map((p) => p.value) };
      const blob = encodeChunk(columns, 0, points.length);
      assert.ok(blob.length <= 32 + bytesPerPoint * points.length + 16, `${blob.length} bytes for ${points.length} points`);
      // Drivers hand BLOBs back at any byte offset: decoding must not depend on alignment.
      const shifted = new Uint8Array(blob.length + 3).subarray(3);
      shifted.set(blob);
      for (const copy of [blob, shifted]) {
        const decoded = decodeChunk(copy);
        sameNumbers(decoded.steps, columns.steps, 'steps');
        sameNumbers(decoded.timestamps, columns.timestamps, 'timestamps');
        sameNumbers(decoded.values, columns.values, 'values');
      }
    });
  }

  test('a chunk from a newer format is refused with a clear message', () => {
    const blob = encodeChunk({ steps: [1], timestamps: [1], values: [1] }, 0, 1);
    blob[0] = 99;
    assert.throws(() => decodeChunk(blob), /format 99.*Update Labbook/);
  });
});

describe('migration 8: rows into chunks', () => {
  test('a schema-4 store with long series opens with them in chunks, every point intact, progress reported', () => {
    const dir = storeDir();
    const logged = { long: awkwardPoints(5000, 3), short: awkwardPoints(40, 4) };
    makeSchema4Store(dir, logged);
    const heard: number[][] = [];
    const store = Store.open(dir, { onMigration: (done, total) => heard.push([done, total]) });
    assert.equal(connectionOf(store).pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.ok(
      heard.some(([done, total]) => done === 5040 && total === 5040),
      'migration 8 reports every point it moved',
    );
    // Migration 13 then copies the chunks (the short series' 40 points stay open rows) into the rowid table.
    assert.deepEqual(heard[heard.length - 1], [5000, 5000]);
    sameHistories(store, 'aa', logged);
    const db = connectionOf(store);
    const chunked = db.prepare('SELECT count(*) AS chunks, sum(count) AS points, min(count) AS least FROM metric_chunks').get() as Record<
      string,
      number
    >;
    assert.ok(chunked.chunks >= 5 && chunked.least >= 256, `the long series is in chunks (${JSON.stringify(chunked)})`);
    assert.equal(db.prepare('SELECT count(*) FROM metrics').pluck().get(), 5040 - chunked.points, 'the rest stays as open rows');
    // Appending after the migration continues the same series.
    store.logMetrics('aa', [{ key: 'long', step: 1e6, timestamp: 5, value: 42 }]);
    assert.equal(store.history('aa', 'long', { offset: 5000 })[0].value, 42);
    store.close();
  });
});

describe('migration 13: chunks into a rowid table', () => {
  test('a schema-12 store (WITHOUT ROWID chunks) opens with every point intact, its chunks in a rowid table that still cascades', () => {
    const dir = storeDir();
    const logged = { long: awkwardPoints(7000, 6), mid: awkwardPoints(1500, 7) };
    const written = Store.open(dir);
    const run = written.createRun();
    for (const [key, points] of Object.entries(logged))
      written.logMetrics(
        run.id,
        points.map((p) => ({ ...p, key })),
      );
    // Back to schema 12's layout: the table as migration 8 made it, and migration 14 undone.
    const db = connectionOf(written);
    const chunked = db.prepare('SELECT COALESCE(sum(count), 0) FROM metric_chunks').pluck().get() as number;
    db.exec(`
      CREATE TABLE old_chunks (series_id INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE, first_seq INTEGER NOT NULL,
        count INTEGER NOT NULL, min_step INTEGER NOT NULL, max_step INTEGER NOT NULL, min_value REAL, max_value REAL, data BLOB NOT NULL,
        PRIMARY KEY (series_id, first_seq)) WITHOUT ROWID;
      INSERT INTO old_chunks SELECT * FROM metric_chunks;
      DROP TABLE metric_chunks;
      ALTER TABLE old_chunks RENAME TO metric_chunks;
      ALTER TABLE experiments DROP COLUMN runs_created;
      PRAGMA user_version = 12;
    `);
    written.close();
    assert.ok(chunked > 8000, `${chunked} points in chunks`);
    assert.equal(Store.pendingChunkMigration(dir), chunked);

    const heard: number[][] = [];
    const store = Store.open(dir, { onMigration: (done, total) => heard.push([done, total]) });
    assert.deepEqual(heard[heard.length - 1], [chunked, chunked]);
    assert.equal(Store.pendingChunkMigration(dir), 0);
    const table = connectionOf(store).prepare("SELECT sql FROM sqlite_schema WHERE name = 'metric_chunks'").pluck().get() as string;
    assert.doesNotMatch(table, /WITHOUT ROWID/);
    sameHistories(store, run.id, logged);
    store.logMetrics(
      run.id,
      awkwardPoints(3000, 8).map((p) => ({ ...p, key: 'long', step: p.step + 1e6 })),
    );
    assert.equal(store.history(run.id, 'long').length, 10_000);
    connectionOf(store).prepare('DELETE FROM runs WHERE id = ?').run(run.id);
    assert.equal(connectionOf(store).prepare('SELECT count(*) FROM metric_chunks').pluck().get(), 0, 'chunks go with their series');
    store.close();
  });
});

describe('migration progress', () => {
  test('the CLI reports a large upgrade every 10%, on one line in a terminal, and stays quiet for a small one', () => {
    const lines = (isTTY: boolean, total: number): string[] => {
      const written: string[] = [];
      const report = migrationReporter({ write: (text: string) => written.push(text), isTTY });
      for (let done = 0; done <= total; done += total / 20) report(done, total);
      return written;
    };
    const plain = lines(false, 1_000_000);
    assert.equal(plain.length, 11);
    assert.equal(plain[10], 'labbook: upgrading the store: 100% of 1,000,000 metric points moved into chunks\n');
    const terminal = lines(true, 1_000_000);
    assert.ok(terminal.every((text) => text.startsWith('\r')));
    assert.ok(terminal[10].endsWith('\n') && !terminal[9].endsWith('\n'));
    assert.deepEqual(lines(false, 1000), []);
  });

  test('a pending chunk migration is counted before the store is opened for writing', () => {
    const dir = storeDir();
    makeSchema4Store(dir, { loss: awkwardPoints(300, 5) });
    assert.equal(Store.pendingChunkMigration(dir), 300);
    Store.open(dir).close();
    assert.equal(Store.pendingChunkMigration(dir), 0);
    assert.equal(Store.pendingChunkMigration(join(dir, 'missing')), 0);
  });
});
