// Reads a CSV or Parquet file into per-column samples for drift (src/core/drift.ts), streaming: rows are never
// kept, only each column's finite numbers (8 bytes a value) or category counts. CSV cells follow pandas.read_csv:
// its NA markers are missing values, a column is numeric when every present cell is a number.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Papa from 'papaparse';
import type { ColumnSample, DatasetSample } from '../core/drift';
import { sortNumbers } from '../core/driftStats';
import { decimalNumber, DOT, isDigit, MINUS, PANDAS_NA, PLUS } from '../core/pandasCells';

/** A data file that cannot be read: the message names the file and what is wrong. */
export class DataFileError extends Error {}

/** Which columns to keep (all when undefined). */
export interface ReadOptions {
  columns?: ReadonlySet<string>;
  /** The file's format when its name does not tell (a blob in the store has no extension). */
  format?: 'csv' | 'tsv' | 'parquet';
}

const INFINITE = /^[-+]?inf(?:inity)?$/i;
/** Past this many distinct texts a column is taken for an identifier and no longer counted (memory stays bounded). */
export const MAX_CATEGORIES = 100_000;
/** Category texts a CSV column matches by their bytes (a few values repeated is the common case). */
const KNOWN_TEXTS = 16;

/** Reads `path` by its extension: .csv, .tsv, .parquet or .pq. */
export async function readDataset(path: string, options: ReadOptions = {}): Promise<DatasetSample> {
  try {
    if (!statSync(path).isFile()) throw new DataFileError(`${path} is not a file`);
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    throw new DataFileError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const ext = options.format ? `.${options.format}` : extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return readCsv(path, ext === '.tsv' ? '\t' : ',', options);
  if (ext === '.parquet' || ext === '.pq') return readParquet(path, options);
  throw new DataFileError(`${path}: unknown data format '${ext || basename(path)}' (Labbook reads .csv, .tsv and .parquet)`);
}

/** Powers of ten that doubles hold exactly. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Decimal digits a double holds exactly (below 2^53). */
const EXACT_DIGITS = 15;

/** Where a scanned cell ends, its value when it is a short decimal (else NaN), and whether it has a decimal point. */
interface ScannedCell {
  end: number;
  value: number;
  dot: boolean;
}

/**
 * Scans the cell that starts at `start` up to the next `separator` byte (or `end`), reading it on the way as
 * '-12.345' and the like with at most 15 digits, digit by digit; anything else (an exponent, more digits, any other
 * character) is NaN, left to decimalNumber. The digits as a whole number and the power of ten are both exact doubles,
 * so one division rounds correctly and gives Number()'s value (Clinger's fast path). One pass finds the cell and
 * reads it; the answer goes into `cell`, reused from cell to cell.
 */
function scanCell(bytes: Uint8Array, start: number, end: number, separator: number, cell: ScannedCell): void {
  const first = bytes[start];
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  let i = start < end && (first === MINUS || first === PLUS) ? start + 1 : start;
  for (; i < end; i++) {
    const code = bytes[i];
    if (isDigit(code)) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
      if (decimals >= 0) decimals++;
    } else if (code === DOT && decimals < 0) decimals = 0;
    else break;
  }
  cell.dot = decimals >= 0;
  if (i < end && bytes[i] !== separator) {
    while (i < end && bytes[i] !== separator) i++;
    cell.value = NaN;
  } else if (digits === 0 || digits > EXACT_DIGITS) cell.value = NaN;
  else {
    const value = decimals > 0 ? mantissa / EXACT_POWERS_OF_TEN[decimals] : mantissa;
    cell.value = first === MINUS ? -value : value;
  }
  cell.end = i;
}

const wholeCell: ScannedCell = { end: 0, value: NaN, dot: false };

/** The UTF-8 bytes [start, end) as a short decimal (see scanCell), else NaN. */
export function shortDecimal(bytes: Uint8Array, start: number, end: number): number {
  scanCell(bytes, start, end, -1, wholeCell);
  return wholeCell.value;
}

