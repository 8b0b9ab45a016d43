// Live import during `labbook run`: the TensorBoard, CSV logger and DVCLive files a run writes under its working
// folder are read as they grow. Event files are read from where the last pass stopped; CSV and TSV files are read
// whole when they change (loggers may rewrite them) and only the points past those already taken are new.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, extname, sep } from 'node:path';
import type { MetricPoint } from '../../core/types';
import { paramsFromFile } from '../argvParams';
import { csvLoggerKind, csvLoggerSource, firstCsvLine } from './csvLoggers';
import { isEventFile } from './discover';
import { metricKey, tsvPoints } from './dvclive';
import { eventFileScalars, type TagPlugins } from './tensorboard';
import type { ImportProblem } from './types';
import { filesUnder } from './walk';

/** What one pass found: new points, params files' contents, and problems not reported before. */
export interface TailBatch {
  points: MetricPoint[];
  params: Record<string, string>;
  problems: ImportProblem[];
}

interface TailedFile {
  size: number;
  mtimeMs: number;
  /** Event files: the byte where the next record starts. Others: how many points were taken. */
  position: number;
  plugins: TagPlugins;
}

const PLOTS_DIR = `${sep}dvclive${sep}plots${sep}metrics${sep}`;

/** Follows the log files written under `root` since `since` (ms); call poll() on a timer and once at the end. */
export class LogTailer {
  private readonly files = new Map<string, TailedFile>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly since: number,
  ) {}

  /** Reads what changed since the last pass. */
  poll(): TailBatch {
    const batch: TailBatch = { points: [], params: {}, problems: [] };
    for (const file of filesUnder(this.root, isTailedName).filter(isLogFile)) this.read(file, batch);
    return batch;
  }

  private read(file: string, batch: TailBatch): void {
    const stat = statSync(file, { throwIfNoEntry: false });
    const known = this.files.get(file);
    if (!stat || (!known && stat.mtimeMs < this.since)) return;
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) return;
    const state = known && stat.size >= known.size ? known : { size: 0, mtimeMs: 0, position: 0, plugins: new Map() };
    this.files.set(file, state);
    const problems: ImportProblem[] = [];
    if (isEventFile(basename(file))) this.readEvents(file, state, stat.size, batch.points, problems);
    else if (extname(file) === '.yaml') Object.assign(batch.params, paramsFromFile(file));
    else state.position = takeNew(rowPoints(file, problems), state.position, batch.points);
    Object.assign(state, { size: stat.size, mtimeMs: stat.mtimeMs });
    batch.problems.push(...problems.filter((problem) => this.firstTime(problem)));
  }

  private readEvents(file: string, state: TailedFile, size: number, points: MetricPoint[], problems: ImportProblem[]): void {
    const bytes = readRange(file, state.position, size);
    const scalars = eventFileScalars(bytes, 0, state.plugins);
    points.push(...scalars.points);
    problems.push(...scalars.problems.map((problem) => ({ file, offset: state.position + problem.offset, message: problem.message })));
    state.position += scalars.end;
  }

  private firstTime(problem: ImportProblem): boolean {
    const key = `${problem.file}\0${problem.offset ?? ''}\0${problem.message}`;
    if (this.reported.has(key)) return false;
    this.reported.add(key);
    return true;
  }
}

function isTailedName(name: string): boolean {
  return isEventFile(name) || ['.csv', '.tsv', '.yaml'].includes(extname(name));
}

/** Only loggers' files: a CSV the script writes as data is never read whole, only its first line. */
function isLogFile(file: string): boolean {
  const name = basename(file);
  if (isEventFile(name)) return true;
  if (name === 'hparams.yaml') return true;
  if (name === 'params.yaml' || extname(name) === '.tsv') return file.includes(`${sep}dvclive${sep}`);
  if (extname(name) !== '.csv') return false;
  try {
    return csvLoggerKind(firstCsvLine(file)) !== undefined;
  } catch {
    return false; // gone between the walk and the read
  }
}

/** Points of a CSV logger or DVCLive TSV, leaving out a last line still being written. */
function rowPoints(file: string, problems: ImportProblem[]): MetricPoint[] {
  const text = completeLines(readFileSync(file, 'utf8'));
  if (extname(file) === '.tsv') {
    const plotsAt = file.lastIndexOf(PLOTS_DIR);
    return plotsAt < 0 ? [] : tsvPoints(file, metricKey(file.slice(0, plotsAt + PLOTS_DIR.length - 1), file), problems, text);
  }
  const source = csvLoggerSource(file, text);
  problems.push(...(source?.problems ?? []));
  return source?.points ?? [];
}

function completeLines(text: string): string {
  return text.slice(0, text.lastIndexOf('\n') + 1);
}

function takeNew(points: readonly MetricPoint[], taken: number, into: MetricPoint[]): number {
  into.push(...points.slice(taken));
  return Math.max(taken, points.length);
}

function readRange(file: string, start: number, end: number): Uint8Array {
  const bytes = Buffer.alloc(Math.max(0, end - start));
  const fd = openSync(file, 'r');
  try {
    const read = readSync(fd, bytes, 0, bytes.length, start);
    return bytes.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
