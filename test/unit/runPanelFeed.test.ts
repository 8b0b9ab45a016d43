import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { downsampleMinMax, smoothEma } from '../../src/core/series';
import type { HistoryPoint } from '../../src/core/types';
import { RunPanelFeed, emaWarmup } from '../../src/extension/panels/runPanelFeed';
import { decodeNumber } from '../../src/protocol/runPanel';
import type { RunPanelPoints, RunPanelSeries, RunPanelToWebview } from '../../src/protocol/runPanel';
import { Store } from '../../src/store/store';
import { continueLiveRun, expectedFinish, expectedIncrement, expectedSnapshot, finishLiveRun, seedLiveRun } from '../fixtures/runPanel/liveRun';
import type { FixtureEnv } from '../fixtures/runPanel/liveRun';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'labbook-run-panel-'));
  store = Store.open(join(dir, '.labbook'));
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function envOf(runId: string): FixtureEnv {
  const run = store.getRun(runId);
  return { runId, user: run.user, host: run.host };
}

// The JSON trip to the webview: what the feed builds must survive it unchanged.
function overTheWire<T>(message: T): T {
  return JSON.parse(JSON.stringify(message)) as T;
}

function decoded(points: RunPanelPoints): HistoryPoint[] {
  return points.steps.map((step, i) => ({ step, timestamp: points.timestamps[i], value: decodeNumber(points.values[i]) }));
}

function seriesOf(
  messages: readonly RunPanelToWebview[],
  type: 'runPanel/metricsAppended' | 'runPanel/metricsReplaced',
  key: string,
): RunPanelSeries | undefined {
  for (const message of messages) if (message.type === type) return message.series.find((s) => s.key === key);
  return undefined;
}

/** A run with `count` points of `key`, one per step, logged in one batch. */
function runWith(count: number, value: (step: number) => number, key = 'loss', status: 'RUNNING' | 'FINISHED' = 'RUNNING'): string {
  const run = store.createRun({ name: 'long', startTime: 1_000_000 });
  logRange(run.id, 0, count, value, key);
  if (status === 'FINISHED') store.finishRun(run.id, 'FINISHED', { exitCode: 0 });
  return run.id;
}

function logRange(runId: string, from: number, to: number, value: (step: number) => number, key = 'loss'): void {
  const points = [];
  for (let step = from; step < to; step++) points.push({ key, step, timestamp: 1_000_000 + step * 100, value: value(step) });
  store.logMetrics(runId, points);
}

const wave = (step: number): number => Math.sin(step / 50) + step / 1000;

describe('RunPanelFeed with the shared live-run fixture', () => {
  it('sends the snapshot, then only what is new, then the finish', () => {
    const runId = seedLiveRun(store);
    const feed = new RunPanelFeed(runId);
    assert.deepEqual(overTheWire(feed.snapshot(store, 0.6)), expectedSnapshot(envOf(runId)));
    assert.equal(feed.isLive, true);
    assert.deepEqual(feed.poll(store), [], 'nothing changed, nothing sent');

    continueLiveRun(store, runId);
    assert.deepEqual(overTheWire(feed.poll(store)), expectedIncrement());
    assert.deepEqual(feed.poll(store), []);

    finishLiveRun(store, runId);
    assert.deepEqual(overTheWire(feed.poll(store)), expectedFinish(envOf(runId)));
    assert.equal(feed.isLive, false);
  });

  it('keeps NaN and ±Infinity through JSON', () => {
    const runId = seedLiveRun(store);
    const snapshot = overTheWire(new RunPanelFeed(runId).snapshot(store));
    assert.equal(snapshot.type, 'runPanel/snapshot');
    if (snapshot.type !== 'runPanel/snapshot') return;
    const loss = snapshot.metrics.find((s) => s.key === 'loss')!;
    const values = decoded(loss.points).map((p) => p.value);
    assert.ok(Number.isNaN(values[30]));
    assert.equal(values[45], Infinity);
    assert.equal(loss.summary.max, 'Infinity');
  });

  it('starts over on a second snapshot (the panel became visible again)', () => {
    const runId = seedLiveRun(store);
    const feed = new RunPanelFeed(runId);
    feed.snapshot(store);
    continueLiveRun(store, runId);
    const again = overTheWire(feed.snapshot(store));
    assert.equal(again.type, 'runPanel/snapshot');
    if (again.type !== 'runPanel/snapshot') return;
    assert.equal(again.metrics.find((s) => s.key === 'loss')!.points.steps.length, 70);
    assert.deepEqual(again.console.lines.slice(-2), ['Training: 100%|██████████| 60/60', 'Epoch 2/3']);
    assert.deepEqual(feed.poll(store), []);
  });

  it('says once that a deleted run is gone', () => {
    const runId = seedLiveRun(store);
    const feed = new RunPanelFeed(runId);
    feed.snapshot(store);
    store.deleteRuns([runId]);
    const messages = feed.poll(store);
    assert.equal(messages.length, 1);
    assert.equal(messages[0].type, 'runPanel/runMissing');
    assert.deepEqual(feed.poll(store), []);
    assert.equal(feed.snapshot(store).type, 'runPanel/runMissing');
    assert.equal(feed.isLive, false);
  });

  it('lists integer-like param keys in the same order as the others', () => {
    const run = store.createRun({ name: 'keys' });
    store.logParams(run.id, { b: '1', '10': 'x', '2': 'y', a: '0' });
    const snapshot = new RunPanelFeed(run.id).snapshot(store);
    assert.equal(snapshot.type, 'runPanel/snapshot');
    if (snapshot.type === 'runPanel/snapshot')
      assert.deepEqual(
        snapshot.params.map((p) => p.key),
        ['10', '2', 'a', 'b'],
      );
  });
});

