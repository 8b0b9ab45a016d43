import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HistoryPoint } from '../../src/core/types';
import { decodePoints, flatBounds, hasOneStep, isSortedByX, nonFiniteCounts, smoothPoints, toXY, withDetail } from '../../webview/shared/chartSeries';

const p = (step: number, value: number, timestamp = 1000 + step * 10): HistoryPoint => ({ step, timestamp, value });

describe('chart series helpers (webview)', () => {
  it('decodes wire points, restoring NaN and ±Infinity', () => {
    const points = decodePoints({ steps: [0, 1, 2, 3], timestamps: [10, 20, 30, 40], values: [0.5, 'NaN', 'Infinity', '-Infinity'] });
    assert.deepEqual(points, [p(0, 0.5, 10), p(1, Number.NaN, 20), p(2, Infinity, 30), p(3, -Infinity, 40)]);
  });

  it('draws non-finite values as gaps, on steps or on time since the start', () => {
    const points = [p(0, 1), p(1, Number.NaN), p(2, Infinity)];
    assert.deepEqual(toXY(points, 'step', 0), [
      { x: 0, y: 1 },
      { x: 1, y: Number.NaN },
      { x: 2, y: Number.NaN },
    ]);
    assert.deepEqual(
      toXY(points, 'relative', 1000).map((xy) => xy.x),
      [0, 10, 20],
    );
  });

  it('smooths in order and leaves non-finite values be', () => {
    const smoothed = smoothPoints([p(0, 1), p(1, Number.NaN), p(2, 3)], 0.5);
    assert.equal(smoothed[0].value, 1);
    assert.ok(Number.isNaN(smoothed[1].value));
    assert.equal(smoothed[2].value, (0.5 * 0.5 * 1 + 0.5 * 3) / (1 - 0.25));
  });

  it('splices a finer sample into the overview without duplicating its window', () => {
    const overview = [p(0, 0), p(100, 1), p(200, 2), p(300, 3)];
    const detail = [p(99, 9), p(120, 1.2), p(150, 1.5), p(201, 2.1)];
    const merged = withDetail(overview, detail, { axis: 'step', xMin: 110, xMax: 190, points: detail }, 0);
    assert.deepEqual(
      merged.map((q) => q.step),
      [0, 99, 120, 150, 201, 300],
    );
    assert.ok(isSortedByX(toXY(merged, 'step', 0)));
  });

  it('counts what cannot be drawn', () => {
    assert.deepEqual(nonFiniteCounts([p(0, Number.NaN), p(1, Infinity), p(2, -Infinity), p(3, 1)]), { nan: 1, infinite: 2 });
  });

  it('notices a series logged without steps', () => {
    assert.equal(hasOneStep([p(0, 1), p(0, 2)]), true);
    assert.equal(hasOneStep([p(0, 1)]), false);
    assert.equal(hasOneStep([p(0, 1), p(1, 2)]), false);
  });

  it('knows unsorted data (a resumed run logging steps again)', () => {
    assert.equal(
      isSortedByX([
        { x: 0, y: 0 },
        { x: 2, y: 0 },
        { x: 1, y: 0 },
      ]),
      false,
    );
  });
});

describe('flatBounds', () => {
  it('pads a constant series whose smoothing wobbles in the last bits', () => {
    const raw = [
      { x: 0, y: 7.5 },
      { x: 1, y: 7.5 },
    ];
    const smoothed = [
      { x: 0, y: 7.5 },
      { x: 1, y: 7.500000000000001 },
    ];
    assert.deepEqual(flatBounds([raw, smoothed]), { min: 7.5 - 0.375, max: 7.500000000000001 + 0.375 });
    assert.deepEqual(flatBounds([[{ x: 0, y: 0 }]]), { min: -1, max: 1 });
  });

  it('leaves real curves and empty charts to chart.js', () => {
    assert.equal(
      flatBounds([
        [
          { x: 0, y: 1 },
          { x: 1, y: 1.001 },
        ],
      ]),
      undefined,
    );
    assert.equal(flatBounds([[{ x: 0, y: Number.NaN }]]), undefined);
    assert.equal(flatBounds([]), undefined);
  });
});
