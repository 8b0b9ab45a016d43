import assert from 'node:assert/strict';
import { openDatabase } from '../../src/store/sqlite';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { HistoryPoint } from '../../src/core/types';
import { StoreCorruptError } from '../../src/store/integrity';
import { resolveRunRef, RunRefError } from '../../src/store/runRefs';
import { applyMigration, MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema';
import { readSeriesColumns, valueAtStepOf } from '../../src/store/seriesReads';
import { ParamConflictError, Store } from '../../src/store/store';
import { connectionOf } from '../../src/store/connection';

const dirs: string[] = [];

/** The rule the SQL of valueAtStepOf must follow, written plainly: the last point at the greatest step <= `step`. */
function valueAtStep(points: readonly HistoryPoint[], step: number): number | undefined {
  let best: HistoryPoint | undefined;
  for (const point of points) if (point.step <= step && (best === undefined || point.step >= best.step)) best = point;
  return best?.value;
}
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function storeDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'labbook-store-')), '.labbook');
  dirs.push(dir);
  return dir;
}

function freshStore(): Store {
  return Store.open(storeDir());
}

describe('Store', () => {
  test('keeps temporary data (savepoint journals of nested transactions) in memory, not in temp files', () => {
    const store = freshStore();
    assert.equal(connectionOf(store).pragma('temp_store', { simple: true }), 2);
    store.close();
  });

  test('creates the folder layout with its own .gitignore', () => {
    const dir = storeDir();
    Store.open(dir).close();
    assert.ok(existsSync(join(dir, 'labbook.db')));
    assert.ok(existsSync(join(dir, 'objects')));
    assert.match(readFileSync(join(dir, '.gitignore'), 'utf8'), /^\*$/m);
  });

  test('keeps each metric summary current: last follows the highest step, NaN never wins min/max', () => {
    const store = freshStore();
    const run = store.createRun({ sourceFile: 'train.py' });
    store.logMetrics(run.id, [
      { key: 'loss', value: 0.9, step: 0, timestamp: 1 },
      { key: 'loss', value: Number.NaN, step: 1, timestamp: 2 },
      { key: 'loss', value: 0.3, step: 3, timestamp: 3 },
    ]);
    store.logMetrics(run.id, [{ key: 'loss', value: 0.5, step: 2, timestamp: 4 }]);
    const [loss] = store.metricSummaries(run.id);
    assert.deepEqual(
      { last: loss.last, lastStep: loss.lastStep, min: loss.min, max: loss.max, count: loss.count },
      { last: 0.3, lastStep: 3, min: 0.3, max: 0.9, count: 4 },
    );
    const history = store.history(run.id, 'loss');
    assert.equal(history.length, 4);
    assert.ok(Number.isNaN(history[1].value));
    assert.deepEqual(
      store.history(run.id, 'loss', { offset: 2, limit: 1 }).map((p) => p.value),
      [0.3],
    );
    store.close();
  });

  test('keeps ±Infinity and huge values exactly', () => {
    const store = freshStore();
    const run = store.createRun();
    store.logMetrics(run.id, [
      { key: 'x', value: Infinity, step: 0, timestamp: 0 },
      { key: 'x', value: -Infinity, step: 1, timestamp: 0 },
      { key: 'x', value: Number.MAX_VALUE, step: 2, timestamp: 0 },
    ]);
    assert.deepEqual(
      store.history(run.id, 'x').map((p) => p.value),
      [Infinity, -Infinity, Number.MAX_VALUE],
    );
    const [x] = store.metricSummaries(run.id);
    assert.equal(x.min, -Infinity);
    assert.equal(x.max, Infinity);
    store.close();
  });

  test('an inferred param yields once to an explicit value, which is then immutable; the inferred one is kept in a tag', () => {
    const store = freshStore();
    const run = store.createRun();
    store.logParams(run.id, { lr: '5e-2', seed: '1', epochs: '10' }, { inferred: true });
    store.logParams(run.id, { lr: '0.05', seed: '1' });
    assert.deepEqual({ ...store.params(run.id) }, { epochs: '10', lr: '0.05', seed: '1' });
    const tags = store.tags(run.id);
    assert.equal(tags['labbook.inferred_param.lr'], '5e-2');
    assert.equal(tags['labbook.inferred_param.seed'], undefined, 'an equal value replaced nothing');
    assert.equal(tags['labbook.inferred_params'], '["epochs"]');
    assert.throws(() => store.logParams(run.id, { lr: '0.07' }), ParamConflictError);
    assert.throws(() => store.logParams(run.id, { seed: '2' }), ParamConflictError);
    // Inferred values never replace explicit ones (an argparse default read after the script logged its value).
    store.logParams(run.id, { lr: '0.1', epochs: '12' }, { inferred: true });
    assert.deepEqual({ ...store.params(run.id) }, { epochs: '12', lr: '0.05', seed: '1' });
    store.setTags(run.id, { 'labbook.inferred_params': 'not json' });
    assert.throws(() => store.logParams(run.id, { epochs: '3' }), ParamConflictError, 'a damaged tag makes nothing yield');
    store.close();
  });

  test('params are immutable; the same value again is fine', () => {
    const store = freshStore();
    const run = store.createRun();
    store.logParams(run.id, { lr: '0.1' });
    store.logParams(run.id, { lr: '0.1' });
    assert.throws(() => store.logParams(run.id, { lr: '0.2' }), ParamConflictError);
    assert.deepEqual({ ...store.params(run.id) }, { lr: '0.1' });
    store.logParams(run.id, JSON.parse('{"__proto__": "p", "constructor": "c"}') as Record<string, string>);
    store.setTags(run.id, JSON.parse('{"__proto__": "t"}') as Record<string, string>);
    assert.equal(store.params(run.id).__proto__, 'p');
    assert.equal(store.getRunDetail(run.id).params.constructor, 'c');
    assert.equal(store.listRuns()[0].tags.__proto__, 't');
    store.close();
  });

  test('names runs after their script and numbers them per experiment; hostile names are stored verbatim', () => {
    const store = freshStore();
    assert.equal(store.createRun({ sourceFile: '/x/train.py', experimentName: 'a' }).name, 'train-1');
    assert.equal(store.createRun({ sourceFile: 'train.py', experimentName: 'a' }).name, 'train-2');
    assert.equal(store.createRun({ experimentName: 'b' }).name, 'run-1');
    const hostile = "<img src=x onerror=alert(1)>'; DROP TABLE runs; --";
    assert.equal(store.getRun(store.createRun({ name: hostile }).id).name, hostile);
    assert.equal(store.listRuns().length, 4);
    store.close();
  });

  test('a default run name is never given twice in an experiment, even after runs are deleted', () => {
    const store = freshStore();
    const first = store.createRun({ sourceFile: 'train.py', experimentName: 'a' });
    const second = store.createRun({ sourceFile: 'train.py', experimentName: 'a' });
    store.createRun({ name: 'named', experimentName: 'a' });
    store.deleteRuns([first.id, second.id]);
    assert.equal(store.createRun({ sourceFile: 'train.py', experimentName: 'a' }).name, 'train-4');
    store.close();
  });

  test('an older store numbers its next default run name after the runs it has', () => {
    const dir = storeDir();
    mkdirSync(dir, { recursive: true });
    const db = openDatabase(join(dir, 'labbook.db'));
    for (const migration of MIGRATIONS.slice(0, 13)) applyMigration(db, migration);
    db.pragma('user_version = 13');
    db.exec(`INSERT INTO experiments (id, name, created_at, updated_at) VALUES (7, 'old', 0, 0)`);
    for (const id of ['r1', 'r2', 'r3'])
      db.prepare(`INSERT INTO runs (id, experiment_id, name, status, start_time, updated_at) VALUES (?, 7, ?, 'FINISHED', 0, 0)`).run(id, id);
    db.close();
    const store = Store.open(dir);
    assert.equal(store.createRun({ experimentName: 'old' }).name, 'run-4');
    store.close();
  });

  test('lists runs with params, tags and summaries; deleting cascades', () => {
    const store = freshStore();
    const a = store.createRun({ name: 'a' });
    const b = store.createRun({ name: 'b' });
    store.logParams(a.id, { model: 'rf' });
    store.setTags(b.id, { stage: 'dev' });
    store.logMetrics(a.id, [{ key: 'acc', value: 0.9, step: 0, timestamp: 0 }]);
    const listed = Object.fromEntries(store.listRuns().map((run) => [run.name, run]));
    assert.equal(listed.a.params.model, 'rf');
    assert.equal(listed.a.metrics.acc.last, 0.9);
    assert.equal(listed.b.tags.stage, 'dev');
    assert.equal(store.deleteRuns([a.id]), 1);
    const count = (table: string): number => (connectionOf(store).prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    assert.deepEqual(['metrics', 'metric_series', 'params'].map(count), [0, 0, 0], "the deleted run's rows are gone");
    assert.equal(count('tags'), 1, "the other run's tag stays");
    assert.deepEqual(
      store.listRuns().map((run) => run.name),
      ['b'],
    );
    store.close();
  });

  test('deleteTag moves updated_at, as setTags does', () => {
    const store = freshStore();
    const run = store.createRun();
    store.setTags(run.id, { stage: 'dev' });
    const tagged = store.getRun(run.id).updatedAt;
    while (Date.now() <= tagged); // the clock must move for a later updated_at to show
    assert.equal(store.deleteTag(run.id, 'stage'), true);
    assert.ok(store.getRun(run.id).updatedAt > tagged);
    store.close();
  });

  test('addArtifact commits once: a failing run update leaves no artifact row behind', () => {
    const dir = storeDir();
    const store = Store.open(dir);
    const run = store.createRun();
    const raw = openDatabase(join(dir, 'labbook.db'));
    raw.exec("CREATE TRIGGER refuse_touch BEFORE UPDATE OF updated_at ON runs BEGIN SELECT RAISE(ABORT, 'refused'); END");
    raw.close();
    const artifact = { runId: run.id, path: 'model.pt', direction: 'output', sha256: 'a'.repeat(64), size: 1, role: 'output' } as const;
    assert.throws(() => store.addArtifact(artifact), /refused/);
    assert.deepEqual(store.artifacts(run.id), []);
    store.close();
  });

  test('transaction commits together, rolls back on a throw, and nests as a savepoint', () => {
    const store = freshStore();
    const run = store.createRun();
    assert.throws(() =>
      store.transaction(() => {
        store.setTags(run.id, { a: '1' });
        throw new Error('abort');
      }),
    );
    assert.deepEqual(store.tags(run.id), {});
    store.transaction(() => {
      store.setTags(run.id, { b: '2' });
      assert.throws(() =>
        store.transaction(() => {
          store.setTags(run.id, { c: '3' });
          throw new Error('inner');
        }),
      );
    });
    assert.deepEqual(store.tags(run.id), { b: '2' }, 'the inner failure rolled back only the inner part');
    store.close();
  });

  test('finishRun keeps the first end', () => {
    const store = freshStore();
    const run = store.createRun();
    assert.equal(store.finishRun(run.id, 'FAILED', { exitCode: 1 }), true);
    assert.equal(store.finishRun(run.id, 'CRASHED'), false);
    assert.equal(store.getRun(run.id).status, 'FAILED');
    store.close();
  });

  test('a runner reclaims a run that recovery marked CRASHED while it was paused, and only then', () => {
    const store = freshStore();
    const run = store.createRun();
    assert.equal(store.finishRun(run.id, 'CRASHED'), true);
    assert.equal(store.finishRun(run.id, 'FAILED'), false);
    assert.equal(store.finishRun(run.id, 'FINISHED', { exitCode: 0, reclaim: true }), true);
    assert.equal(store.getRun(run.id).status, 'FINISHED');
    assert.equal(store.finishRun(run.id, 'KILLED', { reclaim: true }), false);
    store.close();
  });

  test('finds runs whose runner is gone: dead pid or stale heartbeat', () => {
    const store = freshStore();
    const dead = store.createRun({ name: 'dead' });
    const alive = store.createRun({ name: 'alive' });
    store.setRunnerInfo(dead.id, { pid: 111, journalPath: '/j', consolePath: '/c' });
    store.setRunnerInfo(alive.id, { pid: 222, journalPath: '/j2', consolePath: '/c2' });
    const orphans = store.orphanedRuns((p) => p.pid === 222);
    assert.deepEqual(
      orphans.map((o) => o.id),
      [dead.id],
    );
    connectionOf(store).prepare('UPDATE runs SET heartbeat_at = 0 WHERE id = ?').run(alive.id);
    assert.equal(store.orphanedRuns((p) => p.pid === 222).length, 2);
    store.close();
  });

  test('dataVersion changes when another connection commits', () => {
    const dir = storeDir();
    const reader = Store.open(dir);
    const writer = Store.open(dir);
    const before = reader.dataVersion();
    writer.createRun();
    assert.notEqual(reader.dataVersion(), before);
    reader.close();
    writer.close();
  });

  test('stores blobs once by content and refuses non-hash names', () => {
    const store = freshStore();
    const sha = store.objects.putBuffer('hello');
    assert.equal(store.objects.putBuffer('hello'), sha);
    assert.equal([...store.objects.list()].length, 1);
    assert.throws(() => store.objects.pathOf('../../etc/passwd'), /Not a sha256/);
    store.close();
  });
});

describe('series reads', () => {
  const logged = [
    { step: 5, timestamp: 50, value: 0.5 },
    { step: 2, timestamp: 20, value: Number.NaN },
    { step: 9, timestamp: 90, value: Infinity },
    { step: 2, timestamp: 21, value: -Infinity },
    { step: 0, timestamp: 1, value: -Number.MAX_VALUE },
  ];

  test('read a whole series as columns in logging order, NaN and ±Infinity exact, out-of-order steps kept', () => {
    const store = freshStore();
    const run = store.createRun();
    store.logMetrics(
      run.id,
      logged.map((p) => ({ key: 'loss', ...p })),
    );
    store.logMetrics(run.id, [{ key: 'other', step: 0, timestamp: 0, value: 7 }]);
    const columns = readSeriesColumns(store, run.id, 'loss');
    assert.deepEqual(Array.from(columns.steps), [5, 2, 9, 2, 0]);
    assert.deepEqual(Array.from(columns.timestamps), [50, 20, 90, 21, 1]);
    assert.deepEqual(Array.from(columns.values), [0.5, Number.NaN, Infinity, -Infinity, -Number.MAX_VALUE]);
    assert.deepEqual(Array.from(readSeriesColumns(store, run.id, 'other').values), [7]);
  });

  test('read an empty result for a missing metric or run', () => {
    const store = freshStore();
    const run = store.createRun();
    assert.equal(readSeriesColumns(store, run.id, 'nope').steps.length, 0);
    assert.equal(readSeriesColumns(store, 'f'.repeat(32), 'loss').values.length, 0);
  });

  test('value at a step: the last point logged at the greatest step not above it', () => {
    const store = freshStore();
    const run = store.createRun();
    store.logMetrics(
      run.id,
      logged.map((p) => ({ key: 'loss', ...p })),
    );
    assert.equal(valueAtStepOf(store, run.id, 'loss', 3), -Infinity);
    assert.equal(valueAtStepOf(store, run.id, 'loss', 2.5), -Infinity);
    assert.equal(valueAtStepOf(store, run.id, 'loss', 8), 0.5);
    assert.equal(valueAtStepOf(store, run.id, 'loss', 100), Infinity);
    assert.equal(valueAtStepOf(store, run.id, 'loss', 0), -Number.MAX_VALUE);
    assert.equal(valueAtStepOf(store, run.id, 'loss', -1), undefined);
    assert.equal(valueAtStepOf(store, run.id, 'nope', 5), undefined);
    store.logMetrics(run.id, [{ key: 'loss', step: 9, timestamp: 99, value: Number.NaN }]);
    assert.ok(Number.isNaN(valueAtStepOf(store, run.id, 'loss', 9)));
    // The same answers as core's valueAtStep over the whole history, repeated steps included.
    const history = store.history(run.id, 'loss');
    for (let step = -2; step <= 11; step += 0.5)
      assert.ok(Object.is(valueAtStepOf(store, run.id, 'loss', step), valueAtStep(history, step)), `step ${step}`);
  });
});

describe('schema migrations', () => {
  for (let version = 0; version < SCHEMA_VERSION; version++) {
    test(`opens a store made with schema ${version} and keeps its runs`, () => {
      const dir = storeDir();
      mkdirSync(dir, { recursive: true });
      const old = openDatabase(join(dir, 'labbook.db'));
      for (let v = 0; v < version; v++) applyMigration(old, MIGRATIONS[v]);
      old.pragma(`user_version = ${version}`);
      if (version >= 1) {
        old.prepare("INSERT INTO runs (id, experiment_id, name, status, start_time, updated_at) VALUES ('aa', 0, 'old', 'FINISHED', 1, 1)").run();
      }
      old.close();
      const store = Store.open(dir);
      assert.equal(connectionOf(store).pragma('user_version', { simple: true }), SCHEMA_VERSION);
      if (version >= 1) assert.equal(store.getRun('aa').name, 'old');
      store.close();
    });
  }

  test('refuses a store from a newer Labbook with a clear message', () => {
    const dir = storeDir();
    mkdirSync(dir, { recursive: true });
    const db = openDatabase(join(dir, 'labbook.db'));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => Store.open(dir), /newer than this Labbook understands/);
  });
});

