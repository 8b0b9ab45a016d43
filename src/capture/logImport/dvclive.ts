// DVCLive's folder (dvclive/ by default): plots/metrics/**.tsv hold each metric's history (timestamp in ms, step,
// value), metrics.json the latest values, params.yaml the params. A metric with no history is its latest value.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import Papa from 'papaparse';
import type { MetricPoint } from '../../core/types';
import { paramsFromFile } from '../argvParams';
import { pythonNumber } from './csvLoggers';
import type { ImportProblem, LogSource } from './types';
import { filesUnder } from './walk';

/** True when `dir` looks like a DVCLive output folder. */
export function isDvcLiveDir(dir: string): boolean {
  return existsSync(join(dir, 'metrics.json')) || existsSync(join(dir, 'plots', 'metrics'));
}

/** Reads a DVCLive folder. */
export function readDvcLive(dir: string): LogSource {
  const problems: ImportProblem[] = [];
  const plotsDir = join(dir, 'plots', 'metrics');
  const points = filesUnder(plotsDir, (name) => name.endsWith('.tsv')).flatMap((file) => tsvPoints(file, metricKey(plotsDir, file), problems));
  const plotted = new Set(points.map((point) => point.key));
  points.push(...latestValues(join(dir, 'metrics.json'), problems).filter((point) => !plotted.has(point.key)));
  return { kind: 'dvclive', dir, params: paramsFromFile(join(dir, 'params.yaml')), tags: {}, points, problems };
}

/** A DVCLive metric's name: its TSV's path under plots/metrics, without the extension. */
export function metricKey(plotsDir: string, file: string): string {
  return relative(plotsDir, file).slice(0, -'.tsv'.length).split(sep).join('/');
}

/** The points of one metric's TSV; `text` defaults to the whole file. */
export function tsvPoints(file: string, key: string, problems: ImportProblem[], text = readFileSync(file, 'utf8')): MetricPoint[] {
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, delimiter: '\t', skipEmptyLines: true });
  const valueColumn = (parsed.meta.fields ?? []).find((field) => field !== 'timestamp' && field !== 'step');
  if (!valueColumn) {
    problems.push({ file, message: 'no value column (expected timestamp, step and the metric)' });
    return [];
  }
  const points: MetricPoint[] = [];
  parsed.data.forEach((row, index) => {
    const value = pythonNumber(row[valueColumn] ?? '');
    const point = { key, value: value ?? NaN, step: Number(row.step ?? 0), timestamp: Number(row.timestamp) };
    if (value !== undefined && Number.isInteger(point.step) && Number.isFinite(point.timestamp)) points.push(point);
    else problems.push({ file, message: `row ${index + 2}: value, step or timestamp is not a number; row skipped` });
  });
  return points;
}

function latestValues(file: string, problems: ImportProblem[]): MetricPoint[] {
  if (!existsSync(file)) return [];
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push({ file, message: `not JSON: ${(error as Error).message}` });
    return [];
  }
  if (typeof data !== 'object' || data === null) return [];
  const { step, ...metrics } = data as Record<string, unknown>;
  const timestamp = Math.round(statSync(file).mtimeMs);
  return numericLeaves(metrics).map(([key, value]) => ({ key, value, step: typeof step === 'number' ? step : 0, timestamp }));
}

/** Nested numbers as slash-joined keys, as DVCLive names nested metrics. */
function numericLeaves(value: Record<string, unknown>, prefix = ''): Array<[string, number]> {
  return Object.entries(value).flatMap(([key, child]): Array<[string, number]> => {
    if (typeof child === 'number') return [[`${prefix}${key}`, child]];
    if (typeof child === 'object' && child !== null && !Array.isArray(child))
      return numericLeaves(child as Record<string, unknown>, `${prefix}${key}/`);
    return [];
  });
}