describe('RunPanelFeed downsampling', () => {
  it('sends a finished long series as at most maxPoints points that keep its extremes and ends', () => {
    const runId = runWith(50_000, (step) => (step === 31_337 ? 99 : step === 7_000 ? -42 : wave(step)), 'loss', 'FINISHED');
    const snapshot = new RunPanelFeed(runId).snapshot(store);
    assert.equal(snapshot.type, 'runPanel/snapshot');
    if (snapshot.type !== 'runPanel/snapshot') return;
    const [loss] = snapshot.metrics;
    assert.equal(loss.sampled, true);
    assert.equal(loss.summary.count, 50_000);
    const points = decoded(loss.points);
    assert.ok(points.length <= 2000 && points.length > 1500, `${points.length} points`);
    assert.equal(points[0].step, 0);
    assert.equal(points[points.length - 1].step, 49_999);
    assert.ok(
      points.some((p) => p.value === 99 && p.step === 31_337),
      'keeps the spike',
    );
    assert.ok(
      points.some((p) => p.value === -42 && p.step === 7_000),
      'keeps the dip',
    );
    assert.equal(loss.smoothed, null, 'no smoothing asked for');
  });

  it('sends a short series at full resolution', () => {
    const runId = runWith(2000, wave);
    const snapshot = new RunPanelFeed(runId).snapshot(store);
    assert.equal(snapshot.type, 'runPanel/snapshot');
    if (snapshot.type === 'runPanel/snapshot') {
      assert.equal(snapshot.metrics[0].sampled, false);
      assert.equal(snapshot.metrics[0].points.steps.length, 2000);
    }
  });

  it('samples a live long series to half the budget and grows it by whole buckets', () => {
    const runId = runWith(10_000, wave);
    const feed = new RunPanelFeed(runId, { maxPoints: 200 });
    const snapshot = feed.snapshot(store);
    assert.equal(snapshot.type, 'runPanel/snapshot');
    if (snapshot.type !== 'runPanel/snapshot') return;
    assert.ok(snapshot.metrics[0].points.steps.length <= 100);
    // Buckets are 10_000 / 48 ≈ 208 steps wide: 100 new steps do not fill one.
    logRange(runId, 10_000, 10_100, wave);
    const waiting = seriesOf(feed.poll(store), 'runPanel/metricsAppended', 'loss')!;
    assert.equal(waiting.points.steps.length, 0, 'a partial bucket waits');
    assert.equal(waiting.summary.count, 10_100, 'but the summary is current');
    logRange(runId, 10_100, 10_500, wave);
    const grown = seriesOf(feed.poll(store), 'runPanel/metricsAppended', 'loss')!;
    assert.equal(grown.sampled, true);
    assert.ok(grown.points.steps.length > 0 && grown.points.steps.length <= 2 * 2 + 2, `${grown.points.steps.length} points for 500 steps`);
    assert.ok(grown.points.steps[0] >= 10_000, 'only new points');
  });

  it('samples the series again when it outgrows the budget', () => {
    const runId = runWith(1000, wave);
    const feed = new RunPanelFeed(runId, { maxPoints: 200 });
    feed.snapshot(store);
    let total = 0;
    for (let from = 1000; from < 20_000; from += 1000) {
      logRange(runId, from, from + 1000, wave);
      const messages = feed.poll(store);
      const replaced = seriesOf(messages, 'runPanel/metricsReplaced', 'loss');
      const appended = seriesOf(messages, 'runPanel/metricsAppended', 'loss');
      if (replaced) total = replaced.points.steps.length;
      if (appended) total += appended.points.steps.length;
      assert.ok(total <= 200, `the panel holds ${total} points after ${from + 1000}`);
      if (replaced) assert.equal(replaced.sampled, true);
    }
  });

  it('turns a full-resolution series into a sampled one once it grows past the budget', () => {
    const runId = runWith(150, wave);
    const feed = new RunPanelFeed(runId, { maxPoints: 200 });
    feed.snapshot(store);
    logRange(runId, 150, 190, wave);
    assert.equal(seriesOf(feed.poll(store), 'runPanel/metricsAppended', 'loss')!.points.steps.length, 40);
    logRange(runId, 190, 400, wave);
    const replaced = seriesOf(feed.poll(store), 'runPanel/metricsReplaced', 'loss')!;
    assert.equal(replaced.sampled, true);
    assert.ok(replaced.points.steps.length <= 100);
  });

  it('flushes the half-filled bucket when the run ends', () => {
    const runId = runWith(10_000, wave);
    const feed = new RunPanelFeed(runId, { maxPoints: 200 });
    feed.snapshot(store);
    logRange(runId, 10_000, 10_010, wave);
    assert.equal(seriesOf(feed.poll(store), 'runPanel/metricsAppended', 'loss')!.points.steps.length, 0);
    store.finishRun(runId, 'FINISHED', { exitCode: 0 });
    const last = seriesOf(feed.poll(store), 'runPanel/metricsAppended', 'loss')!;
    assert.equal(last.points.steps.at(-1), 10_009);
  });

  it('buckets a series logged without steps by time', () => {
    const run = store.createRun({ name: 'system' });
    store.logMetrics(
      run.id,
      Array.from({ length: 5000 }, (_, i) => ({ key: 'gpu', step: 0, timestamp: 1_000_000 + i * 1000, value: i % 97 })),
    );
    store.finishRun(run.id, 'FINISHED');
    const snapshot = new RunPanelFeed(run.id, { maxPoints: 200 }).snapshot(store);
    assert.equal(snapshot.type, 'runPanel/snapshot');
    if (snapshot.type !== 'runPanel/snapshot') return;
    const timestamps = snapshot.metrics[0].points.timestamps;
    assert.ok(timestamps.length > 100, `${timestamps.length} points, not a handful`);
    assert.equal(timestamps.at(-1), 1_000_000 + 4999 * 1000);
  });

  it('samples a resumed run (steps going back, repeated steps, NaN and infinities) as the min/max sample of its history', () => {
    const run = store.createRun({ name: 'resumed', startTime: 1_000_000 });
    const special = [Number.NaN, Infinity, -Infinity];
    const value = (step: number, pass: number): number => (step % 1009 === 0 ? special[step % 3] : Math.sin(step / 40) + pass);
    logRange(run.id, 0, 6000, (step) => value(step, 0));
    // Resumed from a checkpoint at step 4000: those steps are logged again, later, with other values.
    logRange(run.id, 4000, 9000, (step) => value(step, 1));
    store.finishRun(run.id, 'FINISHED');
    const snapshot = new RunPanelFeed(run.id, { maxPoints: 300 }).snapshot(store, 0.8);
    assert.equal(snapshot.type, 'runPanel/snapshot');
    if (snapshot.type !== 'runPanel/snapshot') return;
    const [series] = overTheWire(snapshot).metrics;
    const history = store.history(run.id, 'loss');
    const buckets = Math.floor((300 - 4) / 2);
    assert.deepEqual(decoded(series.points), downsampleMinMax(history, buckets));
    const ordered = [...history].sort((a, b) => a.step - b.step);
    const smoothedValues = smoothEma(
      ordered.map((p) => p.value),
      0.8,
    );
    const reference = downsampleMinMax(
      ordered.map((p, i) => ({ ...p, value: smoothedValues[i] })),
      buckets,
    );
    assert.deepEqual(decoded(series.smoothed!), reference);
  });
});

