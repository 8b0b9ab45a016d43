// How a run reads in lists, tooltips and the status bar. Everything a run carries (names, params, tags, keys)
// may be hostile, so whatever ends up in Markdown goes through escapeMarkdown here and nowhere else.

import { formatDuration, formatMetric, relativeTime, truncate } from './format';
import { choosePrimaryMetric, paramSummary } from './runDistinction';
import { isLiveStatus, type GitFacts, type MetricSummary, type Run, type RunListing, type RunStatus } from './types';

const MINUTE = 60_000;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local date and time as `YYYY-MM-DD HH:MM`. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return 'unknown time';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Age that changes at most once a minute ("just now", then "5m ago"), for lists that are not redrawn every second. */
export function minuteAge(then: number, now: number): string {
  return now - then < MINUTE ? 'just now' : relativeTime(then, now);
}

export { truncate };

/** The metric a run is summarised by: the preferred key when the run has it, else the one choosePrimaryMetric picks. */
export function primaryMetric(metrics: Readonly<Record<string, MetricSummary>>, preferred?: string): MetricSummary | undefined {
  const key = preferred && metrics[preferred] ? preferred : choosePrimaryMetric(Object.keys(metrics));
  return key === undefined ? undefined : metrics[key];
}

/** What a run's row says besides its name: the params that tell it apart from its siblings and the metric runs are read by. */
export interface RowFocus {
  paramKeys: readonly string[];
  metric: string | undefined;
}

/** Tree item description: star, distinguishing params, primary metric and age, e.g. `★ lr=0.1 bs=64 · val_loss 0.23 · 5m ago`. */
export function runDescription(run: Pick<RunListing, 'metrics' | 'params' | 'starred' | 'startTime'>, focus: RowFocus, now: number): string {
  const metric = primaryMetric(run.metrics, focus.metric);
  const params = paramSummary(run.params, focus.paramKeys);
  const parts = [
    ...(params ? [params] : []),
    ...(metric ? [`${truncate(metric.key, 40)} ${formatMetric(metric.last)}`] : []),
    minuteAge(run.startTime, now),
  ];
  return `${run.starred ? '★ ' : ''}${parts.join(' · ')}`;
}

/** contextValue of a run row, `run live|ended starred|unstarred [rerunnable] [committed]`; package.json's menus match it by regex. */
export function runContextValue(run: Pick<Run, 'status' | 'starred' | 'argv' | 'cwd'> & { git: Pick<GitFacts, 'commit'> }): string {
  const flags = [
    isLiveStatus(run.status) ? 'live' : 'ended',
    run.starred ? 'starred' : 'unstarred',
    ...(run.argv.length && run.cwd ? ['rerunnable'] : []),
    // Reproduce Run checks out the recorded commit; a run made outside git has none.
    ...(run.git.commit ? ['committed'] : []),
  ];
  return ['run', ...flags].join(' ');
}

/** Codicon id and theme colour id for a status. */
export interface StatusIcon {
  id: string;
  color?: string;
}

const STATUS_ICONS: Readonly<Record<RunStatus, StatusIcon>> = {
  RUNNING: { id: 'loading~spin' },
  SCHEDULED: { id: 'clock' },
  FINISHED: { id: 'pass', color: 'testing.iconPassed' },
  FAILED: { id: 'error', color: 'testing.iconFailed' },
  KILLED: { id: 'circle-slash', color: 'disabledForeground' },
  CRASHED: { id: 'warning', color: 'list.warningForeground' },
};

/** The icon a run shows for its status. */
export function statusIcon(status: RunStatus): StatusIcon {
  return STATUS_ICONS[status] ?? { id: 'question' };
}

/** Lower-case status word for sentences ("finished", "crashed"). */
export function statusWord(status: RunStatus): string {
  return status.toLowerCase();
}

/** Escapes text for Markdown so it renders literally: no links, emphasis, HTML, headings or table breaks. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

/** `last 0.93 · min 0.1 · max 0.95 · 120 points` for one metric. */
export function metricSummaryText(summary: MetricSummary): string {
  return `last ${formatMetric(summary.last)} · min ${formatMetric(summary.min)} · max ${formatMetric(summary.max)} · ${summary.count} ${summary.count === 1 ? 'point' : 'points'}`;
}

