// Panel figures measured in headless Chromium with the webview test harness (test/webview/harness.ts): the
// Compare panel's host snapshot of 100 runs × 100,000 points read by the worker pool, with one and with the default
// number of threads (baselines: the same snapshot read in the host thread and the row-object read the snapshot
// used before), and the time until the page has drawn it, and the
// Lineage panel's graph of 1,000 runs (each reading the previous run's data and writing a model) laid out.
// Runs alone with `node --import tsx scripts/bench/panels.ts` (needs `node esbuild.mjs` and scripts/setup-e2e.sh).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricPoint } from '../../src/core/types';
import { CompareFeed } from '../../src/extension/panels/compareFeed';
import { defaultSeriesPoolSize, SeriesWorkerPool } from '../../src/extension/panels/seriesPool';
import { lineageSnapshot } from '../../src/extension/panels/lineageFeed';
import { Store } from '../../src/store/store';
import { WebviewHarness } from '../../test/webview/harness';
import { paintMs } from './paint';
import { connectionOf } from '../../src/store/connection';

type Report = (name: string, value: number, unit: string, target: string) => void;

const RUNS = 100;
const POINTS = 100_000;
const BATCH = 50_000;

function populate(store: Store): string[] {
  const ids: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    const run = store.createRun({ name: `run-${r % 10}`, startTime: 0 });
    for (let from = 0; from < POINTS; from += BATCH) {
      const batch: MetricPoint[] = Array.from({ length: BATCH }, (_, i) => {
        const step = from + i;
        return { key: 'loss', step, timestamp: step * 10, value: Math.exp(-step / 30_000) + r / 200 + Math.sin(step / 7) / 50 };
      });
      store.logMetrics(run.id, batch);
    }
    store.finishRun(run.id, 'FINISHED', { exitCode: 0, endTime: POINTS * 10 });
    ids.push(run.id);
  }
  return ids;
}

// Every chart drawing every run, painted.
async function renderMs(harness: WebviewHarness, json: string, datasets: number): Promise<number> {
  const page = await harness.open('comparePanel', { savedState: { smoothing: 0.6, axis: 'step', logY: false, logX: false, onlyDifferences: true } });
  try {
    await page.page.waitForFunction(() => document.querySelector('main') !== null);
    return await paintMs(
      page.page,
      json,
      (expected) => window.labbookComparePanel?.charts().every((c) => c.chart?.datasets.length === expected) ?? false,
      datasets,
    );
  } finally {
    await page.page.context().close();
  }
}

function populateLineage(store: Store): string[] {
  return connectionOf(store).transaction(() => {
    const ids: string[] = [];
    let previous = store.objects.putBuffer('raw data');
    for (let r = 0; r < 1000; r++) {
      const run = store.createRun({ name: `step-${r}`, startTime: r, git: { commit: (r % 50).toString(16).padStart(40, '0') } });
      store.addArtifact({ runId: run.id, path: 'data.bin', sha256: previous, size: 1, role: 'data', direction: 'input' });
      previous = store.objects.putBuffer(`model ${r}`);
      store.addArtifact({ runId: run.id, path: 'model.pt', sha256: previous, size: 1, role: 'model', direction: 'output' });
      ids.push(run.id);
    }
    return ids;
  })();
}

// The graph laid out, drawn and painted.
async function lineageMs(harness: WebviewHarness, json: string): Promise<number> {
  const page = await harness.open('lineagePanel');
  try {
    return await paintMs(page.page, json, () => document.querySelector('main[aria-busy="false"] svg') !== null);
  } finally {
    await page.page.context().close();
  }
}

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// What the snapshot's read is up against: the row objects Store.history() builds, which the snapshot read before
// (10 runs measured, scaled to 100: 10 s). SQLite's bare scan of the same points as rows (the release's layout,
// before chunks) is measured by the store bench (storeDrivers.ts), beside the same snapshot read in one thread.
function compareBaselines(store: Store, ids: readonly string[], report: Report): void {
  const start = process.hrtime.bigint();
  for (const id of ids.slice(0, 10)) store.history(id, 'loss');
  report('compare baseline: Store.history() row objects of 10 runs, x10 (the read before typed columns)', elapsedMs(start) * 10, 'ms', '');
}

