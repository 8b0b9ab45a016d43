// `labbook ls --json` writes its listing a few hundred runs at a time, an ended run's params, tags and metrics as the
// text stored when it ended (run_summaries); the text is exactly runsJson's over store.listRuns, after any change.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeRunsJson } from '../../src/cli/queryCommands';
import { runsJson } from '../../src/core/format';
import { connectionOf } from '../../src/store/connection';
import { moveRun, renameExperiment } from '../../src/store/tracking';
import { Store } from '../../src/store/store';

function written(store: Store, options: Parameters<Store['listRuns']>[0] = {}): string {
  let text = '';
  writeRunsJson(store, options, { write: (piece: string | Uint8Array) => (text += Buffer.from(piece).toString()) });
  return text;
}

describe('ls --json output', () => {
  test('written in pieces, it is the same text as the whole listing through runsJson, NaN and ±Infinity included', () => {
    const store = Store.open(join(mkdtempSync(join(tmpdir(), 'labbook-ls-')), '.labbook'));
    after(() => rmSync(store.dir, { recursive: true, force: true }));
    store.transaction(() => {
      for (let r = 0; r < 1203; r++) {
        const run = store.createRun({ name: `run-${r}`, startTime: r });
        store.logParams(run.id, { lr: String(r), '7': 'x', __proto__: 'p' });
        if (r % 100 === 3) store.setTags(run.id, { 'a "quoted" tag': 'line\nbreak', '2': 'two' });
        const odd = r % 400 === 7 ? [Number.NaN, Infinity, -Infinity][r % 3] : r / 3;
        store.logMetrics(run.id, [
          { key: 'loss', step: 0, timestamp: r, value: odd },
          { key: 'loss', step: 1, timestamp: r + 1, value: r % 5 === 0 ? Number.NaN : -0 },
          { key: '__proto__', step: 0, timestamp: r, value: 1e21 },
          { key: 'é "ü"\\', step: 2 ** 40, timestamp: r, value: 5e-324 },
          ...(r % 300 === 11
            ? [
                { key: '10', step: 0, timestamp: r, value: 1 },
                { key: '9', step: 0, timestamp: r, value: 2 },
              ]
            : []),
        ]);
      }
    });
    assert.equal(written(store), `${runsJson(store.listRuns())}\n`);
    const ids = store.listRuns().map((run) => run.id);
    for (const id of ids.filter((_, i) => i % 2 === 0)) store.finishRun(id, 'FINISHED');
    assert.equal(storedSummaries(store), Math.ceil(ids.length / 2));
    assert.equal(written(store), `${runsJson(store.listRuns())}\n`);
    const limited = { filter: 'metrics.loss >= 0', orderBy: ['attributes.run_name ASC'], limit: 17 };
    assert.equal(written(store, limited), `${runsJson(store.listRuns(limited))}\n`);
    assert.equal(written(store, { filter: 'params.lr = "nothing"' }), '[]\n');
    store.close();
  });

  test('an ended run changed after it ended (params, tags, metrics, its own fields, its experiment) lists as it is now', () => {
    const store = Store.open(join(mkdtempSync(join(tmpdir(), 'labbook-ls-')), '.labbook'));
    after(() => rmSync(store.dir, { recursive: true, force: true }));
    const ids = Array.from({ length: 13 }, (_, r) => {
      const run = store.createRun({ name: `run-${r}`, startTime: r, experimentName: r === 12 ? 'other' : undefined });
      store.logParams(run.id, { lr: '0.1' });
      store.setTags(run.id, { team: 'a' });
      store.logMetrics(run.id, [{ key: 'loss', step: 0, timestamp: r, value: 1 }]);
      store.finishRun(run.id, 'FINISHED');
      return run.id;
    });
    assert.equal(storedSummaries(store), 13);
    const changes = [
      () => store.logParams(ids[0], { batch: '32' }),
      () => store.setTags(ids[1], { team: 'b' }),
      () => store.deleteTag(ids[2], 'team'),
      () => store.logMetrics(ids[3], [{ key: 'loss', step: 1, timestamp: 9, value: 0.5 }]),
      () => store.logMetrics(ids[4], [{ key: 'acc', step: 0, timestamp: 9, value: Number.NaN }]),
      () => connectionOf(store).prepare("UPDATE params SET value = '0.2' WHERE run_id = ?").run(ids[5]),
      () => connectionOf(store).prepare('DELETE FROM metric_series WHERE run_id = ?').run(ids[6]),
      () => store.rename(ids[7], 'renamed "run"'),
      () => store.setStarred(ids[8], true),
      () => store.setStatus(ids[9], 'RUNNING'),
      () => moveRun(store, ids[10], store.experimentByName('other')!.id),
      () => renameExperiment(store, store.experimentByName('other')!.id, 'other, renamed'),
    ];
    for (const [i, change] of changes.entries()) {
      change();
      assert.equal(storedSummaries(store), 13 - i - 1, `change ${i} drops the run's summary text`);
      assert.equal(written(store), `${runsJson(store.listRuns())}\n`, `the listing after change ${i}`);
    }
    store.finishRun(ids[9], 'FINISHED');
    assert.equal(storedSummaries(store), 2);
    assert.equal(written(store), `${runsJson(store.listRuns())}\n`);
    connectionOf(store).prepare('DELETE FROM runs WHERE id = ?').run(ids[9]);
    assert.equal(storedSummaries(store), 1);
    store.close();
  });
});

function storedSummaries(store: Store): number {
  return connectionOf(store).prepare('SELECT COUNT(*) FROM run_summaries').pluck().get() as number;
}