/** Most entries of one kind a tooltip lists before saying how many more there are. */
export const TOOLTIP_MAX_ENTRIES = 12;
const TOOLTIP_MAX_VALUE = 80;

function tooltipSection(title: string, entries: [string, string][]): string[] {
  if (entries.length === 0) return [];
  const shown = entries
    .slice(0, TOOLTIP_MAX_ENTRIES)
    .map(([key, value]) => `- ${escapeMarkdown(truncate(key, TOOLTIP_MAX_VALUE))}: ${escapeMarkdown(truncate(value, TOOLTIP_MAX_VALUE))}`);
  const more = entries.length > TOOLTIP_MAX_ENTRIES ? [`- … ${entries.length - TOOLTIP_MAX_ENTRIES} more`] : [];
  return ['', `**${title}**`, '', ...shown, ...more];
}

function timing(run: Run, now: number): string {
  const started = `started ${formatTimestamp(run.startTime)}`;
  const end = run.endTime ?? (run.status === 'RUNNING' ? now : null);
  return end === null ? started : `${started}, ${run.status === 'RUNNING' ? 'running for' : 'took'} ${formatDuration(end - run.startTime)}`;
}

/** Markdown tooltip of a run: name, status, timing, params and metrics, every run-supplied string escaped. */
export function runTooltip(run: RunListing, now: number): string {
  const exit = run.exitCode !== null && run.status !== 'RUNNING' ? ` (exit code ${run.exitCode})` : '';
  const metrics = Object.keys(run.metrics)
    .sort()
    .map((key): [string, string] => [key, formatMetric(run.metrics[key].last)]);
  const params = Object.keys(run.params)
    .sort()
    .map((key): [string, string] => [key, run.params[key]]);
  return [
    `**${escapeMarkdown(truncate(run.name, 120))}** — ${statusWord(run.status)}${exit}`,
    '',
    `${escapeMarkdown(run.experimentName)} · ${timing(run, now)}`,
    ...tooltipSection('Params', params),
    ...tooltipSection('Metrics', metrics),
    '',
    `Run ID ${run.id}`,
  ].join('\n');
}

/** Human size: `512 B`, `1.2 KB`, `3.4 MB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '? B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Status bar text of the live run: `name · acc 0.93 · 2:13` (+N when more runs are live). */
export function liveRunText(
  run: Pick<RunListing, 'name' | 'metrics' | 'startTime'>,
  preferredMetric: string | undefined,
  now: number,
  othersLive: number,
): string {
  const metric = primaryMetric(run.metrics, preferredMetric);
  const parts = [
    truncate(run.name, 40),
    ...(metric ? [`${truncate(metric.key, 24)} ${formatMetric(metric.last)}`] : []),
    formatDuration(now - run.startTime),
  ];
  return `${parts.join(' · ')}${othersLive > 0 ? ` +${othersLive}` : ''}`;
}

const END_WORDS: Readonly<Partial<Record<RunStatus, string>>> = { FINISHED: 'finished', FAILED: 'failed', KILLED: 'stopped', CRASHED: 'crashed' };

/** How a run ended, in a few words: `train-3 finished · val_loss 0.23`, `train-4 failed (exit 1)`. */
export function runEndText(run: Pick<RunListing, 'name' | 'status' | 'exitCode' | 'metrics'>, preferredMetric: string | undefined): string {
  const name = truncate(run.name, 60);
  const word = END_WORDS[run.status] ?? statusWord(run.status);
  if (run.status !== 'FINISHED') return `${name} ${word}${run.exitCode === null ? '' : ` (exit ${run.exitCode})`}`;
  const metric = primaryMetric(run.metrics, preferredMetric);
  return `${name} ${word}${metric ? ` · ${truncate(metric.key, 40)} ${formatMetric(metric.last)}` : ''}`;
}
