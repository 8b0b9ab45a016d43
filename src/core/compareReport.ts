// A plain-text side-by-side of a few runs for a read-only editor: what differs first, what they share after.
// Plain text rather than Markdown, so run-supplied strings need no escaping to stay inert and read as typed.

import { formatDuration, formatMetric } from './format';
import { diffRuns, type DiffRow } from './runDiff';
import { formatTimestamp, statusWord, truncate } from './runPresentation';
import type { RunListing } from './types';

const MAX_CELL = 40;
const GAP = '  ';

/** One cell: control characters (newlines, tabs, escapes) become spaces, long text is cut. */
function cell(text: string): string {
  return truncate(text.replace(/[\u0000-\u001f\u007f]/g, ' '), MAX_CELL);
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((text, column) => text.padEnd(widths[column])).join(GAP).trimEnd());
}

function valueText(value: string | number | undefined): string {
  if (value === undefined) return '—';
  return cell(typeof value === 'number' ? formatMetric(value) : value);
}

function section(title: string, header: string[], rows: readonly DiffRow[]): string[] {
  if (rows.length === 0) return [];
  const changed = rows.filter((row) => row.differs).map((row) => [cell(row.key), ...row.values.map(valueText)]);
  const same = rows.filter((row) => !row.differs).map((row) => `${cell(row.key)} = ${valueText(row.values[0])}`);
  const out = ['', title];
  out.push(...(changed.length ? table([header, ...changed]) : ['(no differences)']));
  if (same.length) out.push(`Same in every run: ${same.join(', ')}`);
  return out;
}

function duration(run: RunListing, now: number): string {
  const end = run.endTime ?? (run.status === 'RUNNING' ? now : null);
  return end === null ? '—' : formatDuration(end - run.startTime);
}

/** Text comparing runs: an overview, then params and metrics (last values), differing keys in a table first. */
export function compareReport(runs: readonly RunListing[], now: number): string {
  if (runs.length === 0) return 'Compare runs\n\nNo runs selected.\n';
  const header = ['', ...runs.map((run) => cell(run.name))];
  const overview = table([
    header,
    ['experiment', ...runs.map((run) => cell(run.experimentName))],
    ['status', ...runs.map((run) => statusWord(run.status))],
    ['started', ...runs.map((run) => formatTimestamp(run.startTime))],
    ['duration', ...runs.map((run) => duration(run, now))],
    ['run id', ...runs.map((run) => run.id)],
  ]);
  const rows = diffRuns(runs.map((run) => ({ label: run.name, params: run.params, metrics: run.metrics })));
  const lines = [
    `Compare ${runs.length} runs`,
    '',
    ...overview,
    ...section('Params', header, rows.filter((row) => row.kind === 'param')),
    ...section('Metrics (last value)', header, rows.filter((row) => row.kind === 'metric')),
  ];
  if (rows.length === 0) lines.push('', 'These runs have no params or metrics yet.');
  return `${lines.join('\n')}\n`;
}