/** Reads `path` and sorts its numeric columns (what src/core/drift needs), each into an array of its own. */
export async function readSortedDataset(path: string, options: ReadOptions = {}): Promise<DatasetSample> {
  const dataset = await readDataset(path, options);
  const numeric = [...dataset.columns.values()].filter((column) => column.numbers);
  // One scratch array for all columns: a fresh one per column would fault in its pages every time.
  const scratch = new Float64Array(Math.max(0, ...numeric.map((column) => column.numbers!.length)));
  for (const column of numeric) {
    sortNumbers(column.numbers!, scratch);
    column.sorted = true;
  }
  return dataset;
}

/**
 * Reads several files at once, each in a worker thread running `workerScript` (dist/driftWorker.js), or one after
 * the other in this thread when there is no such script (running from source) or a worker cannot start.
 */
export async function readSortedDatasets(paths: string[], options: ReadOptions, workerScript?: string): Promise<DatasetSample[]> {
  if (!workerScript || !existsSync(workerScript)) return Promise.all(paths.map((path) => readSortedDataset(path, options)));
  return Promise.all(paths.map((path) => readInWorker(workerScript, path, options)));
}

function readInWorker(script: string, path: string, options: ReadOptions): Promise<DatasetSample> {
  return new Promise((resolve, reject) => {
    const columns = options.columns ? [...options.columns] : undefined;
    // No execArgv: the parent's flags (inspector, loaders) are not for this plain bundled script.
    const worker = new Worker(script, { workerData: { path, columns }, execArgv: [] });
    let answered = false;
    worker.once('message', (message: { dataset?: DatasetSample; error?: string; badFile?: boolean }) => {
      answered = true;
      void worker.terminate();
      if (message.dataset) resolve(message.dataset);
      else reject(message.badFile ? new DataFileError(message.error) : new Error(message.error));
    });
    // A worker that cannot start, or ends without an answer, leaves the file to this thread.
    worker.once('exit', () => {
      if (!answered) resolve(readSortedDataset(path, options));
    });
    worker.once('error', () => undefined);
  });
}

/** One column's values as they stream past. */
class ColumnBuilder {
  private numbers: Float64Array;
  private length = 0;
  private counts: Map<string, number> | undefined;
  private missing = 0;
  private integer = true;
  private unusable: string | undefined;
  /** Category texts with their UTF-8 bytes, matched before decoding a cell (see knownText). */
  private readonly knownTexts: { bytes: Buffer; text: string }[] = [];

  /** `expectedValues` sizes the array once: growing it would touch (and fault in) twice the memory. */
  constructor(expectedValues: number) {
    this.numbers = new Float64Array(Math.max(expectedValues, 1024));
  }

  /** A CSV cell: number, NA marker or text. */
  addText(text: string): void {
    if (this.unusable) return;
    if (this.counts === undefined) {
      const value = decimalNumber(text);
      if (value !== undefined) {
        if (this.integer && (text.includes('.') || text.includes('e') || text.includes('E'))) this.integer = false;
        return this.addNumber(value);
      }
    }
    if (PANDAS_NA.has(text) || INFINITE.test(text)) {
      this.missing++;
      return;
    }
    this.becomeCategorical();
    this.addCategory(text);
  }

  /** A CSV cell scanned from bytes [start, end) (scanCell): a short decimal is taken as read, anything else as text. */
  addScanned(bytes: Buffer, start: number, cell: ScannedCell): void {
    if (this.counts === undefined && !this.unusable && !Number.isNaN(cell.value)) {
      if (cell.dot) this.integer = false;
      return this.addNumber(cell.value);
    }
    if (this.counts && !this.unusable) {
      const known = this.knownText(bytes, start, cell.end);
      if (known !== undefined) return this.addCategory(known);
    }
    const text = bytes.toString('utf8', start, cell.end);
    this.addText(text);
    if (this.counts?.has(text) && this.knownTexts.length < KNOWN_TEXTS) this.knownTexts.push({ bytes: Buffer.from(text), text });
  }

  /**
   * A category seen before, matched on its bytes: most text columns hold a few values over and over, and matching
   * bytes costs less than decoding them into a string again. Only texts counted as categories are kept.
   */
  private knownText(bytes: Buffer, start: number, end: number): string | undefined {
    const length = end - start;
    for (const known of this.knownTexts) {
      if (known.bytes.length !== length) continue;
      let k = 0;
      while (k < length && known.bytes[k] === bytes[start + k]) k++;
      if (k === length) return known.text;
    }
    return undefined;
  }

