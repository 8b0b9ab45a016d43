// How params relate to a metric across the compared runs: parallel coordinates (one axis per param that
// differs, the chosen metric last, one line per run in its colour), drawn as SVG, and a scatter of the metric
// against one param (chart.js). Numeric params get a linear axis, others one tick per distinct value.

import type { Chart as ChartJs } from 'chart.js' with { 'resolution-mode': 'import' };
import { formatMetric } from '../../src/core/format';
import type { CompareMetric, CompareRun } from '../../src/protocol/comparePanel';
import { decodeNumber } from '../../src/protocol/runPanel';
import { el } from '../shared/dom';
import type { ChartConstructor } from '../shared/metricChart';
import { emptyNote, section } from '../shared/sections';
import type { ChartTheme } from '../shared/theme';

const SVG = 'http://www.w3.org/2000/svg';

/** One axis: where each run's value sits, 0 (bottom) to 1 (top), or null when the run has no value. */
export interface RelationAxis {
  name: string;
  positions: (number | null)[];
  /** Tick labels at positions 0..1. */
  ticks: { at: number; label: string }[];
}

/** An axis over the runs' values: linear when all are numbers, else one evenly spaced tick per value. */
export function relationAxis(name: string, values: readonly (string | number | undefined)[]): RelationAxis {
  const present = values.filter((v): v is string | number => v !== undefined && v !== '');
  const numbers = present.map((v) => (typeof v === 'number' ? v : Number(v)));
  if (present.length > 0 && numbers.every(Number.isFinite)) {
    const low = Math.min(...numbers);
    const high = Math.max(...numbers);
    const at = (v: number): number => (high > low ? (v - low) / (high - low) : 0.5);
    return {
      name,
      positions: values.map((v) => (v === undefined || v === '' ? null : at(Number(v)))),
      ticks:
        high > low
          ? [
              { at: 0, label: formatMetric(low) },
              { at: 1, label: formatMetric(high) },
            ]
          : [{ at: 0.5, label: formatMetric(low) }],
    };
  }
  const categories = [...new Set(present.map(String))].sort();
  const at = (v: string): number => (categories.length > 1 ? categories.indexOf(v) / (categories.length - 1) : 0.5);
  return {
    name,
    positions: values.map((v) => (v === undefined || v === '' ? null : at(String(v)))),
    ticks: categories.map((label) => ({ at: at(label), label })),
  };
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A run's point on one axis; `missing` when the run has no value there (drawn in the axis's "missing" slot). */
interface Vertex {
  x: number;
  y: number;
  missing: boolean;
}

/** Path data of the links between neighbouring vertices that `keep` accepts, one `M a L b` each. */
function linkPath(vertices: readonly Vertex[], keep: (from: Vertex, to: Vertex) => boolean): string {
  const links: string[] = [];
  for (let i = 1; i < vertices.length; i++) {
    const [from, to] = [vertices[i - 1], vertices[i]];
    if (keep(from, to)) links.push(`M${from.x.toFixed(1)},${from.y.toFixed(1)} L${to.x.toFixed(1)},${to.y.toFixed(1)}`);
  }
  return links.join(' ');
}

/** One run's line through every axis: solid between values, dashed into and out of a missing one (hollow mark). */
function runLine(run: CompareRun, vertices: readonly Vertex[]): SVGGElement {
  const group = svg('g', { class: 'run' });
  group.append(svg('title', {}, run.label));
  const line = (d: string, className: string): SVGPathElement =>
    svg('path', { d, fill: 'none', stroke: run.color, 'stroke-width': 1.5, class: className });
  group.append(
    line(
      linkPath(vertices, (a, b) => !a.missing && !b.missing),
      'run-line',
    ),
  );
  const dashed = linkPath(vertices, (a, b) => a.missing || b.missing);
  if (dashed) group.append(line(dashed, 'run-line missing-link'));
  for (const v of vertices.filter((vertex) => vertex.missing))
    group.append(svg('circle', { cx: v.x, cy: v.y, r: 3.5, stroke: run.color, class: 'missing-mark' }));
  return group;
}

