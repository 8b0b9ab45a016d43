// Sampled inputs and predictions of a served version, buffered in memory and written to the store's inference log
// in one transaction a second, on a timer: a request only appends to an array.
import { appendInferences, type Inference } from '../../store/inferenceLog';
import type { Store } from '../../store/store';
import type { InputTable } from './payload';

/** How much of the traffic is kept. */
export interface InferenceLogOptions {
  /** Share of rows logged, 0 to 1 (1: every row). */
  sample: number;
  /** Rows kept per version in the store (older ones are dropped). */
  keep: number;
  /** How often the buffer is written, in ms. */
  flushMs: number;
}

/** Default: every row, the newest 10,000 per version, written every second. */
export const DEFAULT_INFERENCE_LOG: InferenceLogOptions = { sample: 1, keep: 10_000, flushMs: 1000 };

// A store that cannot take writes (locked for long) must not grow the buffer without bound: past this, rows are dropped.
const MAX_PENDING = 10_000;

/** Buffers sampled rows and writes them in batches. */
export class InferenceLogger {
  private pending: Inference[] = [];
  private readonly timer: NodeJS.Timeout;
  /** Rows left out because the buffer was full (the store was not taking writes). */
  dropped = 0;

  constructor(
    private readonly store: Store,
    private readonly name: string,
    private readonly version: number,
    private readonly options: InferenceLogOptions,
    private readonly log: (line: string) => void,
    private readonly random: () => number = Math.random,
  ) {
    this.timer = setInterval(() => this.flush(), options.flushMs);
    this.timer.unref();
  }

  /** Keeps a sample of a request's rows with their predictions (feature names as the window names them). */
  record(table: InputTable, features: string[], predictions: unknown[]): void {
    const at = Date.now();
    table.rows.forEach((row, r) => {
      if (this.options.sample < 1 && this.random() >= this.options.sample) return;
      if (this.pending.length >= MAX_PENDING) return void this.dropped++;
      const names = table.columns ?? features;
      const input = Object.fromEntries(row.map((value, i) => [names[i] ?? `feature_${i}`, value]));
      this.pending.push({ at, input, prediction: predictions[r] ?? null });
    });
  }

  /** Writes what is buffered; a failed write keeps the rows for the next try. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      appendInferences(this.store, this.name, this.version, batch, this.options.keep);
    } catch (error) {
      this.pending = [...batch, ...this.pending].slice(-MAX_PENDING);
      this.log(`inference log not written yet (${(error as Error).message}); will retry`);
    }
  }

  /** Stops the timer and writes the rest. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