  /** A typed value from Parquet. */
  addValue(value: unknown): void {
    if (this.unusable) return;
    if (value === null || value === undefined) this.missing++;
    else if (typeof value === 'number') {
      if (Number.isFinite(value)) this.addNumber(value);
      else this.missing++;
    } else if (typeof value === 'bigint') this.addNumber(Number(value));
    else if (typeof value === 'string' || typeof value === 'boolean') {
      this.becomeCategorical();
      this.addCategory(String(value));
    } else if (value instanceof Date) this.unusable = 'a date or time column (not compared)';
    else this.unusable = 'nested values (not compared)';
  }

  markNotInteger(): void {
    this.integer = false;
  }

  private addNumber(value: number): void {
    if (this.counts) return this.addCategory(String(value));
    if (!Number.isFinite(value)) {
      this.missing++;
      return;
    }
    if (this.length === this.numbers.length) {
      const grown = new Float64Array(Math.ceil(this.numbers.length * 1.5));
      grown.set(this.numbers);
      this.numbers = grown;
    }
    this.numbers[this.length++] = value;
  }

  private becomeCategorical(): void {
    if (this.counts) return;
    this.counts = new Map();
    for (let i = 0; i < this.length; i++) this.addCategory(String(this.numbers[i]));
    this.numbers = new Float64Array(0);
    this.length = 0;
  }

  private addCategory(key: string): void {
    const counts = this.counts!;
    const count = counts.get(key);
    if (count !== undefined) {
      counts.set(key, count + 1);
      return;
    }
    if (counts.size >= MAX_CATEGORIES) {
      this.unusable = `more than ${MAX_CATEGORIES.toLocaleString('en-US')} distinct values (an identifier?): not compared`;
      this.counts = new Map();
      return;
    }
    counts.set(key, 1);
  }

  finish(): ColumnSample {
    const base = { missing: this.missing, integerDtype: this.integer && this.missing === 0 && this.counts === undefined };
    if (this.unusable) return { ...base, unusable: this.unusable };
    if (this.counts) return { ...base, counts: this.counts };
    return { ...base, numbers: this.numbers.subarray(0, this.length) };
  }
}

function dataset(path: string, rows: number, names: string[], builders: (ColumnBuilder | undefined)[]): DatasetSample {
  const columns = new Map<string, ColumnSample>();
  names.forEach((name, i) => {
    const builder = builders[i];
    if (builder) columns.set(name, builder.finish());
  });
  return { name: basename(path), rows, columns };
}

/** The header and data rows of a CSV, whichever way it is split into cells. */
class CsvColumns {
  names: string[] | undefined;
  builders: (ColumnBuilder | undefined)[] = [];
  rows = 0;
  /** Rows the file is expected to hold, known before the header is read. */
  expectedRows = 0;

  constructor(
    private readonly path: string,
    private readonly options: ReadOptions,
  ) {}

  header(row: string[]): void {
    const names = row.map((name, i) => (i === 0 ? name.replace(/^\uFEFF/, '') : name));
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) throw new DataFileError(`${this.path}: column '${duplicate}' appears twice in the header`);
    this.names = names;
    this.builders = names.map((name) => (this.options.columns && !this.options.columns.has(name) ? undefined : new ColumnBuilder(this.expectedRows)));
  }

  /** Counts a data row of `fields` cells, refusing one longer than the header. */
  startRow(fields: number): void {
    if (fields > this.builders.length) {
      throw new DataFileError(`${this.path}: data row ${this.rows + 1} has ${fields} fields, the header has ${this.builders.length}`);
    }
    this.rows++;
  }

  /** A row's missing trailing cells are empty (missing values). */
  endRow(fields: number): void {
    for (let i = fields; i < this.builders.length; i++) this.builders[i]?.addText('');
  }

  row(cells: string[]): void {
    if (this.names === undefined) return this.header(cells);
    this.startRow(cells.length);
    for (let i = 0; i < cells.length; i++) this.builders[i]?.addText(cells[i]);
    this.endRow(cells.length);
  }

  result(): DatasetSample {
    if (this.names === undefined) throw new DataFileError(`${this.path} is empty: no header row`);
    return dataset(this.path, this.rows, this.names, this.builders);
  }
}

