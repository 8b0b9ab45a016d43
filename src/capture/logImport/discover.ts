// Finds the logs under the paths given to `labbook import` and groups them into runs: one run per TensorBoard log
// folder, CSV logger file or DVCLive folder, and a Hydra run folder's config joins the logs written inside it.
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, relative, resolve, sep } from 'node:path';
import { csvLoggerKind, firstCsvLine, readCsvLogger } from './csvLoggers';
import { isDvcLiveDir, readDvcLive } from './dvclive';
import { isHydraRunDir, readHydraRun } from './hydra';
import { eventFileScalars, type TagPlugins } from './tensorboard';
import type { ImportProblem, LogSource } from './types';
import { dirsUnder, filesUnder } from './walk';

/** The logs of one run: its folder, a display name, and what each tool recorded there. */
export interface DiscoveredRun {
  dir: string;
  name: string;
  sources: LogSource[];
}

/** True for TensorBoard's event file names (events.out.tfevents.<time>.<host>...). */
export function isEventFile(name: string): boolean {
  return name.startsWith('events.out.tfevents.');
}

/** The runs found at `path` (a log file or a folder searched recursively); throws when it does not exist. */
export function discoverRuns(path: string): DiscoveredRun[] {
  const root = resolve(path);
  const isDir = statSync(root).isDirectory();
  const sources = isDir ? sourcesUnder(root) : sourcesOfFile(root);
  return groupIntoRuns(sources, isDir ? root : dirname(root));
}

function sourcesOfFile(file: string): LogSource[] {
  if (isEventFile(basename(file))) return [readEventFiles(dirname(file), [file])];
  const csv = readCsvLogger(file);
  if (!csv) throw new Error(`${file}: not a log Labbook can import (TensorBoard event file, Lightning or Keras CSV)`);
  return [csv];
}

function sourcesUnder(root: string): LogSource[] {
  const eventFiles = filesUnder(root, isEventFile);
  const eventDirs = [...new Set(eventFiles.map((file) => dirname(file)))];
  const csvFiles = filesUnder(root, (name) => extname(name) === '.csv').filter((file) => csvLoggerKind(firstCsvLine(file)) !== undefined);
  const dvcLiveDirs = dirsUnder(root, (dir) => basename(dir) === 'dvclive' && isDvcLiveDir(dir));
  return [
    ...eventDirs.map((dir) =>
      readEventFiles(
        dir,
        eventFiles.filter((file) => dirname(file) === dir),
      ),
    ),
    ...csvFiles.map((file) => readCsvLogger(file)!),
    ...dvcLiveDirs.map(readDvcLive),
    ...dirsUnder(root, isHydraRunDir).map(readHydraRun),
  ];
}

function readEventFiles(dir: string, files: string[]): LogSource {
  const plugins: TagPlugins = new Map();
  const problems: ImportProblem[] = [];
  const points = files.flatMap((file) => {
    const bytes = readFileSync(file);
    const scalars = eventFileScalars(bytes, 0, plugins);
    problems.push(...scalars.problems.map((problem) => ({ file, ...problem })));
    if (scalars.end < bytes.length) problems.push({ file, offset: scalars.end, message: 'the last record is cut short (still being written?)' });
    return scalars.points;
  });
  return { kind: 'tensorboard', dir, params: {}, tags: {}, points, problems };
}

/** Hydra folders take the logs written inside them; every other log is a run of its own. */
function groupIntoRuns(sources: LogSource[], root: string): DiscoveredRun[] {
  const hydraDirs = sources.filter((source) => source.kind === 'hydra').map((source) => source.dir);
  const runs = new Map<string, DiscoveredRun>();
  for (const source of sources) {
    const dir = source.kind === 'hydra' ? source.dir : (enclosing(hydraDirs, source.dir) ?? runDirOf(source));
    const run = runs.get(dir) ?? { dir, name: runName(root, dir), sources: [] };
    run.sources.push(source);
    runs.set(dir, run);
  }
  return [...runs.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}

/** A Keras CSV may sit beside other logs in one folder, so the file, not the folder, names its run. */
function runDirOf(source: LogSource): string {
  return source.kind === 'keras-csv' ? `${source.dir}${sep}${source.tags['labbook.import.file']}` : source.dir;
}

function enclosing(dirs: readonly string[], dir: string): string | undefined {
  return dirs.filter((candidate) => dir === candidate || dir.startsWith(candidate + sep)).sort((a, b) => b.length - a.length)[0];
}

function runName(root: string, dir: string): string {
  const rel = relative(root, dir).split(sep).join('/');
  return rel === '' ? basename(dir) : rel;
}
