// The Compare panel's worker pool against a real store, through the built dist/seriesWorker.js (`npm test`
// builds first; run alone, this file builds when dist is missing).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CompareFeed, InThreadSeriesReader } from '../../src/extension/panels/compareFeed';
import type { SeriesRequest } from '../../src/extension/panels/compareFeed';
import { SeriesWorkerPool } from '../../src/extension/panels/seriesPool';
import type { SeriesPoolLog } from '../../src/extension/panels/seriesPool';
import type { CompareView } from '../../src/protocol/comparePanel';
import { Store } from '../../src/store/store';
import { seedCompareRuns } from '../fixtures/compare/runs';

const ROOT = join(__dirname, '../..');
const SCRIPT = join(ROOT, 'dist/seriesWorker.js');

// Long series with resumed steps, NaN and ±Infinity, so sampling and smoothing have work to do.
function seedMessyRuns(store: Store): string[] {
  return [0, 1, 2].map((r) => {
    const run = store.createRun({ name: `messy-${r}`, startTime: 400 * r });
    const first = Array.from({ length: 6000 }, (_, step) => ({
      key: 'loss',
      step,
      timestamp: 1000 + 7 * step - (step % 13) * 5,
      value: Math.cos(step / (40 + r)),
    }));
    first[10].value = Number.NaN;
    first[1500].value = Infinity;
    first[2200].value = -Infinity;
    const resumed = Array.from({ length: 1500 }, (_, i) => ({ key: 'loss', step: 4000 + i, timestamp: 60_000 + i, value: Math.sin(i / 30) }));
    store.logMetrics(run.id, [...first, ...resumed, { key: 'lr', step: 0, timestamp: 1000, value: 0.1 * (r + 1) }]);
    return run.id;
  });
}

// A log that fails the test when workers fall back to the calling thread.
function strictLog(): SeriesPoolLog {
  return { info: () => undefined, warn: (message) => assert.fail(message) };
}

function requestOf(runId: string, points = 100): SeriesRequest {
  return { runId, key: 'loss', axis: 'step', origin: 0, buckets: points, smoothing: 0 };
}

describe('SeriesWorkerPool', () => {
  let dir: string;
  let store: Store;
  let ids: string[];
  before(() => {
    if (!existsSync(SCRIPT)) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT });
    dir = mkdtempSync(join(tmpdir(), 'labbook-series-pool-'));
    store = Store.open(join(dir, '.labbook'));
    ids = [...seedCompareRuns(store), ...seedMessyRuns(store)];
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers snapshots, view changes and zooms exactly as the host thread does', async () => {
    const pool = new SeriesWorkerPool(SCRIPT, { size: 2, log: strictLog() });
    try {
      const pooled = new CompareFeed(ids, { reader: pool, pointBudget: 300 });
      const local = new CompareFeed(ids, { pointBudget: 300 });
      assert.deepEqual(await pooled.snapshot(store, { axis: 'step', smoothing: 0 }), await local.snapshot(store, { axis: 'step', smoothing: 0 }));
      for (const view of [
        { axis: 'step', smoothing: 0.95 },
        { axis: 'timestamp', smoothing: 0.6 },
        { axis: 'relative', smoothing: 0.3 },
      ] as CompareView[]) {
        assert.deepEqual(await pooled.series(store, view), await local.series(store, view), JSON.stringify(view));
        const zoom = view.axis === 'step' ? [1990.5, 4100] : [20_000, 60_100];
        const detail = await pooled.rangeDetail(store, 'loss', view, zoom[0], zoom[1]);
        assert.deepEqual(detail, await local.rangeDetail(store, 'loss', view, zoom[0], zoom[1]), `zoom ${JSON.stringify(view)}`);
        assert.ok(
          detail.series.some((s) => s.sampled && s.points.steps.length > 10),
          'the zoom read long series',
        );
      }
      assert.equal(pool.workers().length, 2);
    } finally {
      await pool.dispose();
    }
  });

  it('rejects the reads of a crashed worker with a clear error and starts a new one', async () => {
    const pool = new SeriesWorkerPool(SCRIPT, { size: 1, log: strictLog() });
    try {
      const messy = ids.slice(-3);
      await pool.sampleAll(store, [requestOf(messy[0])]);
      const [crashed] = pool.workers();
      // Many reads queued, so the worker is surely still busy when it dies.
      const reading = pool.sampleAll(
        store,
        Array.from({ length: 60 }, (_, i) => requestOf(messy[i % 3])),
      );
      await crashed.terminate();
      await assert.rejects(reading, /series worker stopped \(exit code 1\)/);
      const again = await pool.sampleAll(
        store,
        messy.map((id) => requestOf(id)),
      );
      assert.deepEqual(
        again.map((s) => s.runId),
        messy,
      );
      assert.equal(pool.workers().length, 1);
      assert.notEqual(pool.workers()[0], crashed);
    } finally {
      await pool.dispose();
    }
  });

  it('reads in the calling thread when workers cannot start, and says so once', async () => {
    const fallbacks: string[] = [];
    const log = { info: (message: string) => assert.fail(message), warn: (message: string) => fallbacks.push(message) };
    const pool = new SeriesWorkerPool(join(dir, 'missing.js'), { size: 2, log });
    try {
      const request = requestOf(ids[3]);
      assert.deepEqual(await pool.sampleAll(store, [request]), await new InThreadSeriesReader().sampleAll(store, [request]));
      await pool.sampleAll(store, [request]);
      assert.equal(fallbacks.length, 1);
      assert.match(fallbacks[0], /series worker could not start: Cannot find module .*; Compare reads series in the extension host thread/);
      assert.deepEqual(pool.workers(), []);
    } finally {
      await pool.dispose();
    }
  });

  it('opens another store when asked about one, ending the workers of the old one', async () => {
    const pool = new SeriesWorkerPool(SCRIPT, { size: 1 });
    const otherDir = mkdtempSync(join(tmpdir(), 'labbook-series-pool-other-'));
    const other = Store.open(join(otherDir, '.labbook'));
    try {
      await pool.sampleAll(store, [requestOf(ids[3])]);
      const [old] = pool.workers();
      const exited = once(old, 'exit');
      const run = other.createRun({ name: 'elsewhere', startTime: 0 });
      other.logMetrics(run.id, [{ key: 'loss', step: 7, timestamp: 1, value: 0.5 }]);
      const [series] = await pool.sampleAll(other, [requestOf(run.id)]);
      assert.deepEqual(series.points, { steps: [7], timestamps: [1], values: [0.5] });
      await exited;
      assert.notEqual(pool.workers()[0], old);
    } finally {
      await pool.dispose();
      other.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('ends every thread on dispose and refuses reads afterwards', async () => {
    const pool = new SeriesWorkerPool(SCRIPT, { size: 2 });
    await pool.sampleAll(store, [requestOf(ids[3]), requestOf(ids[4])]);
    const workers = pool.workers();
    assert.equal(workers.length, 2);
    const exits = workers.map((worker) => once(worker, 'exit'));
    await pool.dispose();
    await Promise.all(exits);
    assert.deepEqual(pool.workers(), []);
    await assert.rejects(pool.sampleAll(store, [requestOf(ids[3])]), /series workers were shut down/);
  });

  it('refuses a pool without threads', () => {
    assert.throws(() => new SeriesWorkerPool(SCRIPT, { size: 0 }), /at least one thread, not 0/);
  });
});