/** Reads a CSV by its bytes when it is plain (see readPlainCsv), else through papaparse. */
async function readCsv(path: string, delimiter: string, options: ReadOptions): Promise<DatasetSample> {
  const plain = await readPlainCsv(path, delimiter, options).catch((error: Error) => {
    throw error instanceof DataFileError ? error : new DataFileError(`${path}: ${error.message}`);
  });
  return plain ?? readQuotedCsv(path, delimiter, options);
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Reads a CSV without quotes and with one line ending throughout (LF or CRLF) straight from its bytes: cells are
 * split at the delimiter and short decimals read in place, so most cells never become strings. Such a file splits
 * into exactly the cells papaparse gives; any other (a quote, a stray or mixed CR) is undefined, for papaparse.
 */
export async function readPlainCsv(path: string, delimiter: string, options: ReadOptions): Promise<DatasetSample | undefined> {
  const reader = new PlainCsvLines(new CsvColumns(path, options), delimiter);
  let rest: Buffer | undefined;
  for await (const chunk of fileChunks(path)) {
    if (chunk.includes(QUOTE)) return undefined;
    reader.countCarriageReturns(chunk);
    if (reader.columns.names === undefined) reader.columns.expectedRows = expectedRows(path, chunk);
    let start = 0;
    if (rest) {
      // Only the line cut by the chunk's end is copied, not the chunk: fresh memory is slow to touch.
      const newline = chunk.indexOf(LF);
      start = newline < 0 ? chunk.length : newline + 1;
      rest = Buffer.concat([rest, chunk.subarray(0, start)]);
      if (newline < 0) continue;
      if (reader.lines(rest, 0) < 0) return undefined;
    }
    const stop = reader.lines(chunk, start);
    if (stop < 0) return undefined;
    // A copy: the chunk's memory is read into again.
    rest = stop < chunk.length ? Buffer.from(chunk.subarray(stop)) : undefined;
  }
  return reader.finish(rest);
}

const CHUNK_BYTES = 1 << 20;

/**
 * The file's bytes, 1 MiB at a time, read into two buffers in turn: the next chunk is read while the caller works
 * on this one (a chunk is gone two chunks later). Fresh buffers a chunk would pile up external memory between garbage
 * collections, which a parse that allocates little runs rarely.
 */
async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  const buffers = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
  let position = 0;
  let next = handle.read(buffers[0], 0, CHUNK_BYTES, position);
  try {
    for (let turn = 1; ; turn++) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) return;
      position += bytesRead;
      next = handle.read(buffers[turn % 2], 0, CHUNK_BYTES, position);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    // A caller that stops early leaves a read under way: let it end before closing the file.
    await next.catch(() => undefined);
    await handle.close();
  }
}

/** Splits plain CSV bytes into lines and cells for CsvColumns, making sure every line ends alike (LF or CRLF). */
class PlainCsvLines {
  private readonly separator: number;
  private crlf: boolean | undefined;
  private carriageReturns = 0;
  private crlfLines = 0;
  private readonly cell: ScannedCell = { end: 0, value: NaN, dot: false };

  constructor(
    readonly columns: CsvColumns,
    private readonly delimiter: string,
  ) {
    this.separator = delimiter.charCodeAt(0);
  }

  /** Every carriage return must end a CRLF line (finish checks): papaparse treats any other one its own way. */
  countCarriageReturns(chunk: Buffer): void {
    for (let at = chunk.indexOf(CR); at >= 0; at = chunk.indexOf(CR, at + 1)) this.carriageReturns++;
  }

