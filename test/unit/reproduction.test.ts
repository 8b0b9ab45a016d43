import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TOLERANCE, parseTolerance, reproductionPair, reproductionVerdict, valuesMatch } from '../../src/core/reproduction';

const ORIGINAL = { id: 'a'.repeat(32), name: 'first', tags: {} };
const RERUN = { id: 'b'.repeat(32), name: 'again', tags: { 'labbook.reproduces': 'a'.repeat(32) } };

describe('reproduction verdict', () => {
  it('finds the pair whichever order the runs come in, and none when neither reproduces the other', () => {
    assert.deepEqual(reproductionPair([ORIGINAL, RERUN]), { original: ORIGINAL, reproduction: RERUN });
    assert.deepEqual(reproductionPair([RERUN, ORIGINAL]), { original: ORIGINAL, reproduction: RERUN });
    assert.equal(reproductionPair([ORIGINAL, { ...RERUN, tags: {} }]), undefined);
    assert.equal(reproductionPair([ORIGINAL, { ...RERUN, tags: { 'labbook.reproduces': 'c'.repeat(32) } }]), undefined);
  });

  it('matches within a relative or an absolute tolerance; NaN matches NaN, infinities match themselves', () => {
    assert.ok(valuesMatch(0.31, 0.31 * (1 + 5e-7), DEFAULT_TOLERANCE));
    assert.ok(!valuesMatch(0.31, 0.31 * (1 + 5e-6), DEFAULT_TOLERANCE));
    assert.ok(valuesMatch(0, 5e-10, DEFAULT_TOLERANCE));
    assert.ok(!valuesMatch(0, 5e-9, DEFAULT_TOLERANCE));
    assert.ok(valuesMatch(Number.NaN, Number.NaN, DEFAULT_TOLERANCE));
    assert.ok(!valuesMatch(Number.NaN, 1, DEFAULT_TOLERANCE));
    assert.ok(valuesMatch(Infinity, Infinity, DEFAULT_TOLERANCE));
    assert.ok(!valuesMatch(Infinity, -Infinity, DEFAULT_TOLERANCE));
    assert.ok(valuesMatch(0.31, 0.35, { relative: 0.2, absolute: 0 }));
  });

  it('says all metrics match, ignoring system metrics', () => {
    const verdict = reproductionVerdict({ loss: 0.31, acc: 0.9, 'system/cpu': 12 }, { loss: 0.31, acc: 0.9, 'system/cpu': 80 });
    assert.equal(verdict.reproduced, true);
    assert.equal(verdict.summary, 'reproduced: all 2 metrics match');
    assert.deepEqual(
      verdict.metrics.map((m) => m.key),
      ['acc', 'loss'],
    );
  });

  it('names the metrics that differ, and those only one run logged', () => {
    const verdict = reproductionVerdict({ loss: 0.31, acc: 0.9, f1: 0.5 }, { loss: 0.35, acc: 0.9, auc: 0.7 });
    assert.equal(verdict.reproduced, false);
    assert.equal(verdict.summary, 'differs: loss 0.31 vs 0.35; auc missing in the original; f1 missing in the rerun');
    assert.deepEqual(
      verdict.metrics.filter((m) => m.matches).map((m) => m.key),
      ['acc'],
    );
  });

  it('reports no metrics at all as nothing to compare, not as reproduced', () => {
    const verdict = reproductionVerdict({}, {});
    assert.equal(verdict.reproduced, false);
    assert.equal(verdict.summary, 'no metrics to compare');
  });

  it('parses --tolerance as a relative tolerance, with an optional absolute one', () => {
    assert.deepEqual(parseTolerance(undefined), DEFAULT_TOLERANCE);
    assert.deepEqual(parseTolerance('1e-3'), { relative: 1e-3, absolute: DEFAULT_TOLERANCE.absolute });
    assert.deepEqual(parseTolerance('0.01,1e-4'), { relative: 0.01, absolute: 1e-4 });
    assert.throws(() => parseTolerance('abc'), /--tolerance takes/);
    assert.throws(() => parseTolerance('-1'), /--tolerance takes/);
    assert.throws(() => parseTolerance('1,2,3'), /--tolerance takes/);
  });
});
