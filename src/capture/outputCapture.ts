import { StringDecoder } from 'node:string_decoder';
import type { MetricPoint } from '../core/types';
import type { ScalarParser } from './scalarParser';

/** A line longer than this is cut for parsing (the console log keeps every byte). */
const MAX_LINE_CHARS = 1 << 20;

// A carriage return ends a line as a newline does: tqdm and Keras redraw their bar with `\r` and every redraw is
// an update worth a point. `\r\n` leaves an empty line between, which is skipped.
const LINE_END = /[\r\n]/g;

/**
 * Splits one output stream into lines at `\n` and `\r` and hands on the non-empty ones. Bytes that are not UTF-8
 * become U+FFFD for parsing only; a line without an end is parsed once it ends or grows past MAX_LINE_CHARS.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private overflowing = false;

  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: Buffer): void {
    this.take(this.decoder.write(chunk));
  }

  /** Flushes the last unterminated line. */
  end(): void {
    this.take(this.decoder.end());
    this.emit(this.partial);
    this.partial = '';
    this.overflowing = false;
  }

  private take(text: string): void {
    let start = 0;
    LINE_END.lastIndex = 0;
    for (let end = LINE_END.exec(text); end; end = LINE_END.exec(text)) {
      this.emit(this.partial + text.slice(start, end.index));
      this.partial = '';
      this.overflowing = false;
      start = end.index + 1;
    }
    if (this.overflowing) return;
    this.partial += text.slice(start);
    if (this.partial.length > MAX_LINE_CHARS) {
      // Parse the head of a runaway line once, then drop the rest of it until its line end.
      this.onLine(this.partial.slice(0, MAX_LINE_CHARS));
      this.partial = '';
      this.overflowing = true;
    }
  }

  private emit(line: string): void {
    if (line && !this.overflowing) this.onLine(line);
  }
}

/** Turns parsed lines into metric points; keys logged without a step count 0, 1, 2, ... on their own. */
export class MetricCollector {
  private pending: MetricPoint[] = [];
  private readonly nextStep = new Map<string, number>();

  constructor(private readonly parser: ScalarParser) {}

  line(text: string, now = Date.now()): void {
    for (const metric of this.parser.parseLine(text)) {
      const step = metric.step ?? this.nextStep.get(metric.key) ?? 0;
      this.nextStep.set(metric.key, step + 1);
      this.pending.push({ key: metric.key, value: metric.value, step, timestamp: now });
    }
  }

  /** Points collected since the last call. */
  take(): MetricPoint[] {
    const points = this.pending;
    this.pending = [];
    return points;
  }
}
