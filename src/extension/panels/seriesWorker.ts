// A worker thread of the Compare panel's series pool (seriesPool.ts): opens the store read-only and answers
// "read + sample this run's series" requests, so only the small samples cross back to the extension host.
import { parentPort, workerData } from 'node:worker_threads';
import { SeriesScratch } from '../../store/seriesReads';
import { Store } from '../../store/store';
import { sampleSeries } from './compareFeed';
import type { SeriesWorkerMessage, SeriesWorkerRequest } from './seriesPool';

function serve(port: NonNullable<typeof parentPort>, dir: string): void {
  const store = Store.open(dir, { readonly: true });
  // Reused by every request (it keeps at most SCRATCH_POINTS rows: the pool's workers live as long as the window).
  const scratch = new SeriesScratch();
  const post = (message: SeriesWorkerMessage): void => port.postMessage(message);
  port.on('message', ({ id, request }: SeriesWorkerRequest) => {
    try {
      post({ type: 'series', id, series: sampleSeries(store, request, scratch) });
    } catch (error) {
      post({ type: 'failed', id, message: error instanceof Error ? error.message : String(error) });
    }
  });
  post({ type: 'ready' });
}

if (!parentPort) throw new Error('seriesWorker.js runs only as a worker thread of the Compare panel.');
serve(parentPort, (workerData as { dir: string }).dir);
