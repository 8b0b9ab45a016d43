import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { versionContextValue, versionDescription, versionTooltip, type VersionFacts } from '../../src/core/modelPresentation';

const NOW = Date.UTC(2026, 11, 6, 12);
const FACTS: VersionFacts = {
  name: 'churn',
  version: 3,
  stage: 'Production',
  aliases: ['champion', 'blue'],
  source: 'runs:/r1/models/model.pkl',
  createdAt: NOW - 3 * 86_400_000,
  description: '',
  runName: 'train-7',
  keyMetric: { key: 'val_loss', value: 0.2314567 },
  modelSha256: 'ab'.repeat(32),
};

describe('model version rows', () => {
  it('show stage, aliases, the source run’s key metric and age', () => {
    assert.equal(versionDescription(FACTS, NOW), 'Production · @champion @blue · val_loss 0.231457 · 3d ago');
  });

  it('leave out what a version lacks: stage None, aliases, a source run from another store', () => {
    assert.equal(versionDescription({ ...FACTS, stage: 'None', aliases: [], runName: null, keyMetric: null }, NOW), '3d ago');
  });

  it('tooltip names the source, run, model file hash, creation and the newest history; long text is cut', () => {
    const history = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'];
    const tooltip = versionTooltip({ ...FACTS, description: 'x'.repeat(2000) }, history);
    assert.match(
      tooltip,
      /^churn version 3\nStage: Production\nAliases: @champion, @blue\nSource: runs:\/r1\/models\/model.pkl\nRun: train-7 \(val_loss 0.231457\)\nModel file: sha256 abababababababab…\nCreated: /,
    );
    assert.match(tooltip, /\nHistory:\ne2\ne3\ne4\ne5\ne6$/, 'the five newest entries');
    assert.ok(tooltip.length < 1000);
  });

  it('context values carry the words the menus match', () => {
    assert.equal(versionContextValue({ stage: 'Staging', aliases: ['a'], runId: 'r' }), 'modelVersion stage-Staging hasAliases hasRun');
    assert.equal(versionContextValue({ stage: 'None', aliases: [], runId: null }), 'modelVersion stage-None');
  });
});
