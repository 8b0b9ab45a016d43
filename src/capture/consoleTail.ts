import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { MetricPoint } from '../core/types';
import type { Store } from '../store/store';
import { LineSplitter, MetricCollector } from './outputCapture';
import type { ScalarParser } from './scalarParser';

const READ_SIZE = 1 << 20;
/** Points stored per transaction, so a huge log never sits in memory as points either. */
const BATCH_POINTS = 10_000;

/**
 * Parses a run's console log from its stored offset (the runner stores that offset with the points it parsed)
 * and stores what it finds, each batch with the new offset in one transaction, so a line is never lost or
 * doubled. The log is read in 1 MiB chunks, whatever its size. Unless `final`, a trailing line without its
 * newline is left for later. Stops when another process moved the offset meanwhile.
 */
export function ingestConsoleTail(store: Store, runId: string, consolePath: string | null, parser: ScalarParser, final: boolean): void {
  if (!consolePath) return;
  let fd: number;
  try {
    fd = openSync(consolePath, 'r');
  } catch {
    return; // the runner never wrote any output
  }
  try {
    readTail(store, runId, fd, parser, final);
  } finally {
    closeSync(fd);
  }
}

function readTail(store: Store, runId: string, fd: number, parser: ScalarParser, final: boolean): void {
  const { size, mtimeMs } = fstatSync(fd);
  let stored = store.consoleOffset(runId);
  if (stored >= size) return;
  // Lines printed without a step continue their key's count where the runner stopped.
  const collector = new MetricCollector(
    parser,
    store.metricSummaries(runId).map((s): [string, number] => [s.key, s.lastStep + 1]),
  );
  let lineEnd = stored;
  const splitter = new LineSplitter((line, end) => {
    collector.line(line, Math.trunc(mtimeMs), end);
    lineEnd = end;
  });
  const commit = (upTo: number): boolean => {
    const points = collector.take();
    const saved = saveBatch(store, runId, stored, upTo, points);
    stored = upTo;
    return saved;
  };
  const buffer = Buffer.alloc(READ_SIZE);
  for (let position = stored; position < size;) {
    const read = readSync(fd, buffer, 0, Math.min(READ_SIZE, size - position), position);
    if (read === 0) break;
    splitter.write(buffer.subarray(0, read), position);
    position += read;
    if (collector.size >= BATCH_POINTS && !commit(lineEnd)) return;
  }
  if (final) splitter.end(size);
  commit(final ? size : lineEnd);
}

function saveBatch(store: Store, runId: string, from: number, upTo: number, points: MetricPoint[]): boolean {
  if (upTo === from) return true;
  return store.transaction(() => {
    if (store.consoleOffset(runId) !== from) return false;
    store.logMetrics(runId, points);
    store.setConsoleOffset(runId, upTo);
    return true;
  });
}
