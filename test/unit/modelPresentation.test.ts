import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyMetric, runSource, versionDescription, versionTooltip, type VersionFacts } from '../../src/core/modelPresentation';

const NOW = Date.UTC(2026, 11, 6, 12);
const FACTS: VersionFacts = {
  name: 'churn',
  version: 3,
  stage: 'Production',
  aliases: ['champion', 'blue'],
  source: 'runs:/r1/models/model.pkl',
  createdAt: NOW - 3 * 86_400_000,
  description: '',
  run: { id: 'r1', name: 'train-7', metrics: { loss: 0.4, val_loss: 0.2314567, 'system/cpu': 99 } },
  modelSha256: 'ab'.repeat(32),
};

describe('model version rows', () => {
  it('show stage, aliases, the source run’s primary metric and age', () => {
    assert.equal(versionDescription(FACTS, NOW), 'Production · @champion @blue · val_loss 0.231457 · 3d ago');
  });

  it('leave out what a version lacks: stage None, aliases, a source run from another store', () => {
    assert.equal(versionDescription({ ...FACTS, stage: 'None', aliases: [], run: undefined }, NOW), '3d ago');
    assert.equal(keyMetric({ 'system/cpu': 1 }), undefined);
    assert.deepEqual(keyMetric({ acc: 0.9, val_acc: 0.8 }), { key: 'val_acc', value: 0.8 });
  });

  it('tooltip names the source, run, model file hash and creation; long text is cut', () => {
    const tooltip = versionTooltip({ ...FACTS, description: 'x'.repeat(2000) });
    assert.match(
      tooltip,
      /^churn version 3\nStage: Production\nAliases: @champion, @blue\nSource: runs:\/r1\/models\/model.pkl\nRun: train-7 \(val_loss 0.231457\)\nModel file: sha256 abababababababab…\nCreated: /,
    );
    assert.ok(tooltip.length < 1000);
  });

  it('writes sources as MLflow does', () => {
    assert.equal(runSource('r1', '/models/m.pkl'), 'runs:/r1/models/m.pkl');
  });
});
