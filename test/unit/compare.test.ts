import { mergeEnvironment } from '../../src/capture/environment';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { compareBuckets, cssColor, runColors, runHue, runLabels } from '../../src/core/compare';
import { downsampleMinMax, smoothEma, xOf } from '../../src/core/series';
import type { HistoryPoint, Run } from '../../src/core/types';
import { CompareFeed } from '../../src/extension/panels/compareFeed';
import { parseCompareMessage } from '../../src/protocol/comparePanel';
import type { CompareSeries, CompareView } from '../../src/protocol/comparePanel';
import { decodeNumber, encodeNumber } from '../../src/protocol/runPanel';
import type { RunPanelPoints } from '../../src/protocol/runPanel';
import { Store } from '../../src/store/store';
import { RUNS, expectedSnapshot, seedCompareRuns } from '../fixtures/compare/runs';

const A = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const B = 'a1b2c3d4e5f6071800000000000000ff';

describe('run colours and labels', () => {
  it('derives a colour from the id, the same for the same set of runs in any order', () => {
    const [a] = runColors([A]);
    assert.equal(a.hue, runHue(A));
    assert.ok(a.lightness === 48 || a.lightness === 62);
    assert.equal(cssColor(a), `hsl(${a.hue} 70% ${a.lightness}%)`);
    assert.equal(cssColor(a, 0.3), `hsl(${a.hue} 70% ${a.lightness}% / 0.3)`);
    const ids = Array.from({ length: 6 }, (_, i) => (i * 7919).toString(16).padStart(32, 'c'));
    const forward = runColors(ids);
    const backward = runColors([...ids].reverse()).reverse();
    assert.deepEqual(forward, backward);
    const hues = new Set(Array.from({ length: 20 }, (_, i) => runHue(i.toString(16).padStart(32, '0'))));
    assert.ok(hues.size >= 18, 'consecutive ids get distinct hues');
  });

  it('turns a run whose hue clashes with another run of the comparison, and only that run', () => {
    // Ids whose own hues land within a few degrees of each other.
    const byHue = new Map<number, string>();
    let clash: [string, string] | undefined;
    for (let i = 0; !clash; i++) {
      const id = i.toString(16).padStart(32, '0');
      const hue = runHue(id);
      const near = [...byHue.entries()].find(([other]) => Math.abs(other - hue) <= 3);
      if (near) clash = [near[1], id];
      else byHue.set(hue, id);
    }
    const [first, second] = [...clash].sort();
    const [x, y] = runColors([first, second]);
    assert.equal(x.hue, runHue(first), 'the first by id keeps its own hue');
    const gap = Math.min(Math.abs(x.hue - y.hue), 360 - Math.abs(x.hue - y.hue));
    assert.ok(gap >= 30, `hues ${x.hue} and ${y.hue} are apart`);
    assert.equal(runColors([second])[0].hue, runHue(second), 'alone, it keeps its own hue');
    const many = runColors(Array.from({ length: 12 }, (_, i) => (i * 104729).toString(16).padStart(32, 'e'))).map((c) => c.hue);
    for (const [i, h] of many.entries())
      for (const k of many.slice(i + 1)) assert.ok(Math.min(Math.abs(h - k), 360 - Math.abs(h - k)) >= 15, `${h} vs ${k}`);
  });

  it('adds the shortest distinguishing id prefix only where names collide', () => {
    assert.deepEqual(
      runLabels([
        { id: A, name: 'x' },
        { id: B, name: 'y' },
      ]),
      ['x', 'y'],
    );
    assert.deepEqual(
      runLabels([
        { id: A, name: 'same' },
        { id: B, name: 'same' },
        { id: 'f'.repeat(32), name: 'other' },
      ]),
      ['same · a1b2c3d4e5f607182', 'same · a1b2c3d4e5f607180', 'other'],
    );
    assert.deepEqual(runLabels([{ id: 'c'.repeat(32), name: '' }]), [`· ${'c'.repeat(7)}`]);
  });
});

describe('compareBuckets', () => {
  it('shares the budget between runs within bounds', () => {
    assert.equal(compareBuckets(1), 1000);
    assert.equal(compareBuckets(25), 1000);
    assert.equal(compareBuckets(40), 625);
    assert.equal(compareBuckets(100), 250);
    assert.equal(compareBuckets(10_000), 64);
    assert.equal(compareBuckets(0), 1000);
  });
});

