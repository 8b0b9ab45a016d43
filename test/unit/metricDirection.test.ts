// Which way a metric is better, by its name, and which metric a run table leads with.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bestFirstDescending, metricDirection, primaryMetricOf } from '../../src/core/metricDirection';

describe('metric direction', () => {
  it('knows lower-is-better names by their words', () => {
    for (const key of ['loss', 'val_loss', 'train/loss', 'error_rate', 'val_mae', 'MSE', 'rmse', 'perplexity', 'test_wer', 'cer', 'valLoss'])
      assert.equal(metricDirection(key), 'lower', key);
  });

  it('knows higher-is-better names by their words', () => {
    for (const key of ['acc', 'val_accuracy', 'f1', 'macro_f1', 'auc', 'roc_auc', 'precision', 'recall', 'mAP', 'bleu', 'rouge_l', 'top1_acc'])
      assert.equal(metricDirection(key), 'higher', key);
  });

  it('does not guess from words that merely contain a short name', () => {
    for (const key of ['lower_bound', 'answer_len', 'heatmap_max', 'accel', 'lr', 'epoch', 'cancer_rate'])
      assert.equal(metricDirection(key), undefined, key);
  });

  it('sorts best first: ascending for lower-is-better, descending for higher', () => {
    assert.equal(bestFirstDescending('lower'), false);
    assert.equal(bestFirstDescending('higher'), true);
  });
});

describe('primary metric', () => {
  it('takes the setting when the runs logged it', () => {
    assert.equal(primaryMetricOf(['loss', 'acc'], 'acc'), 'acc');
    assert.equal(primaryMetricOf(['loss', 'acc'], 'bleu'), 'loss');
  });

  it('prefers a validation or test metric, then a loss, then an accuracy, never system metrics', () => {
    assert.equal(primaryMetricOf(['acc', 'loss', 'val_acc', 'val_loss']), 'val_loss');
    assert.equal(primaryMetricOf(['acc', 'loss', 'test_accuracy']), 'test_accuracy');
    assert.equal(primaryMetricOf(['acc', 'train_loss', 'lr']), 'train_loss');
    assert.equal(primaryMetricOf(['lr', 'acc']), 'acc');
    assert.equal(primaryMetricOf(['system/cpu_percent', 'lr']), 'lr');
    assert.equal(primaryMetricOf(['system/cpu_percent']), undefined);
    assert.equal(primaryMetricOf([]), undefined);
  });
});
