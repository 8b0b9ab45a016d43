import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideGate, GateDataError, type GateCondition } from '../../src/core/gate';

const acc = (minDelta = 0): GateCondition => ({ metric: 'acc', direction: 'higher', minDelta });
const loss = (minDelta = 0): GateCondition => ({ metric: 'loss', direction: 'lower', minDelta });

describe('gate decision table', () => {
  test('a better candidate passes, a worse one fails', () => {
    assert.equal(decideGate([acc()], { acc: 0.92 }, { acc: 0.9 }).passed, true);
    const worse = decideGate([acc()], { acc: 0.88 }, { acc: 0.9 });
    assert.equal(worse.passed, false);
    assert.match(worse.conditions[0].reason, /is worse/);
  });

  test('a tie never passes: better means strictly better', () => {
    const tie = decideGate([acc()], { acc: 0.9 }, { acc: 0.9 });
    assert.equal(tie.passed, false);
    assert.match(tie.conditions[0].reason, /ties/);
    assert.equal(decideGate([loss()], { loss: Infinity }, { loss: Infinity }).passed, false);
  });

  test('exactly min-delta passes, despite float rounding (0.3 - 0.2 < 0.1 in binary)', () => {
    assert.equal(decideGate([acc(0.1)], { acc: 0.3 }, { acc: 0.2 }).passed, true);
    assert.equal(decideGate([loss(0.01)], { loss: 0.89 }, { loss: 0.9 }).passed, true);
    const short = decideGate([acc(0.1)], { acc: 0.29 }, { acc: 0.2 });
    assert.equal(short.passed, false);
    assert.match(short.conditions[0].reason, /improves too little/);
  });

  test('lower is better: a smaller loss passes', () => {
    const result = decideGate([loss()], { loss: 0.2 }, { loss: 0.3 });
    assert.equal(result.passed, true);
    assert.ok(Math.abs(result.conditions[0].delta! + 0.1) < 1e-12);
    assert.ok(result.conditions[0].improvement! > 0);
    assert.equal(decideGate([loss()], { loss: 0.4 }, { loss: 0.3 }).passed, false);
  });

  test('several conditions must all hold', () => {
    assert.equal(decideGate([acc(), loss()], { acc: 0.95, loss: 0.2 }, { acc: 0.9, loss: 0.3 }).passed, true);
    const mixed = decideGate([acc(), loss()], { acc: 0.95, loss: 0.4 }, { acc: 0.9, loss: 0.3 });
    assert.equal(mixed.passed, false);
    assert.deepEqual(
      mixed.conditions.map((c) => c.passed),
      [true, false],
    );
  });

  test('no current version: the first deployment passes, said so', () => {
    const first = decideGate([acc(0.5)], { acc: 0.1 }, null);
    assert.equal(first.passed, true);
    assert.equal(first.firstDeployment, true);
    assert.equal(first.conditions[0].reason, 'first deployment');
  });

  test('a missing or NaN metric on either side is a data error, even on a first deployment', () => {
    assert.throws(
      () => decideGate([acc()], {}, { acc: 0.9 }),
      (e) => e instanceof GateDataError && /candidate has no metric 'acc'/.test(e.message),
    );
    assert.throws(() => decideGate([acc()], { acc: 0.9 }, {}), /current version has no metric 'acc'/);
    assert.throws(() => decideGate([acc()], { acc: Number.NaN }, { acc: 0.9 }), /NaN/);
    assert.throws(() => decideGate([acc()], { acc: 0.9 }, { acc: Number.NaN }), /NaN/);
    assert.throws(() => decideGate([acc()], {}, null), GateDataError);
  });

  test('a candidate that is itself the current version does not pass (it ties)', () => {
    const same = { acc: 0.93, loss: 0.2 };
    assert.equal(decideGate([acc(), loss()], same, same).passed, false);
  });

  test('no condition or a negative min-delta is refused', () => {
    assert.throws(() => decideGate([], { acc: 1 }, null), /at least one --metric/);
    assert.throws(() => decideGate([acc(-0.1)], { acc: 1 }, { acc: 0 }), /--min-delta must be a number of 0 or more/);
  });
});
