// Worker thread entry (dist/driftWorker.js): reads one data file and sorts its numeric columns, so the two files of
// `labbook drift` are read and sorted on two cores at once. The arrays come back transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import { DataFileError, readSortedDataset, type ReadOptions } from './driftData';

const { path, columns } = workerData as { path: string; columns?: string[] };
const options: ReadOptions = columns ? { columns: new Set(columns) } : {};
readSortedDataset(path, options).then(
  (dataset) => {
    const buffers = [...dataset.columns.values()].flatMap((column) => (column.numbers ? [column.numbers.buffer as ArrayBuffer] : []));
    parentPort!.postMessage({ dataset }, buffers);
  },
  (error: Error) => parentPort!.postMessage({ error: error.message, badFile: error instanceof DataFileError }),
);
