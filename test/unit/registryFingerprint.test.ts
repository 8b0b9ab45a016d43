// The registry's fingerprint, which the Models view compares on every store change to decide whether to redraw: any
// change the view shows moves it (aliases included, whose removal touches no timestamp), and nothing else does.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelRegistry } from '../../src/store/registry';
import { Store } from '../../src/store/store';

describe('ModelRegistry.fingerprint', () => {
  let dir: string;
  let store: Store;
  let registry: ModelRegistry;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'labbook-fingerprint-'));
    store = Store.open(join(dir, '.labbook'));
    registry = new ModelRegistry(store);
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Asserts that `change` moves the fingerprint and that reading it again without a change does not. */
  function moves(what: string, change: () => void): void {
    const before = registry.fingerprint();
    change();
    const after = registry.fingerprint();
    assert.notEqual(after, before, `${what} changes the fingerprint`);
    assert.equal(registry.fingerprint(), after, `no change after ${what}: the same fingerprint`);
  }

  it('moves with every change the Models view shows, and only then', () => {
    moves('a new model', () => registry.createModel('churn'));
    moves('a new version', () => registry.createVersion('churn', { source: 's3://bucket/model' }));
    moves('a second version', () => registry.createVersion('churn', { source: 's3://bucket/model2' }));
    moves('an alias', () => registry.setAlias('churn', 'champion', 1));
    moves('the alias moved to another version', () => registry.setAlias('churn', 'champion', 2));
    moves('the alias removed', () => registry.deleteAlias('churn', 'champion'));
    moves('a stage', () => registry.transitionStage('churn', 2, 'Production'));
    moves('a renamed model', () => registry.renameModel('churn', 'churn-clf'));
    moves('a deleted version', () => registry.deleteVersion('churn-clf', 1));
    moves('a deleted model', () => registry.deleteModel('churn-clf'));
    assert.equal(registry.fingerprint(), new ModelRegistry(store).fingerprint(), 'the empty registry again');
  });
});
