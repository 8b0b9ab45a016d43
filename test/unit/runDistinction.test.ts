import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choosePrimaryMetric, distinguishingParams, paramSummary, NOTE_TAG } from '../../src/core/runDistinction';

const runs = (...params: Record<string, string>[]): { params: Record<string, string> }[] => params.map((p) => ({ params: p }));

describe('distinguishingParams', () => {
  it('is empty when there are fewer than two runs or nothing differs', () => {
    assert.deepEqual(distinguishingParams([]), []);
    assert.deepEqual(distinguishingParams(runs({ lr: '0.1' })), []);
    assert.deepEqual(distinguishingParams(runs({ lr: '0.1', bs: '64' }, { lr: '0.1', bs: '64' })), []);
  });

  it('names only the params that differ', () => {
    assert.deepEqual(distinguishingParams(runs({ lr: '0.1', bs: '64', seed: '1' }, { lr: '0.01', bs: '64', seed: '1' })), ['lr']);
  });

  it('picks the shortest set that tells the runs apart, not every differing key', () => {
    // epochs always moves with lr: one of them and bs tell all four apart, the other adds nothing.
    const grid = runs(
      { lr: '0.1', epochs: '10', bs: '32' },
      { lr: '0.1', epochs: '10', bs: '64' },
      { lr: '0.01', epochs: '20', bs: '32' },
      { lr: '0.01', epochs: '20', bs: '64' },
    );
    assert.deepEqual(distinguishingParams(grid), ['bs', 'epochs']);
  });

  it('counts a missing param as a value of its own', () => {
    assert.deepEqual(distinguishingParams(runs({ lr: '0.1' }, { lr: '0.1', dropout: '0.5' })), ['dropout']);
  });

  it('prefers the key that splits most, and keeps the result in key order', () => {
    const sweep = runs({ a: '1', b: '1' }, { a: '2', b: '1' }, { a: '3', b: '2' }, { a: '3', b: '1' });
    assert.deepEqual(distinguishingParams(sweep), ['a', 'b']);
    assert.deepEqual(distinguishingParams(runs({ z: '1', y: '1' }, { z: '2', y: '2' })), ['y']);
  });

  it('stops at a bound of keys', () => {
    const many = runs(
      { a: '1', b: '1', c: '1', d: '1', e: '1' },
      { a: '2', b: '1', c: '1', d: '1', e: '1' },
      { a: '1', b: '2', c: '1', d: '1', e: '1' },
      { a: '1', b: '1', c: '2', d: '1', e: '1' },
      { a: '1', b: '1', c: '1', d: '2', e: '1' },
      { a: '1', b: '1', c: '1', d: '1', e: '2' },
    );
    assert.equal(distinguishingParams(many, 3).length, 3);
  });
});

describe('paramSummary', () => {
  it('writes key=value pairs, bounded in length', () => {
    assert.equal(paramSummary({ lr: '0.1', bs: '64' }, ['bs', 'lr']), 'bs=64 lr=0.1');
    assert.equal(paramSummary({ lr: '0.1' }, ['bs', 'lr']), 'lr=0.1');
    assert.equal(paramSummary({ model: 'a-very-long-model-name-indeed' }, ['model']), 'model=a-very-long-m…');
    assert.ok(paramSummary({ a: 'x'.repeat(30), b: 'y'.repeat(30), c: 'z'.repeat(30) }, ['a', 'b', 'c']).length <= 48);
  });
});

describe('choosePrimaryMetric', () => {
  it('is undefined without metrics, and never a system/ metric', () => {
    assert.equal(choosePrimaryMetric([]), undefined);
    assert.equal(choosePrimaryMetric(['system/memory_mb', 'system/cpu']), undefined);
  });

  it('prefers validation, then test metrics, then loss and accuracy', () => {
    assert.equal(choosePrimaryMetric(['acc', 'loss', 'val_acc', 'val_loss', 'system/cpu']), 'val_loss');
    assert.equal(choosePrimaryMetric(['acc', 'loss', 'test_accuracy']), 'test_accuracy');
    assert.equal(choosePrimaryMetric(['acc', 'f1', 'loss']), 'loss');
    assert.equal(choosePrimaryMetric(['acc', 'f1']), 'acc');
    assert.equal(choosePrimaryMetric(['f1', 'lr']), 'f1');
    assert.equal(choosePrimaryMetric(['train/loss', 'val/accuracy']), 'val/accuracy');
    assert.equal(choosePrimaryMetric(['eval_f1', 'validation_accuracy']), 'validation_accuracy');
  });
});

describe('NOTE_TAG', () => {
  it("is MLflow's note tag", () => assert.equal(NOTE_TAG, 'mlflow.note.content'));
});
