import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeMetricValue, parseJournalLine, readJournal } from '../../src/capture/journal';

const dir = mkdtempSync(join(tmpdir(), 'labbook-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('parseJournalLine', () => {
  test('reads the notebook kernel records and refuses malformed ones', () => {
    const sha = 'a'.repeat(64);
    assert.deepEqual(parseJournalLine('{"t":"output","text":"loss: 1\\n","ts":5}'), { t: 'output', text: 'loss: 1\n', ts: 5 });
    assert.deepEqual(parseJournalLine(`{"t":"cell","n":3,"sha":"${sha}","source":"x = 1","ok":false,"ts":5}`), {
      t: 'cell',
      n: 3,
      sha,
      source: 'x = 1',
      ok: false,
      ts: 5,
    });
    assert.deepEqual(parseJournalLine('{"t":"kernel","pid":42,"ts":5}'), { t: 'kernel', pid: 42, ts: 5 });
    assert.deepEqual(parseJournalLine('{"t":"end","ts":5}'), { t: 'end', ts: 5 });
    assert.deepEqual(parseJournalLine('{"t":"output","text":3}'), { error: 'output needs a text' });
    assert.deepEqual(parseJournalLine('{"t":"cell","sha":"nothex","source":"x"}'), { error: 'cell needs a source and its sha256' });
    assert.deepEqual(parseJournalLine('{"t":"kernel","pid":-1}'), { error: 'kernel needs a pid' });
  });

  test("keeps a cell's notebook snapshot only when it names a copy in the run's notebook-snapshots folder", () => {
    const sha = 'b'.repeat(64);
    const cell = (snapshot: string): unknown =>
      parseJournalLine(JSON.stringify({ t: 'cell', n: 1, sha, source: 'x', notebook: sha, snapshot, ts: 5 }));
    assert.deepEqual(cell('notebook-snapshots/1-explore.ipynb'), {
      t: 'cell',
      n: 1,
      sha,
      source: 'x',
      ok: true,
      notebook: sha,
      snapshot: 'notebook-snapshots/1-explore.ipynb',
      ts: 5,
    });
    for (const hostile of [
      '../../etc/passwd',
      'notebook-snapshots/../../../etc/passwd',
      '/etc/passwd',
      'notebook-snapshots/a/b',
      'notebook-snapshots/..',
    ]) {
      assert.deepEqual(cell(hostile), { t: 'cell', n: 1, sha, source: 'x', ok: true, notebook: sha, ts: 5 }, hostile);
    }
    assert.equal(
      (parseJournalLine(JSON.stringify({ t: 'cell', sha, source: 'x', notebook: 'nothex' })) as { notebook?: string }).notebook,
      undefined,
    );
  });

  test('accepts every record type the shim writes', () => {
    assert.deepEqual(parseJournalLine('{"t":"metric","key":"loss","value":0.5,"step":2,"ts":10}'), {
      t: 'metric',
      key: 'loss',
      value: 0.5,
      step: 2,
      ts: 10,
    });
    assert.deepEqual(parseJournalLine('{"t":"param","key":"lr","value":"0.1","ts":1}'), { t: 'param', key: 'lr', value: '0.1', ts: 1 });
    assert.deepEqual(parseJournalLine('{"t":"artifact","path":"/m.pt","role":"model","ts":1}'), {
      t: 'artifact',
      path: '/m.pt',
      role: 'model',
      ts: 1,
    });
    assert.deepEqual(parseJournalLine('{"t":"artifact","path":"/m.pt","role":"weird","ts":1}'), { t: 'artifact', path: '/m.pt', role: null, ts: 1 });
  });

  test('keeps the source of a param from a parsed config (it then yields), and only on params', () => {
    assert.deepEqual(parseJournalLine('{"t":"param","key":"bs","value":"32","source":"argparse default","ts":1}'), {
      t: 'param',
      key: 'bs',
      value: '32',
      ts: 1,
      source: 'argparse default',
    });
    assert.deepEqual(parseJournalLine('{"t":"tag","key":"k","value":"v","source":"x","ts":1}'), { t: 'tag', key: 'k', value: 'v', ts: 1 });
    assert.deepEqual(parseJournalLine(`{"t":"param","key":"bs","value":"32","source":"${'s'.repeat(65)}","ts":1}`), {
      t: 'param',
      key: 'bs',
      value: '32',
      ts: 1,
    });
  });

  test('decodes MLflow-style non-finite values', () => {
    assert.ok(Number.isNaN(decodeMetricValue('NaN')));
    assert.equal(decodeMetricValue('Infinity'), Infinity);
    assert.equal(decodeMetricValue('-Infinity'), -Infinity);
    assert.equal(decodeMetricValue('1.5'), undefined);
  });

  test('explains what is wrong with a bad line instead of throwing', () => {
    for (const line of [
      'nope',
      '[]',
      'null',
      '{"t":"metric","key":"x","value":"1","step":0}',
      '{"t":"metric","value":1,"step":0}',
      '{"t":"metric","key":"x","value":1}',
      '{"t":"param","key":"k","value":3}',
      '{"t":"tag","key":"","value":"v"}',
      '{"t":"drop"}',
      '{"t":"artifact","path":"a\\u0000b"}',
    ]) {
      assert.ok('error' in parseJournalLine(line), line);
    }
  });
});

describe('readJournal', () => {
  test('reads whole lines only, resumes from the offset, and parses a partial last line when final', () => {
    const path = join(dir, 'partial.jsonl');
    writeFileSync(path, '{"t":"metric","key":"a","value":1,"step":0}\n{"t":"metric","key":"a","va');
    const first = readJournal(path, 0);
    assert.equal(first.records.length, 1);
    appendFileSync(path, 'lue":2,"step":1}\n{"t":"tag","key":"k","value":"v"}');
    const second = readJournal(path, first.nextOffset);
    assert.deepEqual(
      second.records.map((r) => r.t),
      ['metric'],
    );
    const last = readJournal(path, second.nextOffset, true);
    assert.deepEqual(
      last.records.map((r) => r.t),
      ['tag'],
    );
    assert.equal(readJournal(path, last.nextOffset, true).records.length, 0);
  });

  test('a missing journal is empty, and bad lines are counted, not fatal', () => {
    assert.deepEqual(readJournal(join(dir, 'missing.jsonl'), 0), { records: [], errors: [], nextOffset: 0 });
    const path = join(dir, 'bad.jsonl');
    writeFileSync(path, 'garbage\n\n{"t":"metric","key":"a","value":1,"step":0}\n');
    const chunk = readJournal(path, 0);
    assert.equal(chunk.records.length, 1);
    assert.equal(chunk.errors.length, 1);
  });
});