describe('parseCompareMessage', () => {
  it('accepts well-formed messages and rebuilds them', () => {
    assert.deepEqual(parseCompareMessage({ type: 'comparePanel/ready', axis: 'timestamp', smoothing: 0.5, extra: 1 }), {
      ok: true,
      message: { type: 'comparePanel/ready', axis: 'timestamp', smoothing: 0.5 },
    });
    assert.deepEqual(parseCompareMessage({ type: 'comparePanel/requestRange', key: 'loss', axis: 'step', xMin: 1, xMax: 2 }).ok, true);
    assert.deepEqual(parseCompareMessage({ type: 'comparePanel/openRun', runId: A }), {
      ok: true,
      message: { type: 'comparePanel/openRun', runId: A },
    });
  });

  it('rejects bad input with a reason', () => {
    const bad: unknown[] = [
      null,
      [],
      { type: 'comparePanel/nope' },
      { type: 'comparePanel/ready', axis: 'x', smoothing: 0 },
      { type: 'comparePanel/setView', axis: 'step', smoothing: 1 },
      { type: 'comparePanel/setView', axis: 'step', smoothing: Number.NaN },
      { type: 'comparePanel/requestRange', key: 'k', axis: 'step', xMin: 3, xMax: 2 },
      { type: 'comparePanel/requestRange', key: 'k'.repeat(1001), axis: 'step', xMin: 1, xMax: 2 },
      { type: 'comparePanel/valuesAtStep', step: 'Infinity' },
      { type: 'comparePanel/openRun', runId: '../../etc/passwd' },
    ];
    for (const message of bad) {
      const result = parseCompareMessage(message);
      assert.equal(result.ok, false, JSON.stringify(message));
      if (!result.ok) assert.match(result.error, /compare panel message/i);
    }
  });
});

