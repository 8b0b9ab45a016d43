import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ArtifactRole } from '../core/types';

/** Environment variable naming the journal file the Python shim appends to. */
export const JOURNAL_ENV = 'LABBOOK_JOURNAL';

/** One line of the journal, validated. */
export type JournalRecord =
  | { t: 'metric'; key: string; value: number; step: number; ts: number }
  /** `source` (argparse, its defaults, hydra, a config) makes a param yield to a value the run already has. */
  | { t: 'param'; key: string; value: string; ts: number; source?: string }
  | { t: 'tag'; key: string; value: string; ts: number }
  | { t: 'artifact'; path: string; role: ArtifactRole | null; ts: number }
  /** A file the script opened for reading (Python's audit hook); it becomes an input of the run. */
  | { t: 'read'; path: string; ts: number }
  /** The audit hook is on: the run's inputs are the files it reads, not the configured globs. */
  | { t: 'reads-tracked'; ts: number }
  /** The interpreter and its installed distributions. */
  | { t: 'environment'; python: PythonEnvironment; ts: number }
  /** Text a tracked notebook kernel printed (whole lines), parsed for metrics like a script's stdout. */
  | { t: 'output'; text: string; ts: number }
  /**
   * A notebook cell the kernel executed: its execution count, source and the source's sha256; `notebook`, the sha256
   * of the .ipynb file as saved when it ran, and `snapshot`, the copy the kernel made when that content was new.
   */
  | { t: 'cell'; n: number | null; sha: string; source: string; ok: boolean; notebook?: string; snapshot?: string; ts: number }
  /** The tracked kernel's process id. */
  | { t: 'kernel'; pid: number; ts: number }
  /** The tracked kernel session ended (shut down, or tracking stopped). */
  | { t: 'end'; ts: number };

/** What the Python shim reports of its interpreter. */
export interface PythonEnvironment {
  version: string;
  implementation: string;
  executable: string;
  prefix: string;
  virtualenv: boolean;
  /** Normalized distribution name -> version. */
  packages: Record<string, string>;
}

const ROLES: readonly string[] = ['model', 'data', 'output', 'log'];
const MAX_KEY_LENGTH = 250;
const MAX_VALUE_LENGTH = 6000;
const MAX_SOURCE_LENGTH = 64;

/** Turns MLflow's wire form of a metric value (a number, or "NaN"/"Infinity"/"-Infinity") into a number. */
export function decodeMetricValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

function text(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !value.includes('\0') ? value : undefined;
}

/** Parses one journal line; returns an error message instead of throwing, so one bad line never stops ingest. */
export function parseJournalLine(line: string): JournalRecord | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { error: `not JSON: ${line.slice(0, 80)}` };
  }
  if (typeof raw !== 'object' || raw === null) return { error: 'not a JSON object' };
  const record = raw as Record<string, unknown>;
  const ts = typeof record.ts === 'number' && Number.isFinite(record.ts) ? Math.trunc(record.ts) : Date.now();
  switch (record.t) {
    case 'metric':
      return parseMetric(record, ts);
    case 'param':
    case 'tag': {
      const key = text(record.key, MAX_KEY_LENGTH);
      const value = typeof record.value === 'string' && record.value.length <= MAX_VALUE_LENGTH ? record.value : undefined;
      if (key === undefined || value === undefined) return { error: `${record.t} needs a key and a string value` };
      const source = record.t === 'param' ? text(record.source, MAX_SOURCE_LENGTH) : undefined;
      return source === undefined ? { t: record.t, key, value, ts } : { t: 'param', key, value, ts, source };
    }
    case 'artifact': {
      const path = text(record.path, 4096);
      if (path === undefined) return { error: 'artifact needs a path' };
      const role = typeof record.role === 'string' && ROLES.includes(record.role) ? (record.role as ArtifactRole) : null;
      return { t: 'artifact', path, role, ts };
    }
    case 'read': {
      const path = text(record.path, 4096);
      return path === undefined ? { error: 'read needs a path' } : { t: 'read', path, ts };
    }
    case 'reads-tracked':
      return { t: 'reads-tracked', ts };
    case 'environment': {
      const python = pythonEnvironment(record.python);
      return python === undefined ? { error: 'environment needs a python object with version and packages' } : { t: 'environment', python, ts };
    }
    case 'output':
      return typeof record.text === 'string' ? { t: 'output', text: record.text, ts } : { error: 'output needs a text' };
    case 'cell':
      return parseCell(record, ts);
    case 'kernel':
      return Number.isInteger(record.pid) && (record.pid as number) > 0
        ? { t: 'kernel', pid: record.pid as number, ts }
        : { error: 'kernel needs a pid' };
    case 'end':
      return { t: 'end', ts };
    default:
      return { error: `unknown record type ${JSON.stringify(record.t)}` };
  }
}

const MAX_PACKAGES = 10_000;

