// `labbook ls --json` writes its listing a few hundred runs at a time; the text is exactly runsJson's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runsJson, writeRunsJson } from '../../src/cli/queryCommands';
import { Store } from '../../src/store/store';

describe('ls --json output', () => {
  test('written in pieces, it is the same text as the whole listing through runsJson, NaN and ±Infinity included', () => {
    const store = Store.open(join(mkdtempSync(join(tmpdir(), 'labbook-ls-')), '.labbook'));
    after(() => rmSync(store.dir, { recursive: true, force: true }));
    store.transaction(() => {
      for (let r = 0; r < 1203; r++) {
        const run = store.createRun({ name: `run-${r}`, startTime: r });
        store.logParams(run.id, { lr: String(r) });
        const odd = r % 400 === 7 ? [Number.NaN, Infinity, -Infinity][r % 3] : r / 3;
        store.logMetrics(run.id, [
          { key: 'loss', step: 0, timestamp: r, value: odd },
          { key: '__proto__', step: 0, timestamp: r, value: 1 },
        ]);
      }
    });
    const runs = store.listRuns();
    let written = '';
    writeRunsJson(runs, { write: (text: string) => (written += text) });
    assert.equal(written, `${runsJson(runs)}\n`);
    written = '';
    writeRunsJson([], { write: (text: string) => (written += text) });
    assert.equal(written, '[]\n');
    store.close();
  });
});
