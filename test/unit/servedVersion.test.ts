import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ModelsError } from '../../src/models/models';
import { modelFilesOf, parseModelRef, resolveModelRef, trainingDataOf } from '../../src/models/servedVersion';
import type { Store } from '../../src/store/store';
import { seedRun, tempStore, testService } from './modelFixtures';

describe('the version a serving reference names, its files and its training data', () => {
  let fixture: ReturnType<typeof tempStore>;
  let store: Store;
  before(() => {
    fixture = tempStore();
    store = fixture.store;
    const service = testService(store);
    service.register(seedRun(store, { name: 'a', model: 'pickle-1', data: 'x,y\n1,2\n' }), { name: 'iris' });
    service.register(seedRun(store, { name: 'b', model: 'pickle-2' }), { name: 'iris' });
    service.promote('iris', 1, 'Production');
    service.setAlias('iris', 'champion', 2);
  });
  after(() => fixture.cleanup());

  test('NAME, NAME/version, NAME/Stage and NAME@alias', () => {
    assert.deepEqual(parseModelRef('iris'), { name: 'iris' });
    assert.deepEqual(parseModelRef('iris/3'), { name: 'iris', version: 3 });
    assert.deepEqual(parseModelRef('iris/Production'), { name: 'iris', stage: 'Production' });
    assert.deepEqual(parseModelRef('iris@champion'), { name: 'iris', alias: 'champion' });
    assert.equal(resolveModelRef(store, parseModelRef('iris')).version, 2);
    assert.equal(resolveModelRef(store, parseModelRef('iris/production')).version, 1);
    assert.equal(resolveModelRef(store, parseModelRef('iris@champion')).version, 2);
    assert.equal(resolveModelRef(store, parseModelRef('iris/1')).version, 1);
  });

  test('unknown models, versions, stages and aliases are ModelsErrors that say which', () => {
    assert.throws(
      () => resolveModelRef(store, parseModelRef('nope')),
      (e) => e instanceof ModelsError && /nope/.test(e.message),
    );
    assert.throws(() => resolveModelRef(store, parseModelRef('iris/9')), ModelsError);
    assert.throws(() => resolveModelRef(store, parseModelRef('iris/Staging')), /no version in stage Staging/);
    assert.throws(() => resolveModelRef(store, parseModelRef('iris/Bogus')), ModelsError);
    assert.throws(() => resolveModelRef(store, parseModelRef('iris@nobody')), /no alias 'nobody'/);
  });

  test("a version's model file is read from the blob store", () => {
    const [file] = modelFilesOf(store, resolveModelRef(store, { name: 'iris', version: 1 }));
    assert.equal(file.path, 'model.pkl');
    assert.equal(readFileSync(file.blobPath, 'utf8'), 'pickle-1');
  });

  test("training data is the source run's CSV input, by hash; a run without one gives the reason", () => {
    const data = trainingDataOf(store, 'iris', 1);
    assert.equal(data.files.length, 1);
    assert.equal(data.files[0].format, 'csv');
    assert.equal(readFileSync(data.files[0].blobPath, 'utf8'), 'x,y\n1,2\n');
    const none = trainingDataOf(store, 'iris', 2);
    assert.deepEqual(none.files, []);
    assert.match('reason' in none ? none.reason : '', /recorded no CSV or Parquet input/);
  });
});
