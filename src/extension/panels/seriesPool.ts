// Worker threads that read and sample Compare series (seriesWorker.ts). Reading 100 runs × 100,000 points is
// ~1.5 s of SQLite calling a JS function per row; one thread cannot go faster, and the extension host should
// not do it at all. Each worker opens the store read-only (as the language server does) and sends back only the
// sampled series. Workers start on the first request, are replaced after a crash, and restart on another store.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CompareSeries } from '../../protocol/comparePanel';
import type { Store } from '../../store/store';
import { InThreadSeriesReader } from './compareFeed';
import type { SeriesReader, SeriesRequest } from './compareFeed';

/** A request to a series worker. */
export interface SeriesWorkerRequest {
  id: number;
  request: SeriesRequest;
}

/** What a series worker sends: once 'ready' when its store is open, then one answer per request. */
export type SeriesWorkerMessage =
  { type: 'ready' } | { type: 'series'; id: number; series: CompareSeries } | { type: 'failed'; id: number; message: string };

/** Where a pool says that a worker started, or that workers cannot start (the Labbook output channel). */
export interface SeriesPoolLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Options of a series worker pool. */
export interface SeriesWorkerPoolOptions {
  /** Worker threads (default defaultSeriesPoolSize()). */
  size?: number;
  log?: SeriesPoolLog;
}

/** Two threads halve a 100-run read even on two cores: the host thread only waits for the small answers. */
export function defaultSeriesPoolSize(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

/** A worker that failed before its store was open: the pool then reads in the calling thread instead. */
class WorkerStartError extends Error {}

interface Pending {
  resolve: (series: CompareSeries) => void;
  reject: (error: Error) => void;
}

/** One worker and the requests it has not answered yet. */
class SeriesThread {
  readonly pending = new Map<number, Pending>();
  private ready = false;
  private failure: Error | undefined;
  /** Why the pool ended this worker on purpose (disposed, another store). */
  private retired: string | undefined;

  constructor(
    readonly worker: Worker,
    private readonly onReady: () => void,
    onExit: (thread: SeriesThread) => void,
  ) {
    worker.on('message', (message: SeriesWorkerMessage) => this.receive(message));
    worker.on('error', (error) => (this.failure = error));
    worker.on('exit', (code) => {
      this.rejectAll(this.exitError(code));
      onExit(this);
    });
  }

  send(id: number, request: SeriesRequest): Promise<CompareSeries> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, request } satisfies SeriesWorkerRequest);
    });
  }

  retire(reason: string): Promise<number> {
    this.retired = reason;
    return this.worker.terminate();
  }

  private receive(message: SeriesWorkerMessage): void {
    if (message.type === 'ready') {
      this.ready = true;
      this.onReady();
      return;
    }
    const pending = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (message.type === 'series') pending?.resolve(message.series);
    else pending?.reject(new Error(message.message));
  }

  private exitError(code: number): Error {
    if (this.retired) return new Error(this.retired);
    const reason = this.failure?.message ?? `exit code ${code}`;
    if (!this.ready) return new WorkerStartError(`A Compare series worker could not start: ${reason}`);
    return new Error(`A Compare series worker stopped (${reason}); its reads were lost, the next request starts a new worker.`);
  }

  private rejectAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/** Reads Compare series in worker threads; falls back to the calling thread when workers cannot start. */
export class SeriesWorkerPool implements SeriesReader {
  private threads: SeriesThread[] = [];
  private dir: string | undefined;
  private nextId = 0;
  private fallback: InThreadSeriesReader | undefined;
  private disposed = false;
  private readonly size: number;

  /** `script` is the built dist/seriesWorker.js. */
  constructor(
    private readonly script: string,
    private readonly options: SeriesWorkerPoolOptions = {},
  ) {
    this.size = options.size ?? defaultSeriesPoolSize();
    if (!Number.isInteger(this.size) || this.size < 1) throw new Error(`A series worker pool needs at least one thread, not ${this.size}.`);
  }

  async sampleAll(store: Store, requests: readonly SeriesRequest[]): Promise<CompareSeries[]> {
    if (this.disposed) throw new Error('The Compare series workers were shut down.');
    if (this.fallback) return this.fallback.sampleAll(store, requests);
    this.useStore(store.dir);
    try {
      return await Promise.all(requests.map((request) => this.leastBusy().send(this.nextId++, request)));
    } catch (error) {
      if (!(error instanceof WorkerStartError)) throw error;
      this.options.log?.warn(`${error.message}; Compare reads series in the extension host thread.`);
      this.fallback = new InThreadSeriesReader();
      // The other workers failed or will fail the same way: end them now rather than when they get round to it.
      await this.retireAll(error.message);
      return this.fallback.sampleAll(store, requests);
    }
  }

  /** The running worker threads (for tests and diagnostics). */
  workers(): Worker[] {
    return this.threads.map((thread) => thread.worker);
  }

  /** Ends every worker; their unanswered requests are rejected. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.retireAll('The Compare series workers were shut down.');
  }

  // Another workspace store: workers of the old one are ended and new ones open this one.
  private useStore(dir: string): void {
    if (dir === this.dir) return;
    this.dir = dir;
    void this.retireAll('The Labbook store changed while Compare series were read.');
  }

  private async retireAll(reason: string): Promise<void> {
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map((thread) => thread.retire(reason)));
  }

  private leastBusy(): SeriesThread {
    while (this.threads.length < this.size) this.threads.push(this.start());
    return this.threads.reduce((best, thread) => (thread.pending.size < best.pending.size ? thread : best));
  }

  private start(): SeriesThread {
    // No execArgv: the host's flags (inspector, loaders) are not for this plain bundled script.
    const worker = new Worker(this.script, { workerData: { dir: this.dir }, execArgv: [] });
    const ready = (): void => this.options.log?.info(`Compare reads series in worker thread ${worker.threadId}.`);
    return new SeriesThread(worker, ready, (thread) => {
      this.threads = this.threads.filter((t) => t !== thread);
    });
  }
}
