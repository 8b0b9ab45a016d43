// Writes discovered logs into the store as finished runs that keep their original times, marked with their source.
import { createHash } from 'node:crypto';
import type { MetricPoint } from '../../core/types';
import type { Store } from '../../store/store';
import { discoverRuns, type DiscoveredRun } from './discover';
import type { ImportProblem } from './types';

/** What importing one run did: the new run (or the one it matched before), its points and what was skipped. */
export interface ImportResult {
  name: string;
  dir: string;
  kinds: string[];
  runId: string;
  points: number;
  problems: ImportProblem[];
  alreadyImported: boolean;
}

/** Options of `labbook import`. */
export interface ImportOptions {
  experiment?: string;
  /** Import again even when the folder was imported before (a new run). */
  again?: boolean;
}

/** Imports every run found under each path; a folder imported before is skipped unless `again`. */
export function importLogs(store: Store, paths: readonly string[], options: ImportOptions = {}): ImportResult[] {
  return paths.flatMap((path) => discoverRuns(path)).map((run) => importRun(store, run, options));
}

function importRun(store: Store, run: DiscoveredRun, options: ImportOptions): ImportResult {
  const key = importKey(run.dir);
  const points = run.sources.flatMap((source) => source.points);
  const kinds = [...new Set(run.sources.map((source) => source.kind))];
  const result = { name: run.name, dir: run.dir, kinds, points: points.length, problems: run.sources.flatMap((source) => source.problems) };
  const previous = options.again ? undefined : store.runIds({ filter: `tags.\`labbook.import.key\` = '${key}'` })[0];
  if (previous) return { ...result, runId: previous, alreadyImported: true };
  const [start, end] = timeSpan(points);
  const created = store.createRun({ experimentName: options.experiment, name: run.name, startTime: start, cwd: run.dir });
  store.logParams(created.id, Object.assign({}, ...run.sources.map((source) => source.params)) as Record<string, string>);
  store.setTags(created.id, {
    ...(Object.assign({}, ...run.sources.map((source) => source.tags)) as Record<string, string>),
    'labbook.source': kinds.join(','),
    'labbook.import.path': run.dir,
    'labbook.import.key': key,
  });
  store.logMetrics(created.id, points);
  store.finishRun(created.id, 'FINISHED', { endTime: end });
  return { ...result, runId: created.id, alreadyImported: false };
}

/** A folder's identity for "already imported": hex, so it needs no quoting in a filter. */
function importKey(dir: string): string {
  return createHash('sha256').update(dir).digest('hex').slice(0, 32);
}

function timeSpan(points: readonly MetricPoint[]): [number, number] {
  if (points.length === 0) return [Date.now(), Date.now()];
  let first = Infinity;
  let last = -Infinity;
  for (const { timestamp } of points) {
    first = Math.min(first, timestamp);
    last = Math.max(last, timestamp);
  }
  return [first, last];
}
