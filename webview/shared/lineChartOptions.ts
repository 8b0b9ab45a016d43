// What the Run panel's chart and the Compare overlay draw alike: their line datasets and the chart.js options
// around their x axis (the y axis, fonts, grid and tooltip), so both kinds look and read the same in every theme.

import type { ChartDataset, ChartOptions, TooltipItem } from 'chart.js' with { 'resolution-mode': 'import' };
import { formatMetric } from '../../src/core/format';
import { fitLogTicks } from './axes';
import { flatBounds, isSortedByX, singleStepBounds } from './chartSeries';
import type { XY } from './chartSeries';
import { tooltipColors, type ChartTheme } from './theme';

/** A line: no point marks (a lone point shows as a dot), the same colour under the pointer, no gaps bridged. */
export function lineDataset(label: string, data: XY[], color: string, width: number): ChartDataset<'line', XY[]> {
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

/** How a chart's x axis and tooltip differ between the two chart kinds. */
export interface LineChartSpec {
  theme: ChartTheme;
  /** Every line drawn (raw and smoothed): they set the y range of a flat series and the x range of a single step. */
  drawn: readonly (readonly XY[])[];
  /** Whether x counts steps (whole numbers, a lone step centred). */
  stepAxis: boolean;
  logX: boolean;
  logY: boolean;
  zoom: { min: number; max: number } | null | undefined;
  formatX: (value: number) => string;
  /** More x tick options than colour, font, rotation, precision and labels. */
  xTicks?: { autoSkipPadding?: number };
  /** Which lines the tooltip lists (all by default). */
  tooltipFilter?: (item: TooltipItem<'line'>) => boolean;
  /** Whether the tooltip shows each line's colour box. */
  tooltipColors: boolean;
}

/** The chart.js options of a line chart: no animation, nearest-x hover, themed axes and tooltip. */
export function lineChartOptions(spec: LineChartSpec): ChartOptions<'line'> {
  const { theme, formatX } = spec;
  const font = { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 2) };
  const ticks = { color: theme.text, font };
  const flat = spec.logY ? undefined : flatBounds(spec.drawn);
  const single = spec.stepAxis && !spec.logX ? singleStepBounds(spec.drawn) : undefined;
  return {
    animation: false,
    parsing: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    scales: {
      x: {
        type: spec.logX ? 'logarithmic' : 'linear',
        min: spec.zoom?.min ?? single?.min,
        max: spec.zoom?.max ?? single?.max,
        // Steps are whole numbers: ticks 0.5 apart would name steps that do not exist.
        ticks: { ...ticks, ...spec.xTicks, maxRotation: 0, ...(spec.stepAxis ? { precision: 0 } : {}), callback: (value) => formatX(Number(value)) },
        grid: { color: theme.grid },
        border: { color: theme.grid },
      },
      y: {
        type: spec.logY ? 'logarithmic' : 'linear',
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
        ...tooltipColors(theme),
        titleFont: font,
        bodyFont: font,
        displayColors: spec.tooltipColors,
        filter: spec.tooltipFilter,
        callbacks: {
          title: (items: TooltipItem<'line'>[]) => (items.length ? `${spec.stepAxis ? 'step ' : ''}${formatX(items[0].parsed.x ?? 0)}` : ''),
          label: (item: TooltipItem<'line'>) => `${item.dataset.label ?? ''}: ${formatMetric(item.parsed.y ?? Number.NaN)}`,
        },
      },
    },
  };
}