describe('CompareFeed', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'labbook-compare-'));
    store = Store.open(join(dir, '.labbook'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const decoded = (points: RunPanelPoints): { step: number; value: number }[] =>
    points.steps.map((step, i) => ({ step, value: decodeNumber(points.values[i]) }));

  it('sends the fixture snapshot, and it survives JSON', async () => {
    const ids = seedCompareRuns(store);
    const snapshot = await new CompareFeed(ids).snapshot(store, { axis: 'step', smoothing: 0 });
    assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), expectedSnapshot(ids));
    assert.match(snapshot.runs[0].label, /^baseline · [0-9a-f]{7,}$/);
    assert.equal(snapshot.runs[2].label, RUNS[2].name);
  });

  it('gives the reproduction verdict when one run reproduces another', async () => {
    const ids = seedCompareRuns(store);
    const rerun = store.createRun({ name: 'rerun', experimentName: 'sweep' });
    store.setTags(rerun.id, { 'labbook.reproduces': ids[0] });
    const last = (key: string): number => RUNS[0].metrics[key][RUNS[0].metrics[key].length - 1].value;
    store.logMetrics(rerun.id, [
      { key: 'loss', value: last('loss') * (1 + 1e-9), step: 0, timestamp: 1 },
      { key: 'accuracy', value: last('accuracy'), step: 0, timestamp: 1 },
    ]);
    const matched = await new CompareFeed([rerun.id, ids[0]]).snapshot(store, { axis: 'step', smoothing: 0 });
    assert.deepEqual(matched.reproduction, {
      originalId: ids[0],
      reproductionId: rerun.id,
      reproduced: true,
      summary: 'reproduced: all 2 metrics match',
    });
    store.logMetrics(rerun.id, [{ key: 'loss', value: 0.35, step: 1, timestamp: 2 }]);
    const differs = await new CompareFeed([ids[0], rerun.id]).snapshot(store, { axis: 'step', smoothing: 0 });
    assert.equal(differs.reproduction?.summary, `differs: loss ${last('loss')} vs 0.35`);
    assert.equal((await new CompareFeed([ids[1], rerun.id]).snapshot(store, { axis: 'step', smoothing: 0 })).reproduction, null);
  });

  it("gives each later run's environment differences from the first run's, and none when the first recorded none", async () => {
    const ids = seedCompareRuns(store);
    const python = { version: '3.11.2', implementation: 'cpython', executable: '/usr/bin/python3', prefix: '/usr', virtualenv: false };
    mergeEnvironment(store, ids[0], { python: { ...python, packages: { numpy: '1.24.2' } }, variables: { SEED: '1' } });
    mergeEnvironment(store, ids[1], { python: { ...python, packages: { numpy: '1.24.2' } }, variables: { SEED: '1' } });
    mergeEnvironment(store, ids[2], { python: { ...python, version: '3.12.1', packages: {} }, variables: { SEED: '2' } });
    const snapshot = await new CompareFeed(ids).snapshot(store, { axis: 'step', smoothing: 0 });
    assert.deepEqual(snapshot.environment, [
      { runId: ids[1], differences: [] },
      {
        runId: ids[2],
        differences: [
          { field: 'python.version', first: '3.11.2', other: '3.12.1' },
          { field: 'package numpy', first: '1.24.2', other: null },
          { field: 'variable SEED', first: '1', other: '2' },
        ],
      },
    ]);
    const bare = store.createRun({ name: 'bare', experimentName: 'sweep' });
    assert.deepEqual((await new CompareFeed([bare.id, ids[0]]).snapshot(store, { axis: 'step', smoothing: 0 })).environment, []);
  });

  it('names runs that are gone and notices changes', async () => {
    const ids = seedCompareRuns(store);
    const gone = 'd'.repeat(32);
    const feed = new CompareFeed([...ids, gone]);
    assert.deepEqual((await feed.snapshot(store, { axis: 'step', smoothing: 0 })).missing, [gone]);
    assert.equal(feed.changed(store), false);
    store.setTags(ids[0], { note: 'x' });
    assert.equal(feed.changed(store), true);
  });

  it('samples long series per run with min and max kept, smoothing at full resolution', async () => {
    const run = store.createRun({ name: 'long', startTime: 0 });
    const other = store.createRun({ name: 'short', startTime: 0 });
    const values = Array.from({ length: 20_000 }, (_, i) => Math.sin(i / 50) + (i === 12_345 ? 50 : 0) + (i === 777 ? -40 : 0));
    store.logMetrics(
      run.id,
      values.map((value, step) => ({ key: 'loss', value, step, timestamp: 1000 + step })),
    );
    store.logMetrics(other.id, [{ key: 'loss', value: 1, step: 0, timestamp: 5 }]);
    const feed = new CompareFeed([run.id, other.id], { pointBudget: 2000 });
    const metric = (await feed.snapshot(store, { axis: 'step', smoothing: 0.9 })).metrics[0];
    const long = metric.series[0];
    assert.equal(long.sampled, true);
    assert.ok(long.points.steps.length <= 2 * 500 + 4, `${long.points.steps.length} points`);
    const raw = decoded(long.points);
    assert.ok(raw.some((p) => p.value === values[12_345]) && raw.some((p) => p.value === values[777]), 'spikes survive sampling');
    const full = smoothEma(values, 0.9);
    for (const p of decoded(long.smoothed!)) assert.ok(Math.abs(p.value - full[p.step]) < 1e-12, `smoothed at step ${p.step}`);
    assert.equal(metric.series[1].sampled, false);
  });

  // What the feed sent when it sampled Store.history row objects: the reference the typed-column reads must match.
  function referenceSeries(
    history: HistoryPoint[],
    run: Run,
    view: CompareView,
    buckets: number,
    range?: { xMin: number; xMax: number },
  ): Omit<CompareSeries, 'runId' | 'sampled'> {
    const options = { x: view.axis, origin: run.startTime, range };
    const wire = (points: HistoryPoint[]): RunPanelPoints => ({
      steps: points.map((p) => p.step),
      timestamps: points.map((p) => p.timestamp),
      values: points.map((p) => encodeNumber(p.value)),
    });
    if (view.smoothing === 0) return { points: wire(downsampleMinMax(history, buckets, options)), smoothed: null };
    const ordered = history
      .map((point, index) => ({ point, index }))
      .sort((a, b) => xOf(a.point, view.axis) - xOf(b.point, view.axis) || a.index - b.index);
    const values = smoothEma(
      ordered.map((o) => o.point.value),
      view.smoothing,
    );
    const smoothed = ordered.map((o, i) => ({ step: o.point.step, timestamp: o.point.timestamp, value: values[i] }));
    return { points: wire(downsampleMinMax(history, buckets, options)), smoothed: wire(downsampleMinMax(smoothed, buckets, options)) };
  }

  it('samples messy series as sampling the full history did: out-of-order steps and times, NaN, ±Infinity, zoom', async () => {
    const runs = [0, 1].map((i) => store.createRun({ name: `messy-${i}`, startTime: 500 * i }));
    runs.forEach((run, r) => {
      const first = Array.from({ length: 3000 }, (_, step) => ({
        key: 'loss',
        step,
        timestamp: 1000 + 7 * step - (step % 13) * 5,
        value: Math.cos(step / (40 + r)) + (step % 97 === 0 ? 30 : 0),
      }));
      first[10].value = Number.NaN;
      first[1500].value = Infinity;
      first[2200].value = -Infinity;
      // The run was resumed from a checkpoint at step 2000 and logged those steps again, later.
      const resumed = Array.from({ length: 1500 }, (_, i) => ({ key: 'loss', step: 2000 + i, timestamp: 30_000 + i, value: Math.sin(i / 30) }));
      store.logMetrics(run.id, [...first, ...resumed]);
    });
    store.logMetrics(runs[1].id, [{ key: 'single', step: 3, timestamp: 4, value: Number.NaN }]);
    const feed = new CompareFeed(
      runs.map((run) => run.id),
      { pointBudget: 200 },
    );
    const buckets = 64;
    for (const view of [
      { axis: 'step', smoothing: 0 },
      { axis: 'step', smoothing: 0.95 },
      { axis: 'timestamp', smoothing: 0.6 },
      { axis: 'relative', smoothing: 0.3 },
    ] as CompareView[]) {
      const metrics = (await feed.series(store, view)).metrics;
      const loss = metrics.find((m) => m.key === 'loss')!;
      loss.series.forEach((series, i) => {
        assert.deepEqual(
          { points: series.points, smoothed: series.smoothed },
          referenceSeries(store.history(runs[i].id, 'loss'), runs[i], view, buckets),
          `${JSON.stringify(view)} run ${i}`,
        );
        assert.equal(series.sampled, true);
      });
      const single = metrics.find((m) => m.key === 'single')!.series[0];
      assert.deepEqual(single.points.values, ['NaN']);
      assert.equal(single.sampled, false);
      const zoom = view.axis === 'step' ? { xMin: 1990.5, xMax: 2100 } : { xMin: 20_000, xMax: 30_100 };
      const detail = await feed.rangeDetail(store, 'loss', view, zoom.xMin, zoom.xMax);
      detail.series.forEach((series, i) => {
        assert.deepEqual(
          { points: series.points, smoothed: series.smoothed },
          referenceSeries(store.history(runs[i].id, 'loss'), runs[i], view, buckets, zoom),
          `zoom ${JSON.stringify(view)} run ${i}`,
        );
      });
    }
  });

  it('answers zoom, other axes and values at a step', async () => {
    const ids = seedCompareRuns(store);
    const feed = new CompareFeed(ids);
    const detail = await feed.rangeDetail(store, 'loss', { axis: 'step', smoothing: 0 }, 10, 12);
    assert.deepEqual(
      detail.series.map((s) => s.points.steps),
      [
        [9, 10, 11, 12, 13],
        [9, 10, 11, 12, 13],
        [8, 10, 12, 14],
      ],
    );
    const relative = await feed.series(store, { axis: 'relative', smoothing: 0 });
    assert.equal(relative.type, 'comparePanel/seriesReplaced');
    const values = feed.stepValues(store, 5).values;
    assert.deepEqual(values.find((v) => v.runId === ids[0] && v.key === 'accuracy')?.value, RUNS[0].metrics.accuracy[1].value);
    assert.deepEqual(values.find((v) => v.runId === ids[2] && v.key === 'accuracy')?.value, RUNS[2].metrics.accuracy[0].value);
    assert.equal(values.filter((v) => v.runId === ids[1]).length, 1);
  });
});