/**
 * The parallel-coordinates drawing of these axes, one line per run through every axis. A run without a value on
 * an axis passes through that axis's "missing" slot below its end, so its line still reaches the metric.
 */
export function parallelCoordinates(axes: readonly RelationAxis[], runs: readonly CompareRun[], width: number): SVGSVGElement {
  const height = 280;
  const top = 24;
  const bottom = 48;
  const side = 60;
  const step = axes.length > 1 ? (width - 2 * side) / (axes.length - 1) : 0;
  const x = (i: number): number => side + i * step;
  const y = (at: number): number => top + (1 - at) * (height - top - bottom);
  const missingY = height - bottom + 16;
  const root = svg('svg', {
    class: 'parallel',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Parallel coordinates of ${axes.map((a) => a.name).join(', ')}`,
  });
  runs.forEach((run, r) => {
    const vertices = axes.map((axis, i): Vertex => {
      const at = axis.positions[r];
      return at === null ? { x: x(i), y: missingY, missing: true } : { x: x(i), y: y(at), missing: false };
    });
    root.append(runLine(run, vertices));
  });
  axes.forEach((axis, i) => {
    root.append(svg('line', { x1: x(i), x2: x(i), y1: top, y2: height - bottom, class: 'axis-line' }));
    root.append(svg('text', { x: x(i), y: height - 6, 'text-anchor': 'middle', class: 'axis-name' }, axis.name));
    for (const tick of axis.ticks) root.append(svg('text', { x: x(i) + 4, y: y(tick.at) + 4, class: 'axis-tick' }, tick.label));
    if (axis.positions.includes(null)) root.append(svg('text', { x: x(i) + 7, y: missingY + 4, class: 'axis-tick missing-label' }, 'missing'));
  });
  return root;
}

function lastValues(metric: CompareMetric | undefined, runs: readonly CompareRun[]): (number | undefined)[] {
  return runs.map((run) => {
    const stats = metric?.stats.find((s) => s.runId === run.id);
    const value = stats && decodeNumber(stats.last);
    return value !== undefined && Number.isFinite(value) ? value : undefined;
  });
}

function paramValues(key: string, runs: readonly CompareRun[]): (string | undefined)[] {
  return runs.map((run) => run.params.find((p) => p.key === key)?.value);
}

/** The section: a metric picker, the parallel coordinates and a scatter against a chosen param. */
export class Relations {
  readonly element: HTMLElementTagNameMap['vscode-collapsible'];
  private readonly metricSelect = el('select', { className: 'metric-select', attributes: { 'aria-label': 'Metric' } });
  private readonly paramSelect = el('select', { className: 'param-select', attributes: { 'aria-label': 'Param' } });
  private readonly parallel = el('div', { className: 'parallel-box' });
  private readonly scatterBox = el('div', { className: 'scatter-box' });
  private readonly empty = emptyNote('These runs share every param, or logged no metric: nothing to relate.');
  private scatter: ChartJs<'line', { x: number; y: number }[]> | null = null;
  private runs: readonly CompareRun[] = [];
  private metrics: readonly CompareMetric[] = [];
  private chartJs: ChartConstructor | null = null;

  constructor(private theme: ChartTheme) {
    const controls = el(
      'div',
      { className: 'relation-controls' },
      el('label', {}, 'Metric (last value) ', this.metricSelect),
      el('label', {}, 'Scatter against ', this.paramSelect),
    );
    this.metricSelect.addEventListener('change', () => this.render());
    this.paramSelect.addEventListener('change', () => this.render());
    this.element = section('Params and a metric', controls, this.parallel, this.scatterBox, this.empty);
  }

  chartsReady(chartJs: ChartConstructor): void {
    this.chartJs = chartJs;
    this.render();
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.render();
  }

  show(runs: readonly CompareRun[], metrics: readonly CompareMetric[]): void {
    this.runs = runs;
    this.metrics = metrics;
    const params = this.differingParams();
    fillSelect(
      this.metricSelect,
      metrics.map((m) => m.key),
    );
    fillSelect(this.paramSelect, params);
    this.render();
  }

  /** What the scatter draws, for tests. */
  dumpScatter(): { x: number; y: number; color: string }[] {
    return (this.scatter?.data.datasets ?? []).flatMap((d) => d.data.map((p) => ({ ...p, color: String(d.borderColor) })));
  }

  private differingParams(): string[] {
    const keys = [...new Set(this.runs.flatMap((run) => run.params.map((p) => p.key)))].sort();
    return keys.filter((key) => new Set(paramValues(key, this.runs)).size > 1);
  }

  private render(): void {
    const metric = this.metrics.find((m) => m.key === this.metricSelect.value);
    const params = this.differingParams();
    const usable = metric !== undefined && params.length > 0;
    this.empty.hidden = usable;
    this.parallel.hidden = !usable;
    this.scatterBox.hidden = !usable;
    if (!usable) return;
    const axes = [...params.map((key) => relationAxis(key, paramValues(key, this.runs))), relationAxis(metric.key, lastValues(metric, this.runs))];
    const width = Math.max(360, this.parallel.clientWidth - 16, 120 * axes.length);
    this.parallel.replaceChildren(parallelCoordinates(axes, this.runs, width));
    this.renderScatter(metric);
  }

  private renderScatter(metric: CompareMetric): void {
    if (!this.chartJs) return;
    const param = this.paramSelect.value;
    const xAxis = relationAxis(param, paramValues(param, this.runs));
    const numeric = paramValues(param, this.runs).every((v) => v === undefined || v === '' || Number.isFinite(Number(v)));
    const ys = lastValues(metric, this.runs);
    const xs = paramValues(param, this.runs).map((v, i) => (v === undefined ? null : numeric ? Number(v) : (xAxis.positions[i] ?? 0)));
    const datasets = this.runs.flatMap((run, i) => {
      const [px, py] = [xs[i], ys[i]];
      if (px === null || py === undefined) return [];
      return [
        {
          label: run.label,
          data: [{ x: px, y: py }],
          borderColor: run.color,
          backgroundColor: run.color,
          showLine: false,
          pointRadius: 5,
          pointHoverRadius: 7,
        },
      ];
    });
    const ticks = { color: this.theme.text, font: { family: this.theme.fontFamily, size: Math.max(10, this.theme.fontSize - 2) } };
    const categoryLabel = (value: number): string => xAxis.ticks.find((t) => Math.abs(t.at - value) < 1e-9)?.label ?? '';
    const options = {
      animation: false as const,
      parsing: false as const,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: {
          type: 'linear' as const,
          title: { display: true, text: param, color: this.theme.text },
          ticks: { ...ticks, callback: (v: string | number) => (numeric ? formatMetric(Number(v)) : categoryLabel(Number(v))) },
          grid: { color: this.theme.grid },
          // A text param: a tick per value, with room around the first and the last.
          ...(numeric
            ? {}
            : {
                min: -0.1,
                max: 1.1,
                afterBuildTicks: (scale: { ticks: { value: number }[] }) => (scale.ticks = xAxis.ticks.map((t) => ({ value: t.at }))),
              }),
        },
        y: { type: 'linear' as const, title: { display: true, text: metric.key, color: this.theme.text }, ticks, grid: { color: this.theme.grid } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (item: { dataset: { label?: string }; parsed: { y: number | null } }) =>
              `${item.dataset.label ?? ''}: ${formatMetric(item.parsed.y ?? Number.NaN)}`,
          },
        },
      },
    };
    if (!this.scatter) {
      const canvas = el('canvas', { attributes: { role: 'img', 'aria-label': 'Scatter of the metric against a param' } });
      this.scatterBox.append(canvas);
      this.scatter = new this.chartJs(canvas, { type: 'line', data: { datasets }, options });
      return;
    }
    this.scatter.data.datasets = datasets;
    this.scatter.options = options;
    this.scatter.update('none');
  }
}

function fillSelect(select: HTMLSelectElement, values: readonly string[]): void {
  const previous = select.value;
  select.replaceChildren(...values.map((value) => el('option', { text: value, attributes: { value } })));
  if (values.includes(previous)) select.value = previous;
}
