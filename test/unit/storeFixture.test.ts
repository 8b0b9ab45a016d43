// A store written by the previous release (test/fixtures/stores/release-0.1.0, made by make-store.sh at that
// release) opens and migrates with this build's driver (`npm run test:node24` runs it under both), losing nothing.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeRunsJson } from '../../src/cli/queryCommands';
import { runsJson } from '../../src/core/format';
import { ModelRegistry } from '../../src/store/registry';
import { SCHEMA_VERSION } from '../../src/store/schema';
import { sqliteDriver } from '../../src/store/sqlite';
import { Store } from '../../src/store/store';
import { connectionOf } from '../../src/store/connection';

const FIXTURE = join(__dirname, '..', 'fixtures', 'stores', 'release-0.1.0', '.labbook');

test(`a release-0.1.0 store opens and migrates with ${sqliteDriver()}, every run, point, file and model version intact`, () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'labbook-fixture-')), '.labbook');
  cpSync(FIXTURE, dir, { recursive: true });
  const store = Store.open(dir);
  try {
    assert.equal(connectionOf(store).pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const runs = store.listRuns({ orderBy: ['attributes.start_time ASC'] });
    assert.deepEqual(
      runs.map((r) => [r.name, r.status]),
      [
        ['first', 'FINISHED'],
        ['second', 'FINISHED'],
        ['failed', 'FAILED'],
        ['stdlib-run', 'FINISHED'],
      ],
    );
    const [first, second] = runs;
    assert.equal(store.params(first.id).lr, '0.1');
    assert.equal(store.params(first.id).optimizer, 'adam');
    assert.equal(store.tags(first.id).note, 'fixture <b>run</b>');
    assert.equal(store.tags(second.id).team, 'a');
    const loss = store.history(first.id, 'loss');
    assert.equal(loss.length, 50);
    assert.equal(loss[49].step, 49);
    assert.equal(loss[49].value, 0.12, 'printed as 0.120000');
    assert.deepEqual(
      store.history(first.id, 'odd').map((p) => p.value),
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
    );
    assert.equal(store.getRun(first.id).git.dirty, false);
    assert.equal(store.getRun(second.id).git.dirty, true);
    assert.ok(store.getRun(second.id).git.patchSha, 'the uncommitted patch is stored');
    const model = store.artifacts(first.id).find((a) => a.path.endsWith('model.pkl'));
    assert.equal(model?.role, 'model');
    assert.equal(store.objects.read(model.sha256).toString(), 'model-bytes-0.1');
    const versions = new ModelRegistry(store).listVersions('stdlib-model').sort((a, b) => a.version - b.version);
    assert.deepEqual(
      versions.map((v) => [v.version, v.stage, v.aliases]),
      [
        [1, 'Archived', []],
        [2, 'Production', ['champion']],
      ],
    );
    // Migration 12 stored each ended run's listing as text: `ls --json` writes exactly what listRuns holds.
    assert.equal(connectionOf(store).prepare('SELECT COUNT(*) FROM run_summaries').pluck().get(), runs.length);
    let written = '';
    writeRunsJson(store, {}, { write: (piece: string | Uint8Array) => (written += Buffer.from(piece).toString()) });
    assert.equal(written, `${runsJson(store.listRuns())}\n`);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