describe('RunPanelFeed smoothing of sampled series', () => {
  const noisy = (step: number): number => Math.sin(step / 300) + ((step * 7919) % 13) / 13;

  it('smooths at full resolution before sampling', () => {
    const runId = runWith(20_000, noisy, 'loss', 'FINISHED');
    const snapshot = new RunPanelFeed(runId, { maxPoints: 500 }).snapshot(store, 0.9);
    assert.equal(snapshot.type, 'runPanel/snapshot');
    if (snapshot.type !== 'runPanel/snapshot') return;
    const full = smoothEma(
      store.history(runId, 'loss').map((p) => p.value),
      0.9,
    );
    const smoothed = decoded(snapshot.metrics[0].smoothed!);
    assert.ok(smoothed.length <= 500);
    for (const point of smoothed) assert.equal(point.value, full[point.step]);
  });

  it('continues the average for appended buckets as if it had been computed over everything', () => {
    const runId = runWith(10_000, noisy);
    const feed = new RunPanelFeed(runId, { maxPoints: 400 });
    feed.snapshot(store, 0.99);
    logRange(runId, 10_000, 12_000, noisy);
    const appended = seriesOf(feed.poll(store), 'runPanel/metricsAppended', 'loss')!;
    const full = smoothEma(
      store.history(runId, 'loss').map((p) => p.value),
      0.99,
    );
    const smoothed = decoded(appended.smoothed!);
    assert.ok(smoothed.length > 0);
    for (const point of smoothed)
      assert.ok(Math.abs(point.value - full[point.step]) < 1e-5, `step ${point.step}: ${point.value} vs ${full[point.step]}`);
  });

  it('resends only sampled series when the weight changes, and nothing when it does not', () => {
    const runId = runWith(5000, noisy);
    logRange(runId, 0, 50, noisy, 'short');
    const feed = new RunPanelFeed(runId, { maxPoints: 400 });
    feed.snapshot(store, 0);
    const messages = feed.setSmoothing(store, 0.8);
    assert.equal(messages.length, 1);
    const [message] = messages;
    assert.equal(message.type, 'runPanel/metricsReplaced');
    if (message.type !== 'runPanel/metricsReplaced') return;
    assert.deepEqual(
      message.series.map((s) => s.key),
      ['loss'],
    );
    assert.ok(message.series[0].smoothed);
    assert.deepEqual(feed.setSmoothing(store, 0.8), []);
  });

  it('needs more warm-up for heavier smoothing', () => {
    assert.equal(emaWarmup(0), 0);
    assert.ok(emaWarmup(0.6) < emaWarmup(0.99));
    assert.ok(0.99 ** emaWarmup(0.99) <= 1e-6);
  });
});

