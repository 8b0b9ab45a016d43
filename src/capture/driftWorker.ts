// Worker thread entry (dist/driftWorker.js): reads one data file and sorts its numeric columns, so the two files of
// `labbook drift` are read and sorted on two cores at once. Each sorted column goes to the calling thread at once,
// transferred, not copied (readDriftPair walks column pairs while the next are sorted); then the rest of the dataset.
import { parentPort, workerData } from 'node:worker_threads';
import { DataFileError, readSortedDataset, type ReadOptions } from './driftData';

const { path, columns } = workerData as { path: string; columns?: string[] };
const options: ReadOptions = columns ? { columns: new Set(columns) } : {};
readSortedDataset(path, options, (column, numbers) => parentPort!.postMessage({ column, numbers }, [numbers.buffer as ArrayBuffer])).then(
  (dataset) => {
    // The transferred arrays are empty here; the calling thread puts them back into the dataset.
    for (const column of dataset.columns.values()) if (column.numbers) column.numbers = new Float64Array(0);
    parentPort!.postMessage({ dataset });
  },
  (error: Error) => parentPort!.postMessage({ error: error.message, badFile: error instanceof DataFileError }),
);
