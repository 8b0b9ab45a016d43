import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { compareBuckets, runColor, runHue, runLabels, valueAtStep } from '../../src/core/compare';
import { smoothEma } from '../../src/core/series';
import { CompareFeed } from '../../src/extension/panels/compareFeed';
import { parseCompareMessage } from '../../src/protocol/comparePanel';
import { decodeNumber } from '../../src/protocol/runPanel';
import type { RunPanelPoints } from '../../src/protocol/runPanel';
import { Store } from '../../src/store/store';
import { RUNS, expectedSnapshot, seedCompareRuns } from '../fixtures/compare/runs';

const A = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const B = 'a1b2c3d4e5f6071800000000000000ff';

describe('run colours and labels', () => {
  it('derives a colour from the id only', () => {
    assert.equal(runColor(A), runColor(A));
    assert.notEqual(runHue(A), runHue(B));
    assert.match(runColor(A), /^hsl\(\d+ 70% (48|62)%\)$/);
    assert.match(runColor(A, 0.3), /^hsl\(\d+ 70% (48|62)% \/ 0\.3\)$/);
    const hues = new Set(Array.from({ length: 20 }, (_, i) => runHue(i.toString(16).padStart(32, '0'))));
    assert.ok(hues.size >= 18, 'consecutive ids get distinct hues');
  });

  it('adds the shortest distinguishing id prefix only where names collide', () => {
    assert.deepEqual(runLabels([{ id: A, name: 'x' }, { id: B, name: 'y' }]), ['x', 'y']);
    assert.deepEqual(runLabels([{ id: A, name: 'same' }, { id: B, name: 'same' }, { id: 'f'.repeat(32), name: 'other' }]), [
      'same · a1b2c3d4e5f607182',
      'same · a1b2c3d4e5f607180',
      'other',
    ]);
    assert.deepEqual(runLabels([{ id: 'c'.repeat(32), name: '' }]), [`· ${'c'.repeat(7)}`]);
  });
});

describe('valueAtStep', () => {
  const points = [
    { step: 0, timestamp: 1, value: 1 },
    { step: 10, timestamp: 2, value: 2 },
    { step: 10, timestamp: 3, value: 3 },
    { step: 20, timestamp: 4, value: Number.NaN },
  ];
  it('takes the latest point at or before the step', () => {
    assert.equal(valueAtStep(points, 15), 3);
    assert.equal(valueAtStep(points, 0), 1);
    assert.ok(Number.isNaN(valueAtStep(points, 99)));
    assert.equal(valueAtStep(points, -1), undefined);
    assert.equal(valueAtStep([], 5), undefined);
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
    assert.deepEqual(parseCompareMessage({ type: 'comparePanel/ready', axis: 'timestamp', smoothing: 0.5, extra: 1 }), { ok: true, message: { type: 'comparePanel/ready', axis: 'timestamp', smoothing: 0.5 } });
    assert.deepEqual(parseCompareMessage({ type: 'comparePanel/requestRange', key: 'loss', axis: 'step', xMin: 1, xMax: 2 }).ok, true);
    assert.deepEqual(parseCompareMessage({ type: 'comparePanel/openRun', runId: A }), { ok: true, message: { type: 'comparePanel/openRun', runId: A } });
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

  const decoded = (points: RunPanelPoints): { step: number; value: number }[] => points.steps.map((step, i) => ({ step, value: decodeNumber(points.values[i]) }));

  it('sends the fixture snapshot, and it survives JSON', async () => {
    const ids = seedCompareRuns(store);
    const snapshot = await new CompareFeed(ids).snapshot(store, { axis: 'step', smoothing: 0 });
    assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), expectedSnapshot(ids));
    assert.match(snapshot.runs[0].label, /^baseline · [0-9a-f]{7,}$/);
    assert.equal(snapshot.runs[2].label, RUNS[2].name);
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
    store.logMetrics(run.id, values.map((value, step) => ({ key: 'loss', value, step, timestamp: 1000 + step })));
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

  it('answers zoom, other axes and values at a step', async () => {
    const ids = seedCompareRuns(store);
    const feed = new CompareFeed(ids);
    const detail = feed.rangeDetail(store, 'loss', { axis: 'step', smoothing: 0 }, 10, 12);
    assert.deepEqual(
      detail.series.map((s) => s.points.steps),
      [[9, 10, 11, 12, 13], [9, 10, 11, 12, 13], [8, 10, 12, 14]],
    );
    const relative = await feed.series(store, { axis: 'relative', smoothing: 0 });
    assert.equal(relative.type, 'comparePanel/seriesReplaced');
    const values = feed.stepValues(store, 5).values;
    assert.deepEqual(values.find((v) => v.runId === ids[0] && v.key === 'accuracy')?.value, RUNS[0].metrics.accuracy[1].value);
    assert.deepEqual(values.find((v) => v.runId === ids[2] && v.key === 'accuracy')?.value, RUNS[2].metrics.accuracy[0].value);
    assert.equal(values.filter((v) => v.runId === ids[1]).length, 1);
  });
});
