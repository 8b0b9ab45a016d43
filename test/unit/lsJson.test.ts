// `labbook ls --json` writes its listing a few hundred runs at a time, summaries as text from their rows; the
// text is exactly runsJson's over store.listRuns.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runsJson, writeRunsJson } from '../../src/cli/queryCommands';
import { Store } from '../../src/store/store';

function written(store: Store, options: Parameters<Store['listRuns']>[0] = {}): string {
  let text = '';
  writeRunsJson(store, options, { write: (piece: string) => (text += piece) });
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
    const limited = { filter: 'metrics.loss >= 0', orderBy: ['attributes.run_name ASC'], limit: 17 };
    assert.equal(written(store, limited), `${runsJson(store.listRuns(limited))}\n`);
    assert.equal(written(store, { filter: 'params.lr = "nothing"' }), '[]\n');
    store.close();
  });
});
