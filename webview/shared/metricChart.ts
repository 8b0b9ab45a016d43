// One line chart of a metric (chart.js): the raw series, optionally a smoothed one on top, drag to zoom x.
// Updates go through chart.update('none'): no animation, no flicker, and the zoom the user chose stays.

import type { Chart as ChartJs, ChartDataset, ChartOptions, TooltipItem } from 'chart.js' with { 'resolution-mode': 'import' };
import { formatDuration, formatMetric } from '../../src/core/format';
import type { RunPanelAxis } from '../../src/protocol/runPanel';
import { fitLogTicks, yTickBoxes } from './axes';
import type { TickBox } from './axes';
import { flatBounds, isSortedByX, singleStepBounds } from './chartSeries';
import type { XY } from './chartSeries';
import { el } from './dom';
import { listenForDragZoom } from './dragZoom';
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
    const datasets: ChartDataset<'line', XY[]>[] = [this.dataset(data.label, data.raw, smoothing ? this.theme.lineFaint : this.theme.line, 1)];
    if (data.smoothed) datasets.push(this.dataset(`${data.label} (smoothed)`, data.smoothed, this.theme.line, 1.75));
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

  private dataset(label: string, data: XY[], color: string, width: number): ChartDataset<'line', XY[]> {
    return {
      label,
      data,
      borderColor: color,
      backgroundColor: color,
      hoverBorderColor: color,
      hoverBackgroundColor: color,
      borderWidth: width,
      // A lone point has no line to draw: show it as a dot.
      pointRadius: data.length === 1 ? 2.5 : 0,
      pointHoverRadius: 3,
      pointHitRadius: 4,
      tension: 0,
      spanGaps: false,
      // Binary search over x is only right for sorted data (a resumed run may log steps again).
      normalized: isSortedByX(data),
    };
  }

  private options(data: MetricChartData | null): ChartOptions<'line'> {
    const { theme } = this;
    const axis = data?.axis ?? 'step';
    const font = { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 2) };
    const ticks = { color: theme.text, font };
    const drawn = data ? (data.smoothed ? [data.raw, data.smoothed] : [data.raw]) : [];
    const flat = data && !data.logScale ? flatBounds(drawn) : undefined;
    const single = axis === 'step' ? singleStepBounds(drawn) : undefined;
    return {
      animation: false,
      parsing: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          min: data?.zoom?.min ?? single?.min,
          max: data?.zoom?.max ?? single?.max,
          // Steps are whole numbers: ticks 0.5 apart would name steps that do not exist.
          ticks: { ...ticks, maxRotation: 0, precision: axis === 'step' ? 0 : undefined, callback: (value) => formatX(Number(value), axis) },
          grid: { color: theme.grid },
          border: { color: theme.grid },
        },
        y: {
          type: data?.logScale ? 'logarithmic' : 'linear',
          // Suggested, not fixed: chart.js then ends the axis on round ticks (31 … 35, not 31.35 … 34.65).
          suggestedMin: flat?.min,
          suggestedMax: flat?.max,
          afterBuildTicks: fitLogTicks,
          ticks: { ...ticks, callback: (value) => formatMetric(Number(value)) },
          grid: { color: theme.grid },
          border: { color: theme.grid },
        },
      },
      plugins: {
        tooltip: {
          backgroundColor: theme.tooltipBackground,
          titleColor: theme.tooltipText,
          bodyColor: theme.tooltipText,
          borderColor: theme.tooltipBorder,
          borderWidth: 1,
          titleFont: font,
          bodyFont: font,
          displayColors: false,
          callbacks: {
            title: (items: TooltipItem<'line'>[]) =>
              items.length ? `${axis === 'step' ? 'step ' : ''}${formatX(items[0].parsed.x ?? 0, axis)}` : '',
            label: (item: TooltipItem<'line'>) => `${item.dataset.label ?? ''}: ${formatMetric(item.parsed.y ?? Number.NaN)}`,
          },
        },
      },
    };
  }
}
