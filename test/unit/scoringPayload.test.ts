import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../src/server/fields';
import { parseCsv, parseInvocationsJson, parsePredictJson, parseScoringBody } from '../../src/server/scoring/payload';

function rejects(run: () => unknown, message: RegExp, status = 400): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.status, status);
    assert.match(error.message, message);
    return true;
  });
}

describe('scoring payloads: every form MLflow takes, read into one table', () => {
  const expected = {
    columns: ['a', 'b'],
    rows: [
      [1, 'x'],
      [2.5, null],
    ],
  };

  test('dataframe_split, dataframe_records, instances (records), inputs (columns) and CSV give the same table', () => {
    assert.deepEqual(parseInvocationsJson('{"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"], [2.5, null]]}}'), expected);
    assert.deepEqual(parseInvocationsJson('{"dataframe_records": [{"a": 1, "b": "x"}, {"a": 2.5}]}'), expected);
    assert.deepEqual(parseInvocationsJson('{"instances": [{"a": 1, "b": "x"}, {"a": 2.5, "b": null}]}'), expected);
    assert.deepEqual(parseInvocationsJson('{"inputs": {"a": [1, 2.5], "b": ["x", null]}}'), expected);
    assert.deepEqual(parseCsv('a,b\n1,x\n2.5,\n'), expected);
  });

  test('positional rows: instances and inputs as lists, dataframe_split without columns, single values', () => {
    const positional = {
      columns: null,
      rows: [
        [1, 2],
        [3, 4],
      ],
    };
    assert.deepEqual(parseInvocationsJson('{"instances": [[1, 2], [3, 4]]}'), positional);
    assert.deepEqual(parseInvocationsJson('{"inputs": [[1, 2], [3, 4]]}'), positional);
    assert.deepEqual(parseInvocationsJson('{"dataframe_split": {"data": [[1, 2], [3, 4]]}}'), positional);
    assert.deepEqual(parseInvocationsJson('{"instances": [1, 2]}'), { columns: null, rows: [[1], [2]] });
  });

  test('/predict takes one row, rows, or one record under "features"', () => {
    assert.deepEqual(parsePredictJson('{"features": [1, 2, 3]}'), { columns: null, rows: [[1, 2, 3]] });
    assert.deepEqual(parsePredictJson('{"features": [[1, 2], [3, 4]]}'), {
      columns: null,
      rows: [
        [1, 2],
        [3, 4],
      ],
    });
    assert.deepEqual(parsePredictJson('{"features": {"a": 1}}'), { columns: ['a'], rows: [[1]] });
    rejects(() => parsePredictJson('{"rows": [1]}'), /takes \{"features"/);
    rejects(() => parsePredictJson('{"features": []}'), /no rows/);
  });

  test('malformed JSON and bodies that are not one of the forms are 400s that say what was expected', () => {
    rejects(() => parseInvocationsJson('{"instances": [1, 2'), /Failed to parse input from JSON/);
    rejects(() => parseInvocationsJson('[1, 2]'), /exactly one of the fields .*Received a list/);
    rejects(() => parseInvocationsJson('"text"'), /Received a string/);
    rejects(() => parseInvocationsJson('{"data": [[1]]}'), /exactly one of the fields .*\["data"\]/);
    rejects(() => parseInvocationsJson('{"instances": [[1]], "inputs": [[1]]}'), /exactly one/);
  });

  test('wrong shapes: ragged rows, bad columns, nested values, non-objects, empty inputs', () => {
    rejects(() => parseInvocationsJson('{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], [3]]}}'), /row 1 has 1 values where 2/);
    rejects(() => parseInvocationsJson('{"dataframe_split": {"columns": ["a", 1], "data": [[1, 2]]}}'), /columns must be a list of strings/);
    rejects(() => parseInvocationsJson('{"dataframe_split": {"columns": ["a", "a"], "data": [[1, 2]]}}'), /unique/);
    rejects(() => parseInvocationsJson('{"dataframe_split": [[1]]}'), /must be an object/);
    rejects(() => parseInvocationsJson('{"dataframe_records": [{"a": 1}, 2]}'), /record 1 is not an object/);
    rejects(() => parseInvocationsJson('{"instances": [[1, [2]]]}'), /Row 0, column 1: .*not a list/);
    rejects(() => parseInvocationsJson('{"inputs": {"a": [1, 2], "b": [1]}}'), /column b has 1 values where 2/);
    rejects(() => parseInvocationsJson('{"instances": []}'), /no rows/);
    rejects(() => parseInvocationsJson('{"instances": 5}'), /must be a list/);
  });

  test('NaN and Infinity are not JSON; numbers past a double are refused, not turned into Infinity', () => {
    rejects(() => parseInvocationsJson('{"instances": [[1, NaN]]}'), /NaN and Infinity are not JSON: send null/);
    rejects(() => parseInvocationsJson('{"instances": [[-Infinity, 1]]}'), /send null for a missing value/);
    rejects(() => parseInvocationsJson('{"instances": [[1e400, 1]]}'), /Row 0, column 0: Infinity is out of the range of a 64-bit float/);
    rejects(() => parseCsv('a\n1e999\n'), /out of the range/);
    assert.deepEqual(parseCsv('a,b\nNaN,NA\n').rows, [[null, null]], "CSV's NA markers are missing values, as pandas reads them");
  });

  test('CSV: header needed, ragged rows refused', () => {
    rejects(() => parseCsv(''), /empty/);
    rejects(() => parseCsv('a,b\n1\n'), /CSV row 1 has 1 values where the header has 2/);
    rejects(() => parseCsv('a,b\n'), /no rows/);
  });

  test('Content-Type decides the reader; other types and charsets are 415s', () => {
    const body = Buffer.from('a\n1\n');
    assert.deepEqual(parseScoringBody('text/csv; charset=utf-8', body, 'invocations').rows, [[1]]);
    rejects(() => parseScoringBody('text/csv; charset=latin-1', body, 'invocations'), /only supports UTF-8/, 415);
    rejects(() => parseScoringBody('text/plain', body, 'invocations'), /takes application\/json, text\/csv; got 'text\/plain'/, 415);
    rejects(() => parseScoringBody('text/csv', body, 'predict'), /takes application\/json;/, 415);
    rejects(() => parseScoringBody(undefined, body, 'invocations'), /no Content-Type/, 415);
  });
});
