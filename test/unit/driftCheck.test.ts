// The editor's drift check on real files: labbook.yaml's settings, the CSV header for the Problems panel, and the
// clear errors for a missing file and two files with no column in common.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkDrift, DriftCheckError, firstLine } from '../../src/capture/driftCheck';

const dir = mkdtempSync(join(tmpdir(), 'labbook-driftcheck-'));
const csv = (name: string, header: string, rows: (i: number) => string): string => {
  const path = join(dir, name);
  writeFileSync(path, `\uFEFF${header}\r\n${Array.from({ length: 200 }, (_, i) => rows(i)).join('\r\n')}\r\n`);
  return path;
};
const reference = csv('train.csv', 'id,"age, years",city', (i) => `${i},${i / 10},${['a', 'b'][i % 2]}`);
const current = csv('live.csv', 'city,"age, years",id', (i) => `${['a', 'b'][i % 2]},${50 + i / 10},${i}`);

describe('checkDrift', () => {
  it('compares the files and places each current column on its header', async () => {
    const check = await checkDrift(reference, current);
    assert.deepEqual(
      check.report.columns.map((c) => [c.column, c.drifted]),
      [
        ['id', false],
        ['age, years', true],
        ['city', false],
      ],
    );
    assert.deepEqual(check.currentHeader, [
      { name: 'city', start: 0, end: 4 },
      { name: 'age, years', start: 5, end: 17 },
      { name: 'id', start: 18, end: 20 },
    ]);
  });

  it('follows labbook.yaml: ignored columns and the dataset share', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'labbook-driftcheck-ws-'));
    writeFileSync(join(workspace, 'labbook.yaml'), 'drift:\n  driftShare: 0.9\n  ignore: [id]\n');
    const check = await checkDrift(reference, current, { workspace });
    assert.deepEqual(
      check.report.columns.map((c) => c.column),
      ['age, years', 'city'],
    );
    assert.deepEqual([check.report.driftShare, check.report.datasetDrift], [0.9, false]);
  });

  it('says which file is missing', async () => {
    await assert.rejects(checkDrift(join(dir, 'gone.csv'), current), (error: Error) => {
      assert.ok(error instanceof DriftCheckError);
      assert.match(error.message, /gone\.csv: no such file/);
      return true;
    });
  });

  it('names both schemas when the files share no column', async () => {
    const other = csv('other.csv', 'x,y', (i) => `${i},${i}`);
    await assert.rejects(checkDrift(reference, other), (error: Error) => {
      assert.ok(error instanceof DriftCheckError);
      assert.equal(error.message, 'train.csv and other.csv have no column in common: train.csv has id, age, years, city; other.csv has x, y.');
      return true;
    });
  });

  it('reads only the first line, without a byte-order mark', async () => {
    assert.equal(await firstLine(reference), 'id,"age, years",city');
  });
});
