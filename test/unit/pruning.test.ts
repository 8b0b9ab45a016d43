// Pruning: a trial's logged points become intermediate values once a later step follows them, each step once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { intermediateState, intermediateValues } from '../../src/core/pruning';

const point = (step: number, value: number) => ({ step, value, timestamp: 0 });

describe('intermediate values of a running trial', () => {
  test('the newest point waits until the metric is logged at a later step', () => {
    const state = intermediateState();
    assert.deepEqual(intermediateValues(state, [point(0, 5)]), []);
    assert.deepEqual(intermediateValues(state, [point(1, 4), point(2, 3)]), [point(0, 5), point(1, 4)]);
    assert.deepEqual(intermediateValues(state, []), []);
    assert.deepEqual(intermediateValues(state, [point(3, 2)]), [point(2, 3)]);
  });

  test('a script that logs the metric once is never reported; a step logged twice counts with its last value, once', () => {
    const once = intermediateState();
    assert.deepEqual(intermediateValues(once, [point(0, 1)]), []);
    const twice = intermediateState();
    assert.deepEqual(intermediateValues(twice, [point(0, 9), point(0, 8), point(1, 7), point(0, 6), point(2, 5)]), [point(0, 8), point(1, 7)]);
  });
});
