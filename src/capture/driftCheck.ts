// One drift check as the editor runs it: labbook.yaml's drift settings, both files read off the calling thread
// (worker threads), the report, and the current CSV's header line for the Problems panel. vscode-free, so it is
// tested on real files in plain Node; src/extension/panels/driftPanel.ts shows what it returns.
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { computeDrift, DriftInputError, type DatasetSample, type DriftReport } from '../core/drift';
import { headerRanges, type HeaderRange } from '../core/driftView';
import { loadConfig } from './config';
import { DataFileError, readSortedDatasets } from './driftData';

/** Where and how to check. */
export interface DriftCheckOptions {
  /** The workspace folder whose labbook.yaml holds the drift settings (driftShare, ignore, per-column methods). */
  workspace?: string;
  /** dist/driftWorker.js: the files are read in worker threads when it exists. */
  workerScript?: string;
}

/** A finished check. */
export interface DriftCheck {
  report: DriftReport;
  /** The current file's header names with their positions, for a CSV or TSV; undefined for Parquet. */
  currentHeader?: HeaderRange[];
  /** labbook.yaml problems, which did not stop the check. */
  warnings: string[];
}

/** A check that cannot be done (missing or unreadable file, no shared column): the message says why. */
export class DriftCheckError extends Error {}

/** Compares `currentPath` with `referencePath` under the workspace's drift settings. */
export async function checkDrift(referencePath: string, currentPath: string, options: DriftCheckOptions = {}): Promise<DriftCheck> {
  const { config, warnings } = options.workspace ? loadConfig(options.workspace) : { config: undefined, warnings: [] };
  let datasets: DatasetSample[];
  try {
    datasets = await readSortedDatasets([referencePath, currentPath], {}, options.workerScript);
  } catch (error) {
    if (error instanceof DataFileError) throw new DriftCheckError(error.message);
    throw error;
  }
  const [reference, current] = datasets;
  let report: DriftReport;
  try {
    report = computeDrift(reference, current, {
      driftShare: config?.drift.driftShare,
      perColumn: config?.drift.columns,
      ignore: config?.drift.ignore,
    });
  } catch (error) {
    if (error instanceof DriftInputError) throw new DriftCheckError(`${error.message}: ${columnList(reference)}; ${columnList(current)}.`);
    throw error;
  }
  const delimiter = csvDelimiter(currentPath);
  return { report, warnings, ...(delimiter ? { currentHeader: headerRanges(await firstLine(currentPath), delimiter) } : {}) };
}

function columnList(dataset: DatasetSample): string {
  const names = [...dataset.columns.keys()];
  const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length} columns)` : '');
  return `${dataset.name} has ${shown || 'no columns'}`;
}

function csvDelimiter(path: string): string | undefined {
  const ext = extname(path).toLowerCase();
  return ext === '.csv' ? ',' : ext === '.tsv' ? '\t' : undefined;
}

/** The first line of a text file, without its line break or a byte-order mark; reads only as far as it goes. */
export async function firstLine(path: string): Promise<string> {
  let text = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
    text += chunk as string;
    const end = text.search(/\r?\n/);
    if (end >= 0) {
      text = text.slice(0, end);
      break;
    }
  }
  return text.replace(/^\uFEFF/, '');
}
