// Scoring requests read into one table, the forms MLflow's scoring server takes (mlflow/pyfunc/scoring_server):
// JSON with exactly one of dataframe_split, dataframe_records, instances or inputs, and text/csv with a header; plus
// the classic Flask example's POST /predict {"features": [...]}. Every mistake is a 400 that says what is wrong.
import Papa from 'papaparse';
import { decimalNumber, PANDAS_NA } from '../../core/pandasCells';
import { ApiError } from '../fields';

/** One input value: a number, a text, a boolean, or null for a missing value. */
export type Cell = number | string | boolean | null;

/** Rows to score: named columns when the payload named them, else positional (the model's feature order). */
export interface InputTable {
  columns: string[] | null;
  rows: Cell[][];
}

/** The JSON keys one of which an /invocations body must have. */
export const INPUT_FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

const REQUIRED = `The input must be a JSON object with exactly one of the fields ${INPUT_FORMATS.join(', ')}`;

function bad(message: string): ApiError {
  return new ApiError('BAD_REQUEST', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cell(value: unknown, row: number, column: string | number): Cell {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    // JSON.parse turns 1e400 into Infinity: out of a double's range, not a value a model can take.
    if (!Number.isFinite(value)) throw bad(`Row ${row}, column ${column}: ${value} is out of the range of a 64-bit float.`);
    return value;
  }
  throw bad(
    `Row ${row}, column ${column}: a value must be a number, a string, a boolean or null, not ${Array.isArray(value) ? 'a list' : 'an object'}.`,
  );
}

function checkColumns(columns: unknown, where: string): string[] {
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) throw bad(`${where}: columns must be a list of strings.`);
  if (new Set(columns).size !== columns.length) throw bad(`${where}: column names must be unique.`);
  return columns;
}

function nonEmpty(rows: Cell[][], where: string): Cell[][] {
  if (rows.length === 0) throw bad(`${where}: there are no rows to score.`);
  return rows;
}

/** Lists of values, all as wide as `width` (the first row's width when undefined). */
function positionalRows(data: unknown, where: string, width?: number): Cell[][] {
  if (!Array.isArray(data)) throw bad(`${where} must be a list of rows.`);
  const rows = data.map((row, r) => {
    if (!Array.isArray(row)) throw bad(`${where}: row ${r} is not a list of values.`);
    return row.map((value, c) => cell(value, r, c));
  });
  const expected = width ?? rows[0]?.length;
  const ragged = rows.findIndex((row) => row.length !== expected);
  if (ragged >= 0) throw bad(`${where}: row ${ragged} has ${rows[ragged].length} values where ${expected} were expected.`);
  return nonEmpty(rows, where);
}

function fromSplit(split: unknown): InputTable {
  if (!isObject(split)) throw bad('dataframe_split must be an object with "columns" and "data".');
  const columns = split.columns === undefined ? null : checkColumns(split.columns, 'dataframe_split');
  return { columns, rows: positionalRows(split.data, 'dataframe_split.data', columns?.length) };
}

function fromRecords(records: unknown, where: string): InputTable {
  if (!Array.isArray(records)) throw bad(`${where} must be a list of records (objects).`);
  const keys = new Set<string>();
  records.forEach((record, r) => {
    if (!isObject(record)) throw bad(`${where}: record ${r} is not an object.`);
    for (const key of Object.keys(record)) keys.add(key);
  });
  const columns = [...keys];
  // A key a record lacks is a missing value, as pandas reads records.
  const rows = records.map((record: Record<string, unknown>, r) => columns.map((key) => cell(record[key] ?? null, r, key)));
  return { columns, rows: nonEmpty(rows, where) };
}

function fromColumns(columnar: Record<string, unknown>, where: string): InputTable {
  const columns = Object.keys(columnar);
  const lists = columns.map((key) => {
    const values = columnar[key];
    if (!Array.isArray(values)) throw bad(`${where}: column ${key} must be a list of values.`);
    return values;
  });
  const length = lists[0]?.length ?? 0;
  const short = lists.findIndex((values) => values.length !== length);
  if (short >= 0) throw bad(`${where}: column ${columns[short]} has ${lists[short].length} values where ${length} were expected.`);
  const rows = Array.from({ length }, (_, r) => lists.map((values, c) => cell(values[r], r, columns[c])));
  return { columns, rows: nonEmpty(rows, where) };
}

