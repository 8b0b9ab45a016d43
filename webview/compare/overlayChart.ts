// One chart of one metric over many runs (chart.js): a line per run in the run's colour, faint raw lines under
// solid smoothed ones when smoothing is on. Drag across it to zoom x, double-click to reset.

import type { Chart as ChartJs, ChartDataset, ChartOptions, TooltipItem } from 'chart.js' with { 'resolution-mode': 'import' };
import { formatDuration, formatMetric } from '../../src/core/format';
import { formatTimestamp } from '../../src/core/runPresentation';
import type { CompareAxis } from '../../src/protocol/comparePanel';
import { fitLogTicks, yTickBoxes } from '../shared/axes';
import type { TickBox } from '../shared/axes';
import { flatBounds, isSortedByX, singleStepBounds } from '../shared/chartSeries';
import type { XY } from '../shared/chartSeries';
import { el } from '../shared/dom';
import { listenForDragZoom } from '../shared/dragZoom';
import type { ChartConstructor, XWindow } from '../shared/metricChart';
import type { ChartTheme } from '../shared/theme';

/** One run's lines. */
export interface OverlayLine {
  label: string;
  color: string;
  /** The colour of the raw line under a smoothed one. */
  faintColor: string;
  raw: XY[];
  smoothed: XY[] | null;
}

/** Everything an overlay chart draws. */
export interface OverlayData {
  key: string;
  lines: OverlayLine[];
  axis: CompareAxis;
  logY: boolean;
  logX: boolean;
  zoom: XWindow | null;
}

/** What a chart draws now, for tests (canvases hide it from the DOM). */
export interface OverlayDump {
  datasets: { label: string; color: string; points: number; first: XY | null; last: XY | null }[];
  x: { type: string; min: number | null; max: number | null };
  y: { type: string; ticks: TickBox[] };
}

/** x as the axis reads: a step, a time of day or a duration since the run started. */
export function formatX(value: number, axis: CompareAxis): string {
  if (axis === 'step') return formatMetric(value);
  return axis === 'timestamp' ? formatTimestamp(value) : formatDuration(value);
}

/** An overlay chart inside `container`; `onZoom` gets the dragged window, or null on double-click. */
export class OverlayChart {
  private readonly chart: ChartJs<'line', XY[]>;
  private readonly selection = el('div', { className: 'chart-selection', attributes: { hidden: '' } });
  private data: OverlayData | null = null;

  constructor(
    ChartCtor: ChartConstructor,
    container: HTMLElement,
    private theme: ChartTheme,
    onZoom: (window: XWindow | null) => void,
  ) {
    const canvas = el('canvas', { attributes: { role: 'img' } });
    container.append(canvas, this.selection);
    this.chart = new ChartCtor(canvas, { type: 'line', data: { datasets: [] }, options: this.options(null) });
    listenForDragZoom(this.chart, this.selection, () => this.data?.axis === 'step', onZoom);
  }

  update(data: OverlayData): void {
    this.data = data;
    const datasets: ChartDataset<'line', XY[]>[] = [];
    for (const line of data.lines) {
      datasets.push(this.dataset(line.label, line.raw, line.smoothed ? line.faintColor : line.color, 1));
      if (line.smoothed) datasets.push(this.dataset(`${line.label} (smoothed)`, line.smoothed, line.color, 1.75));
    }
    this.chart.data.datasets = datasets;
    this.chart.options = this.options(data);
    this.chart.canvas.setAttribute(
      'aria-label',
      `Chart of ${data.key} for ${data.lines.length} runs${data.logY ? ', log y' : ''}${data.logX ? ', log x' : ''}`,
    );
    this.chart.update('none');
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    if (this.data) this.update(this.data);
  }

  dump(): OverlayDump {
    const scales = this.chart.options.scales;
    const x = scales?.x;
    return {
      datasets: this.chart.data.datasets.map((d) => ({
        label: d.label ?? '',
        color: String(d.borderColor),
        points: d.data.length,
        first: d.data[0] ?? null,
        last: d.data.at(-1) ?? null,
      })),
      x: { type: x?.type ?? 'linear', min: typeof x?.min === 'number' ? x.min : null, max: typeof x?.max === 'number' ? x.max : null },
      y: { type: scales?.y?.type ?? 'linear', ticks: yTickBoxes(this.chart) },
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
      borderWidth: width,
      pointRadius: 0,
      pointHoverRadius: 3,
      pointHitRadius: 4,
      tension: 0,
      spanGaps: false,
      normalized: isSortedByX(data),
    };
  }

  private options(data: OverlayData | null): ChartOptions<'line'> {
    const { theme } = this;
    const axis = data?.axis ?? 'step';
    const font = { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 2) };
    const ticks = { color: theme.text, font };
    const drawn = data?.lines.flatMap((line) => (line.smoothed ? [line.raw, line.smoothed] : [line.raw])) ?? [];
    const flat = data && !data.logY ? flatBounds(drawn) : undefined;
    const single = axis === 'step' && !data?.logX ? singleStepBounds(drawn) : undefined;
    return {
      animation: false,
      parsing: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: data?.logX ? 'logarithmic' : 'linear',
          min: data?.zoom?.min ?? single?.min,
          max: data?.zoom?.max ?? single?.max,
          // Steps are whole numbers: ticks 0.5 apart would name steps that do not exist.
          ticks: {
            ...ticks,
            maxRotation: 0,
            autoSkipPadding: 12,
            ...(axis === 'step' ? { precision: 0 } : {}),
            callback: (value) => formatX(Number(value), axis),
          },
          grid: { color: theme.grid },
          border: { color: theme.grid },
        },
        y: {
          type: data?.logY ? 'logarithmic' : 'linear',
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
          // Only the drawn line of each run: the faint raw one repeats it when smoothing is on.
          filter: (item: TooltipItem<'line'>) => !(data?.lines.some((l) => l.smoothed) && !item.dataset.label?.endsWith('(smoothed)')),
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