/** Compare panel: host snapshot and first render of 100 runs × 100,000 points of one metric; lineage of 1,000 runs. */
export async function runPanelsBench(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-bench-panels-'));
  const store = Store.open(join(dir, '.labbook'));
  const harness = await WebviewHarness.start();
  try {
    const ids = populate(store);
    compareBaselines(store, ids, report);
    const view = { axis: 'step', smoothing: 0.6 } as const;
    let start = process.hrtime.bigint();
    const inThread = await new CompareFeed(ids).snapshot(store, view);
    report('compare baseline: host snapshot of 100 runs x 100,000 points read in the host thread', elapsedMs(start), 'ms', '');
    for (const size of [1, defaultSeriesPoolSize()].filter((n, i, all) => all.indexOf(n) === i)) {
      const pool = new SeriesWorkerPool(join(__dirname, '../../dist/seriesWorker.js'), { size });
      try {
        // Started before timing: in the extension the pool lives from the first comparison on.
        await new CompareFeed(ids.slice(0, 2), { reader: pool }).snapshot(store, view);
        start = process.hrtime.bigint();
        const pooled = await new CompareFeed(ids, { reader: pool }).snapshot(store, view);
        report(
          `compare: host snapshot of 100 runs x 100,000 points (read, smooth, sample) in ${size} worker thread(s)`,
          elapsedMs(start),
          'ms',
          '< 2,000',
        );
        if (JSON.stringify(pooled) !== JSON.stringify(inThread)) throw new Error('The worker pool answered differently from the host thread.');
      } finally {
        await pool.dispose();
      }
    }
    const snapshot = inThread;
    const json = JSON.stringify(snapshot);
    report('compare: snapshot size sent to the page', json.length / 1e6, 'MB', '');
    let fastest = Infinity;
    for (let i = 0; i < 3; i++) fastest = Math.min(fastest, await renderMs(harness, json, 2 * RUNS));
    report('compare: 100 runs x 100,000 points rendered in Chromium (raw + smoothed)', fastest, 'ms', '<= 1,000');
    const lineageDir = join(dir, 'lineage');
    const lineageStore = Store.open(join(lineageDir, '.labbook'));
    try {
      const lineageIds = populateLineage(lineageStore);
      const lineageStart = process.hrtime.bigint();
      const graph = JSON.stringify(lineageSnapshot(lineageStore));
      report('lineage: host snapshot of 1,000 runs (read, build the graph)', elapsedMs(lineageStart), 'ms', '');
      let layout = Infinity;
      for (let i = 0; i < 3; i++) layout = Math.min(layout, await lineageMs(harness, graph));
      report('lineage: 1,000 runs (2,051 nodes) laid out and drawn in Chromium', layout, 'ms', '<= 1,000');
      // The middle run's lineage: the 500 runs before it upstream, the 500 after it downstream, and all 50 commits.
      const focused = JSON.stringify(lineageSnapshot(lineageStore, { focus: `run:${lineageIds[500]}` }));
      let focusLayout = Infinity;
      for (let i = 0; i < 3; i++) focusLayout = Math.min(focusLayout, await lineageMs(harness, focused));
      report("lineage: the middle run's lineage in the 1,000-run graph laid out, drawn and scrolled to in Chromium", focusLayout, 'ms', '<= 1,000');
    } finally {
      lineageStore.close();
    }
  } finally {
    await harness.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runPanelsBench((name, value, unit, target) =>
    process.stdout.write(`${name}: ${value.toFixed(1)} ${unit}${target ? `  (target ${target})` : ''}\n`),
  ).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