function pythonEnvironment(value: unknown): PythonEnvironment | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Record<string, unknown>;
  const version = text(raw.version, 64);
  if (version === undefined || typeof raw.packages !== 'object' || raw.packages === null) return undefined;
  const packages = Object.entries(raw.packages as Record<string, unknown>)
    .filter((entry): entry is [string, string] => text(entry[0], MAX_KEY_LENGTH) !== undefined && text(entry[1], 128) !== undefined)
    .slice(0, MAX_PACKAGES);
  return {
    version,
    implementation: text(raw.implementation, 64) ?? '',
    executable: text(raw.executable, 4096) ?? '',
    prefix: text(raw.prefix, 4096) ?? '',
    virtualenv: raw.virtualenv === true,
    packages: Object.fromEntries(packages),
  };
}

function parseCell(record: Record<string, unknown>, ts: number): JournalRecord | { error: string } {
  const sha = typeof record.sha === 'string' && /^[0-9a-f]{64}$/.test(record.sha) ? record.sha : undefined;
  if (sha === undefined || typeof record.source !== 'string') return { error: 'cell needs a source and its sha256' };
  const n = Number.isInteger(record.n) ? (record.n as number) : null;
  const notebook = typeof record.notebook === 'string' && /^[0-9a-f]{64}$/.test(record.notebook) ? record.notebook : undefined;
  // The copy lies in the run's folder, under notebook-snapshots/: anything else is not taken from a journal.
  const snapshot = typeof record.snapshot === 'string' && /^notebook-snapshots\/[\w-][\w.-]*$/.test(record.snapshot) ? record.snapshot : undefined;
  return {
    t: 'cell',
    n,
    sha,
    source: record.source,
    ok: record.ok !== false,
    ...(notebook ? { notebook } : {}),
    ...(notebook && snapshot ? { snapshot } : {}),
    ts,
  };
}

function parseMetric(record: Record<string, unknown>, ts: number): JournalRecord | { error: string } {
  const key = text(record.key, MAX_KEY_LENGTH);
  const value = decodeMetricValue(record.value);
  const step = typeof record.step === 'number' && Number.isFinite(record.step) ? Math.trunc(record.step) : undefined;
  if (key === undefined) return { error: 'metric needs a key' };
  if (value === undefined) return { error: `metric '${key}' has a value that is not a number` };
  if (step === undefined) return { error: `metric '${key}' has no integer step` };
  return { t: 'metric', key, value, step, ts };
}

/** What one read of the journal gave: whole lines only, and the offset to read from next time. */
export interface JournalChunk {
  records: JournalRecord[];
  errors: string[];
  nextOffset: number;
}

const READ_SIZE = 1 << 20;
const MAX_LINE_BYTES = 16 << 20;

/**
 * Reads complete lines from `offset`. A trailing partial line is left for the next read, unless `final`
 * (the writer is gone), when it is parsed as it is. A line longer than 16 MiB is skipped with an error.
 */
export function readJournal(path: string, offset: number, final = false): JournalChunk {
  const chunk: JournalChunk = { records: [], errors: [], nextOffset: offset };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return chunk; // no journal yet: the script has not logged anything
  }
  try {
    const size = fstatSync(fd).size;
    let position = offset;
    let pending: Buffer = Buffer.alloc(0);
    let skipping = false; // inside a line too long to keep: drop bytes up to its newline
    while (position < size) {
      const buffer = Buffer.alloc(Math.min(READ_SIZE, size - position));
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) break;
      position += read;
      let fresh = buffer.subarray(0, read);
      if (skipping) {
        const nl = fresh.indexOf(10);
        chunk.nextOffset += nl === -1 ? fresh.length : nl + 1;
        if (nl === -1) continue;
        skipping = false;
        fresh = fresh.subarray(nl + 1);
      }
      pending = pending.length ? Buffer.concat([pending, fresh]) : fresh;
      pending = takeLines(pending, chunk);
      if (pending.length > MAX_LINE_BYTES) {
        chunk.errors.push(`skipped a journal line over ${MAX_LINE_BYTES} bytes`);
        chunk.nextOffset += pending.length;
        pending = Buffer.alloc(0);
        skipping = true;
      }
    }
    if (final && pending.length > 0) {
      addLine(pending.toString('utf8'), chunk);
      chunk.nextOffset += pending.length;
    }
    return chunk;
  } finally {
    closeSync(fd);
  }
}

function takeLines(pending: Buffer, chunk: JournalChunk): Buffer {
  let start = 0;
  for (let nl = pending.indexOf(10, start); nl !== -1; nl = pending.indexOf(10, start)) {
    addLine(pending.subarray(start, nl).toString('utf8'), chunk);
    chunk.nextOffset += nl + 1 - start;
    start = nl + 1;
  }
  return pending.subarray(start);
}

function addLine(line: string, chunk: JournalChunk): void {
  if (line.trim() === '') return;
  const parsed = parseJournalLine(line);
  if ('error' in parsed) chunk.errors.push(parsed.error);
  else chunk.records.push(parsed);
}
