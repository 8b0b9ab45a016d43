// One chart of one metric over many runs (chart.js): a line per run in the run's colour, faint raw lines under
// solid smoothed ones when smoothing is on. Drag across it to zoom x, double-click to reset.

import type { Chart as ChartJs, ChartDataset, ChartOptions } from 'chart.js' with { 'resolution-mode': 'import' };
import { formatDuration, formatMetric } from '../../src/core/format';
import { formatTimestamp } from '../../src/core/runPresentation';
import type { CompareAxis } from '../../src/protocol/comparePanel';
import { yTickBoxes } from '../shared/axes';
import type { TickBox } from '../shared/axes';
import type { XY } from '../shared/chartSeries';
import { el } from '../shared/dom';
import { listenForDragZoom } from '../shared/dragZoom';
import { lineChartOptions, lineDataset } from '../shared/lineChartOptions';
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
  datasets: { label: string; color: string; points: number; first: XY | null; last: XY | null; pointRadius: number }[];
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
      datasets.push(lineDataset(line.label, line.raw, line.smoothed ? line.faintColor : line.color, 1));
      if (line.smoothed) datasets.push(lineDataset(`${line.label} (smoothed)`, line.smoothed, line.color, 1.75));
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
        pointRadius: typeof d.pointRadius === 'number' ? d.pointRadius : 0,
      })),
      x: { type: x?.type ?? 'linear', min: typeof x?.min === 'number' ? x.min : null, max: typeof x?.max === 'number' ? x.max : null },
      y: { type: scales?.y?.type ?? 'linear', ticks: yTickBoxes(this.chart) },
    };
  }

  destroy(): void {
    this.chart.destroy();
  }

  private options(data: OverlayData | null): ChartOptions<'line'> {
    const axis = data?.axis ?? 'step';
    return lineChartOptions({
      theme: this.theme,
      drawn: data?.lines.flatMap((line) => (line.smoothed ? [line.raw, line.smoothed] : [line.raw])) ?? [],
      stepAxis: axis === 'step',
      logX: data?.logX ?? false,
      logY: data?.logY ?? false,
      zoom: data?.zoom,
      formatX: (value) => formatX(value, axis),
      xTicks: { autoSkipPadding: 12 },
      // Only the drawn line of each run: the faint raw one repeats it when smoothing is on.
      tooltipFilter: (item) => !(data?.lines.some((l) => l.smoothed) && !item.dataset.label?.endsWith('(smoothed)')),
      tooltipColors: true,
    });
  }
}