/** TF-serving style: a list of rows, of records, or of single values; or (inputs) an object of columns. */
function fromTensorStyle(value: unknown, where: string): InputTable {
  if (isObject(value)) return fromColumns(value, where);
  if (!Array.isArray(value)) throw bad(`${where} must be a list of rows or records, or an object of columns.`);
  if (value.length && value.every(isObject)) return fromRecords(value, where);
  if (value.length && value.every((v) => !Array.isArray(v) && !isObject(v))) return { columns: null, rows: value.map((v, r) => [cell(v, r, 0)]) };
  return { columns: null, rows: positionalRows(value, where) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // Python's json (MLflow's server) reads bare NaN and Infinity; here a value is a number or null, so say so.
    const hint = /(^|[^"\w])(NaN|-?Infinity)\b/.test(text) ? ' NaN and Infinity are not JSON: send null for a missing value.' : '';
    throw bad(`Failed to parse input from JSON: ${(error as Error).message}.${hint}`);
  }
}

/** The rows of an /invocations JSON body. */
export function parseInvocationsJson(text: string): InputTable {
  const body = parseJson(text);
  if (!isObject(body)) throw bad(`${REQUIRED}. Received ${Array.isArray(body) ? 'a list' : `a ${body === null ? 'null' : typeof body}`}.`);
  const formats = INPUT_FORMATS.filter((key) => key in body);
  if (formats.length !== 1) throw bad(`${REQUIRED}. Received an object with the fields ${JSON.stringify(Object.keys(body))}.`);
  const [format] = formats;
  if (format === 'dataframe_split') return fromSplit(body[format]);
  if (format === 'dataframe_records') return fromRecords(body[format], format);
  return fromTensorStyle(body[format], format);
}

/** The rows of a POST /predict body: `{"features": [...]}`, one row of values, a list of rows, or one record. */
export function parsePredictJson(text: string): InputTable {
  const body = parseJson(text);
  if (!isObject(body) || !('features' in body)) throw bad('POST /predict takes {"features": [...]}: one row of values, or a list of rows.');
  const features = body.features;
  if (isObject(features)) return fromRecords([features], 'features');
  if (Array.isArray(features) && features.length && features.every((v) => !Array.isArray(v) && !isObject(v))) {
    return { columns: null, rows: [features.map((v, c) => cell(v, 0, c))] };
  }
  return { columns: null, rows: positionalRows(features, 'features') };
}

function csvCell(text: string, row: number, column: string): Cell {
  const trimmed = text.trim();
  if (PANDAS_NA.has(trimmed)) return null;
  const value = decimalNumber(trimmed);
  if (value === undefined) return text;
  if (!Number.isFinite(value)) throw bad(`Row ${row}, column ${column}: ${trimmed} is out of the range of a 64-bit float.`);
  return value;
}

/** The rows of a text/csv body: a header line of column names, then one line per row. */
export function parseCsv(text: string): InputTable {
  const parsed = Papa.parse<string[]>(text, { delimiter: ',', skipEmptyLines: true });
  if (parsed.errors.length) throw bad(`Failed to parse input as CSV: ${parsed.errors[0].message} (row ${parsed.errors[0].row ?? 0}).`);
  const [header, ...lines] = parsed.data;
  if (!header) throw bad('The CSV body is empty: send a header line of column names, then the rows.');
  const columns = checkColumns(header, 'CSV header');
  const ragged = lines.findIndex((line) => line.length !== columns.length);
  if (ragged >= 0) throw bad(`CSV row ${ragged + 1} has ${lines[ragged].length} values where the header has ${columns.length}.`);
  return {
    columns,
    rows: nonEmpty(
      lines.map((line, r) => line.map((text, c) => csvCell(text, r, columns[c]))),
      'the CSV body',
    ),
  };
}

/** Reads a body by its Content-Type; an unsupported type or charset is a 415, as MLflow answers it. */
export function parseScoringBody(contentType: string | undefined, body: Buffer, route: 'invocations' | 'predict'): InputTable {
  const [mime, ...parameters] = (contentType ?? '').split(';').map((part) => part.trim());
  const charset =
    parameters
      .find((p) => p.toLowerCase().startsWith('charset='))
      ?.slice(8)
      .toLowerCase() ?? 'utf-8';
  if (charset !== 'utf-8') throw new ApiError('BAD_REQUEST', 'The scoring server only supports UTF-8.', 415);
  const text = body.toString('utf8');
  const type = mime.toLowerCase();
  if (type === 'application/json') return route === 'predict' ? parsePredictJson(text) : parseInvocationsJson(text);
  if (type === 'text/csv' && route === 'invocations') return parseCsv(text);
  const accepted = route === 'predict' ? 'application/json' : 'application/json, text/csv';
  throw new ApiError('BAD_REQUEST', `This endpoint takes ${accepted}; got '${contentType ?? 'no Content-Type'}'.`, 415);
}
