import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flatRange, integerStepRange, isSystemMetric, logTicks, partitionMetricKeys } from '../../src/core/axisScale';

describe('system metric keys', () => {
  it('are the keys under system/, kept apart in their order', () => {
    assert.equal(isSystemMetric('system/cpu_percent'), true);
    assert.equal(isSystemMetric('systems/loss'), false);
    assert.equal(isSystemMetric('loss/system'), false);
    assert.deepEqual(partitionMetricKeys(['acc', 'system/rss_mb', 'loss', 'system/cpu_percent']), {
      user: ['acc', 'loss'],
      system: ['system/rss_mb', 'system/cpu_percent'],
    });
  });
});

describe('flatRange', () => {
  it('pads a flat series by 5% of its value so the axis is not "33 / 33"', () => {
    assert.deepEqual(flatRange(33, 33), { min: 31.35, max: 34.65 });
    assert.deepEqual(flatRange(-2, -2), { min: -2.1, max: -1.9 });
  });
  it('pads zero by 1 and tiny values by at least a relative epsilon', () => {
    assert.deepEqual(flatRange(0, 0), { min: -1, max: 1 });
    const tiny = flatRange(1e-300, 1e-300)!;
    assert.ok(tiny.max > tiny.min);
  });
  it('leaves a series that varies alone (float noise below 1e-9 counts as flat)', () => {
    assert.equal(flatRange(1, 2), undefined);
    assert.ok(flatRange(0.3, 0.30000000000000004));
    assert.equal(flatRange(Infinity, -Infinity), undefined);
  });
});

describe('integerStepRange', () => {
  it('widens a single step to whole steps either side, so ticks are not 0.5 apart', () => {
    assert.deepEqual(integerStepRange(0, 0), { min: -1, max: 1 });
    assert.deepEqual(integerStepRange(7, 7), { min: 6, max: 8 });
    assert.equal(integerStepRange(0, 10), undefined);
  });
});

describe('logTicks', () => {
  it('puts ticks at powers of ten across many decades, thinned to fit', () => {
    assert.deepEqual(logTicks(1e-3, 10, 10), [1e-3, 1e-2, 1e-1, 1, 10]);
    const thinned = logTicks(1e-12, 1e12, 6);
    assert.ok(thinned.length <= 6, thinned.join());
    assert.ok(
      thinned.every((t) => Number.isInteger(Math.log10(t))),
      thinned.join(),
    );
  });
  it('uses 1-2-5 within a few decades, and only as many as fit', () => {
    assert.deepEqual(logTicks(1, 100, 10), [1, 2, 5, 10, 20, 50, 100]);
    assert.deepEqual(logTicks(1, 100, 4), [1, 10, 100]);
  });
  it('adds the ends when fewer than two 1-2-5 values fall inside, unless one would crowd a tick', () => {
    assert.deepEqual(logTicks(0.3, 0.9, 10), [0.3, 0.5, 0.9]);
    assert.deepEqual(logTicks(0.49, 0.9, 10), [0.5, 0.9]);
    assert.deepEqual(logTicks(0.5, 0.85, 10), [0.5, 0.85]);
    assert.deepEqual(logTicks(0.6, 0.9, 10), [0.6, 0.9]);
    assert.deepEqual(logTicks(0, 10, 10), []);
  });
});
