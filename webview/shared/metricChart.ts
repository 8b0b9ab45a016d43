// One line chart of a metric (chart.js): the raw series, optionally a smoothed one on top, drag to zoom x.
// Updates go through chart.update('none'): no animation, no flicker, and the zoom the user chose stays.

import type { Chart as ChartJs, ChartDataset, ChartOptions } from 'chart.js' with { 'resolution-mode': 'import' };
import { formatDuration, formatMetric } from '../../src/core/format';
import type { RunPanelAxis } from '../../src/protocol/runPanel';
import { yTickBoxes } from './axes';
import type { TickBox } from './axes';
import type { XY } from './chartSeries';
import { el } from './dom';
import { listenForDragZoom } from './dragZoom';
import { lineChartOptions, lineDataset } from './lineChartOptions';
import type { ChartTheme } from './theme';

/** The chart.js constructor, loaded once per page. */
export type ChartConstructor = typeof ChartJs;

/** An x window in the units of the chart's axis. */
export interface XWindow {
  min: number;
  max: number;
}

/** Everything a chart draws. */
export interface MetricChartData {
  label: string;
  raw: XY[];
  /** Null: not smoothed, the raw line is drawn solid. */
  smoothed: XY[] | null;
  axis: RunPanelAxis;
  logScale: boolean;
  zoom: XWindow | null;
}

/** What a chart currently draws, for tests and automation (canvases hide it from the DOM). */
export interface MetricChartDump {
  datasets: { label: string; color: string; data: XY[] }[];
  x: { min: number | null; max: number | null; axis: RunPanelAxis };
  y: { type: string; ticks: TickBox[] };
}

/** Loads chart.js with only what line charts need. */
export async function loadChartJs(): Promise<ChartConstructor> {
  // A dynamic import: chart.js ships ESM types, and the bundler inlines it all the same.
  const { Chart, LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip } = await import('chart.js');
  Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip);
  return Chart;
}

function formatX(value: number, axis: RunPanelAxis): string {
  return axis === 'step' ? formatMetric(value) : formatDuration(value);
}

/** A metric's line chart inside `container`; calls `onZoom` when the user drags a window or double-clicks to reset. */
export class MetricChart {
  private readonly chart: ChartJs<'line', XY[]>;
  private readonly selection = el('div', { className: 'chart-selection', attributes: { hidden: '' } });
  private data: MetricChartData | null = null;
  private theme: ChartTheme;

  constructor(
    ChartCtor: ChartConstructor,
    container: HTMLElement,
    theme: ChartTheme,
    private readonly onZoom: (window: XWindow | null) => void,
  ) {
    this.theme = theme;
    const canvas = el('canvas', { attributes: { role: 'img' } });
    container.append(canvas, this.selection);
    this.chart = new ChartCtor(canvas, { type: 'line', data: { datasets: [] }, options: this.options(null) });
    // Steps are whole numbers: a window of whole steps reads better on the axis and in the request.
    listenForDragZoom(
      this.chart,
      this.selection,
      () => this.data?.axis === 'step',
      (window) => this.onZoom(window),
    );
  }

  /** Draws new data in place. */
  update(data: MetricChartData): void {
    this.data = data;
    const smoothing = data.smoothed !== null;
    const datasets: ChartDataset<'line', XY[]>[] = [lineDataset(data.label, data.raw, smoothing ? this.theme.lineFaint : this.theme.line, 1)];
    if (data.smoothed) datasets.push(lineDataset(`${data.label} (smoothed)`, data.smoothed, this.theme.line, 1.75));
    this.chart.data.datasets = datasets;
    this.chart.options = this.options(data);
    this.chart.canvas.setAttribute('aria-label', `Chart of ${data.label}, ${data.raw.length} points${data.logScale ? ', log scale' : ''}`);
    this.chart.update('none');
  }

  /** Recolours the chart for a new theme. */
  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    if (this.data) this.update(this.data);
  }

  /** What the chart draws now. */
  dump(): MetricChartDump {
    const x = this.chart.options.scales?.x;
    return {
      datasets: this.chart.data.datasets.map((d) => ({ label: d.label ?? '', color: String(d.borderColor), data: d.data })),
      x: { min: typeof x?.min === 'number' ? x.min : null, max: typeof x?.max === 'number' ? x.max : null, axis: this.data?.axis ?? 'step' },
      y: { type: this.chart.options.scales?.y?.type ?? 'linear', ticks: yTickBoxes(this.chart) },
    };
  }

  destroy(): void {
    this.chart.destroy();
  }

  private options(data: MetricChartData | null): ChartOptions<'line'> {
    const axis = data?.axis ?? 'step';
    return lineChartOptions({
      theme: this.theme,
      drawn: data ? (data.smoothed ? [data.raw, data.smoothed] : [data.raw]) : [],
      stepAxis: axis === 'step',
      logX: false,
      logY: data?.logScale ?? false,
      zoom: data?.zoom,
      formatX: (value) => formatX(value, axis),
      tooltipColors: false,
    });
  }
}
