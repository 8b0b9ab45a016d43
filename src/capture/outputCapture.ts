import { StringDecoder } from 'node:string_decoder';
import type { MetricPoint } from '../core/types';
import type { LabbookConfig } from './config';
import { ScalarParser } from './scalarParser';

/** A line longer than this is cut for parsing (the console log keeps every byte). */
const MAX_LINE_CHARS = 1 << 20;

// A carriage return ends a line as a newline does: tqdm and Keras redraw their bar with `\r` and every redraw is
// an update worth a point. `\r\n` leaves an empty line between, which is skipped.
const LINE_END = /[\r\n]/g;
const CR = 13;
const LF = 10;

/** The printed-output parser a workspace's config asks for (the runner and recovery parse alike). */
export function scalarParserFor(metrics: LabbookConfig['metrics']): ScalarParser {
  return new ScalarParser({ ...metrics, defaults: metrics.builtin });
}

/** Where each line end (CR or LF byte) of `bytes` from `from` on is, plus one: the offsets just past them. */
function lineEnds(bytes: Buffer, from: number): number[] {
  const ends: number[] = [];
  for (let i = from; i < bytes.length; i++) if (bytes[i] === LF || bytes[i] === CR) ends.push(i + 1);
  return ends;
}

/**
 * Splits one output stream into lines at `\n` and `\r` and hands on the non-empty ones. Bytes that are not UTF-8
 * become U+FFFD for parsing only; a line without an end is parsed once it ends or grows past MAX_LINE_CHARS.
 * Each line comes with `end`: where it ends in the console log (just past its line end), when the caller says
 * where each chunk starts; that lets the runner and recovery agree on which lines are already stored.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private overflowing = false;

  constructor(private readonly onLine: (line: string, end: number) => void) {}

  /** Takes the next chunk, which starts at byte `at` of the console log. */
  write(chunk: Buffer, at = 0): void {
    // CR and LF bytes are never part of a UTF-8 sequence, so the decoder's n-th line end is the chunk's n-th one.
    const ends = lineEnds(chunk, 0);
    // The rest of a runaway line is dropped anyway: skip to its line end without decoding (binary or huge output).
    const skip = !this.overflowing ? 0 : ends.length > 0 ? ends[0] - 1 : chunk.length;
    if (skip === chunk.length) return;
    this.take(this.decoder.write(chunk.subarray(skip)), ends, at, at + chunk.length);
  }

  /** Flushes the last unterminated line, which ends at byte `at`. */
  end(at = 0): void {
    this.take(this.decoder.end(), [], at, at);
    this.emit(this.partial, at);
    this.partial = '';
    this.overflowing = false;
  }

  private take(text: string, ends: readonly number[], at: number, chunkEnd: number): void {
    let start = 0;
    let line = 0;
    LINE_END.lastIndex = 0;
    for (let end = LINE_END.exec(text); end; end = LINE_END.exec(text)) {
      this.emit(this.partial + text.slice(start, end.index), ends[line] === undefined ? chunkEnd : at + ends[line]);
      line += 1;
      this.partial = '';
      this.overflowing = false;
      start = end.index + 1;
    }
    if (this.overflowing) return;
    this.partial += text.slice(start);
    if (this.partial.length > MAX_LINE_CHARS) {
      // Parse the head of a runaway line once, then drop the rest of it until its line end.
      this.onLine(this.partial.slice(0, MAX_LINE_CHARS), chunkEnd);
      this.partial = '';
      this.overflowing = true;
    }
  }

  private emit(line: string, end: number): void {
    if (line && !this.overflowing) this.onLine(line, end);
  }
}

/** Turns parsed lines into metric points; keys logged without a step count 0, 1, 2, ... on their own. */
export class MetricCollector {
  private pending: MetricPoint[] = [];
  private ends: number[] = [];
  private readonly nextStep: Map<string, number>;

  /** `nextSteps` continues the step counts of output parsed before (recovery resuming a runner's work). */
  constructor(
    private readonly parser: ScalarParser,
    nextSteps: Iterable<[string, number]> = [],
  ) {
    this.nextStep = new Map(nextSteps);
  }

  /** Parses one line that ends at byte `end` of the console log. */
  line(text: string, now = Date.now(), end = 0): void {
    for (const metric of this.parser.parseLine(text)) {
      const step = metric.step ?? this.nextStep.get(metric.key) ?? 0;
      this.nextStep.set(metric.key, step + 1);
      this.pending.push({ key: metric.key, value: metric.value, step, timestamp: now });
      this.ends.push(end);
    }
  }

  /** Points collected since the last call, less those of lines ending at or before `storedUpTo` (already stored by another process). */
  take(storedUpTo = -1): MetricPoint[] {
    const points = this.pending.filter((_, i) => this.ends[i] > storedUpTo);
    this.pending = [];
    this.ends = [];
    return points;
  }

  /** How many points wait for take(). */
  get size(): number {
    return this.pending.length;
  }
}