  /** Reads the complete lines of `bytes` from `start`: where the unfinished last line starts, or -1 on mixed line ends. */
  lines(bytes: Buffer, start: number): number {
    for (let newline = bytes.indexOf(LF, start); newline >= 0; newline = bytes.indexOf(LF, start)) {
      const endsCr = newline > start && bytes[newline - 1] === CR;
      this.crlf ??= endsCr;
      if (endsCr !== this.crlf) return -1;
      if (endsCr) this.crlfLines++;
      this.line(bytes, start, endsCr ? newline - 1 : newline);
      start = newline + 1;
    }
    return start;
  }

  /** The dataset once the last line (which may have no line end) is read; undefined when a CR ended no CRLF line. */
  finish(rest: Buffer | undefined): DatasetSample | undefined {
    if (this.carriageReturns !== this.crlfLines) return undefined;
    if (rest) this.line(rest, 0, rest.length);
    return this.columns.result();
  }

  private line(bytes: Buffer, start: number, end: number): void {
    const columns = this.columns;
    if (start === end) return;
    if (columns.names === undefined) return columns.header(bytes.toString('utf8', start, end).split(this.delimiter));
    const cell = this.cell;
    let fields = 0;
    for (let cellStart = start; cellStart <= end; cellStart = cell.end + 1) {
      scanCell(bytes, cellStart, end, this.separator, cell);
      if (fields === columns.builders.length) columns.startRow(countByte(bytes, start, end, this.separator) + 1);
      columns.builders[fields++]?.addScanned(bytes, cellStart, cell);
    }
    columns.startRow(fields);
    columns.endRow(fields);
  }
}

/** The file's rows estimated from its size and the first chunk's lines, with a little to spare. */
function expectedRows(path: string, firstChunk: Buffer): number {
  const lines = countByte(firstChunk, 0, firstChunk.length, LF);
  if (lines === 0) return 0;
  return Math.ceil((statSync(path).size / firstChunk.length) * lines * 1.05);
}

/** How often `byte` occurs in [start, end). */
function countByte(bytes: Buffer, start: number, end: number, byte: number): number {
  let count = 0;
  for (let i = start; i < end; i++) if (bytes[i] === byte) count++;
  return count;
}

/** Streams a CSV through papaparse (quoted fields, any line ending); the first row is the header. */
export function readQuotedCsv(path: string, delimiter: string, options: ReadOptions): Promise<DatasetSample> {
  return new Promise((resolve, reject) => {
    const columns = new CsvColumns(path, options);
    let failure: Error | undefined;
    const stream = createReadStream(path, { encoding: 'utf8' });
    Papa.parse<string[]>(stream, {
      delimiter,
      skipEmptyLines: true,
      chunk: (results, parser) => {
        try {
          for (const cells of results.data) columns.row(cells);
        } catch (error) {
          failure = error as Error;
          parser.abort();
        }
      },
      complete: () => {
        stream.destroy();
        if (failure) return reject(failure);
        try {
          resolve(columns.result());
        } catch (error) {
          reject(error as Error);
        }
      },
      error: (error: Error) => reject(new DataFileError(`${path}: ${error.message}`)),
    });
  });
}

/** Reads a Parquet file one row group at a time through hyparquet (all codecs through hyparquet-compressors). */
async function readParquet(path: string, options: ReadOptions): Promise<DatasetSample> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const file = await asyncBufferFromFile(path);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new DataFileError(`${path} is not a readable Parquet file: ${(error as Error).message}`);
  }
  const fields = parquetSchema(metadata).children;
  const names = fields.map((field) => field.element.name);
  const rows = Number(metadata.num_rows);
  const builders = fields.map((field) => (options.columns && !options.columns.has(field.element.name) ? undefined : new ColumnBuilder(rows)));
  fields.forEach((field, i) => {
    const type = field.element.type;
    if (type !== 'INT32' && type !== 'INT64') builders[i]?.markNotInteger();
  });
  const wanted = names.filter((_, i) => builders[i]);
  const index = new Map(names.map((name, i) => [name, i]));
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    await parquetRead({
      file,
      metadata,
      compressors,
      columns: wanted,
      rowStart,
      rowEnd,
      onChunk: ({ columnName, columnData }) => {
        const builder = builders[index.get(columnName)!];
        for (const value of columnData) builder?.addValue(value);
      },
    });
    rowStart = rowEnd;
  }
  return dataset(path, rows, names, builders);
}
