// Opening a store from the release before chunks with the CLI: a large one prints its progress and every point
// survives; a store from a newer Labbook is refused with a plain message, exit code 2, and left byte for byte.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from '../../src/store/sqlite';
import { SCHEMA_VERSION } from '../../src/store/schema';
import { makeSchema4Store } from '../fixtures/stores/schema4';
import { makeWorkspace, openStore, runCli } from './helpers';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

function workspace(): string {
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  return ws.dir;
}

test('the CLI upgrades a large schema-4 store in place, printing its progress, and loses no point', async () => {
  const dir = workspace();
  const points = Array.from({ length: 250_000 }, (_, i) => ({
    step: i,
    timestamp: 1_700_000_000_000 + i,
    value: i % 1000 === 0 ? Number.NaN : i / 7,
  }));
  makeSchema4Store(join(dir, '.labbook'), { loss: points });
  const listed = await runCli(['ls', '--json'], { cwd: dir });
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stderr, /upgrading the store: 0% of 250,000 metric points/);
  assert.match(listed.stderr, /upgrading the store: 100% of 250,000 metric points moved into chunks/);
  const store = openStore(dir);
  try {
    const history = store.history('aa', 'loss');
    assert.equal(history.length, points.length);
    history.forEach((p, i) => assert.ok(Object.is(p.value, points[i].value) && p.step === i, `point ${i}`));
  } finally {
    store.close();
  }
});

test('a store from a newer Labbook is refused with a clear message and left as it was', async () => {
  const dir = workspace();
  makeSchema4Store(join(dir, '.labbook'), {});
  const db = openDatabase(join(dir, '.labbook', 'labbook.db'));
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  const before = readFileSync(join(dir, '.labbook', 'labbook.db'));
  const listed = await runCli(['ls'], { cwd: dir });
  assert.equal(listed.code, 2);
  assert.match(listed.stderr, /newer than this Labbook understands.*Update Labbook/);
  assert.doesNotMatch(listed.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(readFileSync(join(dir, '.labbook', 'labbook.db')), before);
});
