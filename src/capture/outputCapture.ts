import { StringDecoder } from 'node:string_decoder';
import type { MetricPoint } from '../core/types';
import type { ScalarParser } from './scalarParser';

/** A line longer than this is cut for parsing (the console log keeps every byte). */
const MAX_LINE_CHARS = 1 << 20;

/**
 * Splits one output stream into lines and turns them into metric points. Bytes that are not UTF-8 become
 * U+FFFD for parsing only; a line without a newline is parsed once it ends or grows past MAX_LINE_CHARS.
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
    if (this.partial && !this.overflowing) this.onLine(this.partial);
    this.partial = '';
    this.overflowing = false;
  }

  private take(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const piece = text.slice(start, nl);
      if (!this.overflowing) this.onLine(this.partial + piece);
      this.partial = '';
      this.overflowing = false;
      start = nl + 1;
    }
    if (this.overflowing) return;
    this.partial += text.slice(start);
    if (this.partial.length > MAX_LINE_CHARS) {
      // Parse the head of a runaway line once, then drop the rest of it until its newline.
      this.onLine(this.partial.slice(0, MAX_LINE_CHARS));
      this.partial = '';
      this.overflowing = true;
    }
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
