// Text the editor shows: code lens titles (plain text), hovers (markdown with an SVG chart as a data URI).
// Every string that came from a run (names, params, keys) is made inert here: control characters become
// spaces, and in markdown every ASCII punctuation character is backslash-escaped (CommonMark allows escaping
// all of them), so `<img …>`, backticks, `|` and link syntax render as the characters they are.
import { escapeMarkdown as escapeInline } from '../core/runPresentation';
import { formatMetric, relativeTime } from '../core/format';
import type { MetricGoal } from '../core/runRef';
import { textSparkline } from '../core/series';
import type { HistoryPoint } from '../core/types';
import { triedValuesGrid } from '../core/sweepForm';
import type { MetricInsight, ParamInsight } from './insights';

const MAX_TABLE_ROWS = 10;
const SPARKLINE_WIDTH = 10;

/** One line of at most `max` characters, control characters and line breaks turned into spaces. */
export function plainText(text: string, max = 60): string {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Run-supplied text as inert markdown: one line, at most `max` characters, every ASCII punctuation character escaped. */
export function escapeMarkdown(text: string, max = 60): string {
  return escapeInline(plainText(text, max));
}

function goalText(goal: MetricGoal): string {
  return goal === 'min' ? 'lower is better' : 'higher is better';
}

/** Run-supplied text for a lens title: plain text in which `$(name)` cannot turn into an icon. */
function lensText(text: string): string {
  return plainText(text, 40).replace(/\$\(/g, '$\u200b(');
}

/** `acc 0.931 last · best 0.947 (run-name) ▂▄▆█` */
export function lensTitle(insight: MetricInsight): string {
  const parts = [`${lensText(insight.key)} ${formatMetric(insight.latest.summary.last)} last`];
  if (insight.best) parts.push(`best ${formatMetric(insight.best.summary.last)} (${lensText(insight.best.run.name)})`);
  const values = insight.history.map((point) => point.value);
  const title = parts.join(' · ');
  return values.length > 1 ? `${title} ${textSparkline(values, SPARKLINE_WIDTH)}` : title;
}

const CHART = { width: 260, height: 80, left: 52, right: 8, top: 8, bottom: 18 };
const LINE_COLOR = '#3794ff';
const TEXT_COLOR = '#8c8c8c';

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Finite stretches of the series as polyline point lists; NaN and ±Infinity break the line. */
function polylines(points: readonly HistoryPoint[], x: (step: number) => number, y: (value: number) => number): string[] {
  const lines: string[] = [];
  let current: string[] = [];
  for (const point of points) {
    if (Number.isFinite(point.value)) {
      current.push(`${x(point.step).toFixed(1)},${y(point.value).toFixed(1)}`);
      continue;
    }
    if (current.length) lines.push(current.join(' '));
    current = [];
  }
  if (current.length) lines.push(current.join(' '));
  return lines;
}

/** A small line chart of a metric over steps, colours readable on light and dark themes. */
export function metricChartSvg(points: readonly HistoryPoint[]): string {
  const finite = points.filter((p) => Number.isFinite(p.value));
  const { width, height, left, right, top, bottom } = CHART;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const low = Math.min(...finite.map((p) => p.value));
  const high = Math.max(...finite.map((p) => p.value));
  const first = points.length ? points[0].step : 0;
  const last = points.length ? points[points.length - 1].step : 0;
  const x = (step: number) => left + (last > first ? ((step - first) / (last - first)) * plotWidth : plotWidth / 2);
  const y = (value: number) => top + (high > low ? ((high - value) / (high - low)) * plotHeight : plotHeight / 2);
  const text = (tx: number, ty: number, anchor: string, label: string) =>
    `<text x="${tx}" y="${ty}" text-anchor="${anchor}" font-family="sans-serif" font-size="10" fill="${TEXT_COLOR}">${xmlEscape(label)}</text>`;
  const lines = polylines(points, x, y).map((pts) =>
    pts.includes(' ')
      ? `<polyline points="${pts}" fill="none" stroke="${LINE_COLOR}" stroke-width="1.5"/>`
      : `<circle cx="${pts.split(',')[0]}" cy="${pts.split(',')[1]}" r="2" fill="${LINE_COLOR}"/>`,
  );
  const labels = finite.length
    ? [text(left - 4, top + 8, 'end', formatMetric(high)), text(left - 4, top + plotHeight, 'end', formatMetric(low))]
    : [text(left + plotWidth / 2, top + plotHeight / 2, 'middle', 'no finite values')];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="${left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="${TEXT_COLOR}" stroke-opacity="0.4"/>`,
    ...lines,
    ...labels,
    text(left, height - 4, 'start', `step ${first}`),
    text(width - right, height - 4, 'end', String(last)),
    '</svg>',
  ].join('');
}

/** The chart as a markdown image with a data URI. */
function chartImage(points: readonly HistoryPoint[], alt: string): string {
  return `![${alt}](data:image/svg+xml;base64,${Buffer.from(metricChartSvg(points)).toString('base64')})`;
}

/** Hover for a metric key: a chart of the latest run's history and the final value in each recent run. */
export function metricHover(insight: MetricInsight, now = Date.now()): string {
  const key = escapeMarkdown(insight.key);
  const latest = insight.latest.run;
  const ownBest = (summary: MetricInsight['latest']['summary']) => formatMetric(insight.goal === 'min' ? summary.min : summary.max);
  const rows = insight.runs.slice(0, MAX_TABLE_ROWS).map(({ run, summary }) => {
    const name = escapeMarkdown(run.name, 40) + (run.id === insight.best?.run.id ? ' ★' : '');
    return `| ${name} | ${formatMetric(summary.last)} | ${ownBest(summary)} | ${relativeTime(run.startTime, now)} |`;
  });
  const more = insight.runs.length > MAX_TABLE_ROWS ? `\n\n…and ${insight.runs.length - MAX_TABLE_ROWS} older runs` : '';
  return [
    `**${key}** in ${escapeMarkdown(latest.name, 40)} (${latest.status.toLowerCase()}), ${insight.latest.summary.count} points · ${goalText(insight.goal)}`,
    chartImage(insight.history, `${key} over steps`),
    ['| run | last | best | when |', '|:--|--:|--:|--:|', ...rows].join('\n') + more,
    '★ best final value in these runs',
  ].join('\n\n');
}

/**
 * A markdown link running `command` with `args`. The arguments are fully percent-encoded (parentheses too, which
 * encodeURIComponent keeps and which would end the link early); the extension trusts only its sweep command in hovers.
 */
export function commandLink(title: string, command: string, args: readonly unknown[], tooltip: string): string {
  const query = encodeURIComponent(JSON.stringify(args)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `[${title}](command:${command}?${query} "${tooltip.replace(/["\\]/g, '')}")`;
}

/** The hover's "Sweep lr over …" link: the Run Sweep form (`command`) with the values tried so far as its grid. */
function sweepLink(insight: ParamInsight, command: string): string | undefined {
  const grid = triedValuesGrid(
    insight.key,
    insight.values.map((v) => v.value),
  );
  if (!grid) return undefined;
  const count = grid.split(',').length;
  const tooltip = `Open the Run Sweep form with the ${count} ${count === 1 ? 'value' : 'values'} tried so far`;
  return commandLink(`Sweep ${escapeMarkdown(insight.key)} over …`, command, [{ grid: [grid] }], tooltip);
}

/** Hover for a param: the values tried, best first by the primary metric, and a link to sweep it (`sweepCommand`). */
export function paramHover(insight: ParamInsight, sweepCommand?: string): string {
  const key = escapeMarkdown(insight.key);
  const metric = insight.metric ? escapeMarkdown(insight.metric) : undefined;
  const header = metric
    ? `**${key}**: values tried, best first by **${metric}** (${goalText(insight.goal)})`
    : `**${key}**: values tried (these runs logged no metric)`;
  const rows = insight.values.slice(0, MAX_TABLE_ROWS).map((v) => {
    const result = v.best ? `${formatMetric(v.best.summary.last)} | ${escapeMarkdown(v.best.run.name, 40)}` : '– | –';
    return `| ${escapeMarkdown(v.value, 40)} | ${result} | ${v.runCount} |`;
  });
  const more = insight.values.length > MAX_TABLE_ROWS ? `\n\n…and ${insight.values.length - MAX_TABLE_ROWS} more values` : '';
  const table = [`| ${key} | ${metric ?? 'metric'} | best run | runs |`, '|:--|--:|:--|--:|', ...rows].join('\n') + more;
  const sweep = sweepCommand ? sweepLink(insight, sweepCommand) : undefined;
  return [header, table, ...(sweep ? [sweep] : [])].join('\n\n');
}