describe('damaged store files', () => {
  const damaged: [string, (header: Buffer) => Buffer][] = [
    ['garbage', () => Buffer.alloc(4096, 0xab)],
    ['a stub shorter than a header', (header) => header.subarray(0, 50)],
    ['an impossible page size', (header) => Buffer.concat([header.subarray(0, 16), Buffer.from([0x03, 0x00]), header.subarray(18)])],
    ['a header promising more pages than there are', (header) => header],
  ];
  for (const [what, make] of damaged) {
    test(`are refused before anything is written: ${what}`, () => {
      const good = freshStore();
      const file = join(good.dir, 'labbook.db');
      good.close();
      const bytes = make(readFileSync(file).subarray(0, 4096));
      writeFileSync(file, bytes);
      for (const readonly of [false, true])
        assert.throws(() => Store.open(good.dir, { readonly }), StoreCorruptError, `${what} readonly=${readonly}`);
      assert.ok(readFileSync(file).equals(bytes));
      assert.ok(!existsSync(`${file}-wal`), 'not even opened by SQLite');
    });
  }

  test('an empty file is a new store', () => {
    const dir = storeDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'labbook.db'), '');
    Store.open(dir).close();
  });
});

describe('run references', () => {
  test('resolve by id prefix, name, @last and @best, with clear errors', () => {
    const store = freshStore();
    const first = store.createRun({ name: 'first', startTime: 1000 });
    const second = store.createRun({ name: 'second', startTime: 2000 });
    store.logMetrics(first.id, [
      { key: 'val_loss', value: 0.2, step: 0, timestamp: 0 },
      { key: 'acc', value: 0.7, step: 0, timestamp: 0 },
    ]);
    store.logMetrics(second.id, [
      { key: 'val_loss', value: 0.4, step: 0, timestamp: 0 },
      { key: 'acc', value: 0.9, step: 0, timestamp: 0 },
    ]);
    assert.equal(resolveRunRef(store, first.id.slice(0, 10)).id, first.id);
    assert.equal(resolveRunRef(store, 'second').id, second.id);
    assert.equal(resolveRunRef(store, '@last').id, second.id);
    assert.equal(resolveRunRef(store, '@best:val_loss').id, first.id);
    assert.equal(resolveRunRef(store, '@best:acc').id, second.id);
    assert.equal(resolveRunRef(store, '@best:acc:min').id, first.id);
    assert.throws(() => resolveRunRef(store, 'nope'), RunRefError);
    assert.throws(() => resolveRunRef(store, '@best:missing'), RunRefError);
    for (const malformed of ['@first', '', '  ', '@best:', '@'])
      assert.throws(() => resolveRunRef(store, malformed), RunRefError, JSON.stringify(malformed));
    assert.throws(() => resolveRunRef(store, '%'), RunRefError);
    store.close();
  });
});