describe('RunPanelFeed range detail', () => {
  it('samples only the zoomed window, finer than the overview', () => {
    const runId = runWith(100_000, wave, 'loss', 'FINISHED');
    const feed = new RunPanelFeed(runId, { maxPoints: 400 });
    feed.snapshot(store, 0.5);
    const detail = feed.rangeDetail(store, 'loss', 'step', 50_000, 50_300);
    const points = decoded(detail.points);
    const inside = points.filter((p) => p.step >= 50_000 && p.step <= 50_300);
    assert.equal(inside.length, 301, 'every point of a small window');
    assert.ok(points.length <= 301 + 2, 'plus a neighbour on each side');
    assert.ok(detail.smoothed && detail.smoothed.steps.length === points.length);
  });

  it('windows relative time from the run start', () => {
    const runId = runWith(10_000, wave, 'loss', 'FINISHED');
    const detail = new RunPanelFeed(runId, { maxPoints: 400 }).rangeDetail(store, 'loss', 'relative', 100_000, 110_000);
    const steps = detail.points.steps;
    // Points are 100 ms apart from the run start: 100 s is step 1000.
    assert.ok(steps.includes(1000) && steps.includes(1100) && !steps.includes(1200), `${steps[0]}..${steps.at(-1)}`);
  });
});

describe('RunPanelFeed console', () => {
  it('follows the log into its blob once the runner stored it', () => {
    const runId = seedLiveRun(store);
    const feed = new RunPanelFeed(runId);
    feed.snapshot(store);
    const live = store.consolePath(runId)!;
    continueLiveRun(store, runId);
    // The runner stores the log as a blob and removes the live file.
    const sha = store.objects.putBuffer(readFileSync(live));
    rmSync(live);
    store.finishRun(runId, 'FINISHED', { exitCode: 0, consoleSha: sha });
    const console = feed.poll(store).find((m) => m.type === 'runPanel/consoleAppended');
    assert.deepEqual(console && console.type === 'runPanel/consoleAppended' && console.lines, ['Training: 100%|██████████| 60/60', 'Epoch 2/3']);
  });

  it('shows nothing, and fails nothing, for a run without output', () => {
    const run = store.createRun({ name: 'quiet' });
    const snapshot = new RunPanelFeed(run.id).snapshot(store);
    assert.equal(snapshot.type, 'runPanel/snapshot');
    if (snapshot.type === 'runPanel/snapshot') assert.deepEqual(snapshot.console, { lines: [], partial: '', truncated: false });
  });
});
