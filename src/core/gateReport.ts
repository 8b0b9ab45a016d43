// The gate's Markdown report, for a pull-request comment, a CI job summary or the Testing view: the verdict per
// condition, what changed between the current model and the candidate, and a small chart as an inline SVG.
import { formatMetric } from './format';
import { signed } from './gate';
import type { GateDecision } from './gate';

/** One side of the comparison: a run (and the registered version it is, if any). */
export interface GateSide {
  /** How the report names it: `candidate run train-7` or `Production: v3 (run train-5)`. */
  label: string;
  runId: string;
  commit: string | null;
  dirty: boolean;
  params: Record<string, string>;
  /** Input data files by content hash. */
  data: { path: string; sha256: string }[];
  /** Metric history per gated metric, as [step, value] points (already downsampled). */
  series: Record<string, [number, number][]>;
}

/** Everything the report shows. */
export interface GateReportData {
  model: string;
  against: string;
  decision: GateDecision;
  candidate: GateSide;
  current: GateSide | null;
  /** Set when the candidate's run is already the current version's run. */
  sameAsCurrent: boolean;
  /** What --promote did, one line each. */
  actions: string[];
}

/** Text for a Markdown table cell: one line, pipes escaped, HTML defused. */
function cell(text: string): string {
  return escapeXml(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function verdictLine(data: GateReportData): string {
  if (data.decision.firstDeployment)
    return `**PASS: first deployment.** ${cell(data.model)} has no ${cell(data.against)} version yet, so the candidate passes.`;
  if (data.decision.passed) return `**PASS:** the candidate beats ${cell(data.against)} on every condition.`;
  const failed = data.decision.conditions.filter((c) => !c.passed).map((c) => `\`${cell(c.metric)}\``);
  return `**FAIL:** the candidate does not beat ${cell(data.against)} on ${failed.join(', ')}.`;
}

function conditionTable(decision: GateDecision): string[] {
  const rows = decision.conditions.map((c) => {
    const current = c.current === null ? '–' : formatMetric(c.current);
    const delta = c.delta === null ? '–' : signed(c.delta);
    return `| ${cell(c.metric)} | ${current} | ${formatMetric(c.candidate)} | ${delta} | ${cell(c.reason)} | ${c.passed ? '✅ pass' : '❌ fail'} |`;
  });
  return ['| metric | current | candidate | delta | condition | verdict |', '|---|---|---|---|---|---|', ...rows];
}

function paramChanges(current: GateSide, candidate: GateSide): string[] {
  const keys = [...new Set([...Object.keys(current.params), ...Object.keys(candidate.params)])].sort();
  const changed = keys.filter((key) => current.params[key] !== candidate.params[key]);
  if (changed.length === 0) return ['No param differs.'];
  return [
    '| param | current | candidate |',
    '|---|---|---|',
    ...changed.map((key) => `| ${cell(key)} | ${cell(current.params[key] ?? '–')} | ${cell(candidate.params[key] ?? '–')} |`),
  ];
}

function commitLine(current: GateSide, candidate: GateSide): string {
  const short = (side: GateSide): string =>
    side.commit ? `${side.commit.slice(0, 12)}${side.dirty ? ' (+ uncommitted changes)' : ''}` : 'no commit';
  if (!current.commit && !candidate.commit) return 'Neither run recorded a git commit.';
  if (current.commit && current.commit === candidate.commit && !current.dirty && !candidate.dirty) return `Same commit: ${short(candidate)}.`;
  const range = current.commit && candidate.commit ? ` (\`git log ${current.commit.slice(0, 12)}..${candidate.commit.slice(0, 12)}\`)` : '';
  return `Commits: ${short(current)} → ${short(candidate)}${range}.`;
}

function dataChanges(current: GateSide, candidate: GateSide): string[] {
  const before = new Map(current.data.map((d) => [d.path, d.sha256]));
  const after = new Map(candidate.data.map((d) => [d.path, d.sha256]));
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort().filter((path) => before.get(path) !== after.get(path));
  if (paths.length === 0) return ['No input data changed.'];
  const hash = (sha: string | undefined): string => (sha ? `\`${sha.slice(0, 12)}\`` : '–');
  return [
    '| data | current | candidate |',
    '|---|---|---|',
    ...paths.map((path) => `| ${cell(path)} | ${hash(before.get(path))} | ${hash(after.get(path))} |`),
  ];
}

const CHART = { width: 360, height: 120, pad: 24 };

/** A small line chart of one metric's history for each side, as SVG text (no script, no external reference). */
export function metricChartSvg(metric: string, lines: { label: string; color: string; points: [number, number][] }[]): string {
  const all = lines.flatMap((line) => line.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) return '';
  const [minX, maxX] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const [minY, maxY] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  const sx = (x: number): number => CHART.pad + ((x - minX) / (maxX - minX || 1)) * (CHART.width - 2 * CHART.pad);
  const sy = (y: number): number => CHART.height - CHART.pad - ((y - minY) / (maxY - minY || 1)) * (CHART.height - 2 * CHART.pad);
  const polylines = lines.map((line) => {
    const points = line.points
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
      .map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    const shape = points.length === 1 ? `<circle cx="${points[0].split(',')[0]}" cy="${points[0].split(',')[1]}" r="3" fill="${line.color}"/>` : '';
    return `${shape}<polyline fill="none" stroke="${line.color}" stroke-width="2" points="${points.join(' ')}"><title>${escapeXml(line.label)}</title></polyline>`;
  });
  const legend = lines.map((line, i) => `<text x="${CHART.pad + i * 150}" y="14" fill="${line.color}">${escapeXml(line.label)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART.width}" height="${CHART.height}" viewBox="0 0 ${CHART.width} ${CHART.height}" font-family="sans-serif" font-size="11" role="img" aria-label="${escapeXml(metric)} by step">`,
    ...legend,
    `<text x="2" y="${CHART.pad + 4}" fill="#888">${formatMetric(maxY)}</text>`,
    `<text x="2" y="${CHART.height - CHART.pad}" fill="#888">${formatMetric(minY)}</text>`,
    ...polylines,
    '</svg>',
  ].join('');
}

function charts(data: GateReportData): string[] {
  return data.decision.conditions.flatMap((c) => {
    const lines = [{ label: 'candidate', color: '#2b7de9', points: data.candidate.series[c.metric] ?? [] }];
    if (data.current) lines.push({ label: 'current', color: '#d9822b', points: data.current.series[c.metric] ?? [] });
    const svg = metricChartSvg(c.metric, lines);
    return svg ? [`**${cell(c.metric)}** by step`, '', svg, ''] : [];
  });
}

/** The report as Markdown. Every string that came from a run is escaped, so a param value cannot inject markup. */
export function gateReport(data: GateReportData): string {
  const lines = [`## Labbook gate: ${cell(data.model)}`, '', verdictLine(data), ''];
  if (data.sameAsCurrent) lines.push(`The candidate is already the ${cell(data.against)} version: nothing to improve on.`, '');
  lines.push(`- candidate: ${cell(data.candidate.label)}`, `- current: ${data.current ? cell(data.current.label) : 'none'}`, '');
  lines.push(...conditionTable(data.decision), '');
  if (data.current) {
    lines.push('### Params that differ', '', ...paramChanges(data.current, data.candidate), '');
    lines.push('### Code and data', '', commitLine(data.current, data.candidate), '', ...dataChanges(data.current, data.candidate), '');
  }
  const chartLines = charts(data);
  if (chartLines.length) lines.push('### Metrics', '', ...chartLines);
  if (data.actions.length) lines.push('### Promotion', '', ...data.actions.map((action) => `- ${cell(action)}`), '');
  return `${lines.join('\n').trimEnd()}\n`;
}
