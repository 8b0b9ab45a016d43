// Axis behaviour both chart kinds share: log-y ticks that never overlap, and a dump of the y labels' boxes for
// tests (canvases hide them from the DOM).

import type { Chart as ChartJs, Scale } from 'chart.js' with { 'resolution-mode': 'import' };
import { logTicks } from '../../src/core/axisScale';

// chart.js draws a label on a line 1.2 font sizes high; half a line more between labels keeps them readable.
const LINE_HEIGHT = 1.2;
const LABEL_GAP = 1.5;

/** The box a y tick label takes, in canvas pixels. */
export interface TickBox {
  label: string;
  top: number;
  bottom: number;
}

function labelHeight(scale: Scale): number {
  const size = (scale.options as { ticks?: { font?: { size?: number } } }).ticks?.font?.size ?? 12;
  return size * LINE_HEIGHT;
}

/**
 * chart.js `afterBuildTicks` hook: a log axis's own ticks crowd (2, 3, … 9 in every decade), so they are replaced
 * by 1-2-5 or powers of ten, only as many as the axis height has room for.
 */
export function fitLogTicks(scale: Scale): void {
  if (scale.type !== 'logarithmic') return;
  const room = Math.floor(Math.abs(scale.height) / (labelHeight(scale) * LABEL_GAP));
  scale.ticks = logTicks(scale.min, scale.max, room).map((value) => ({ value }));
}

/** The y labels a chart drew, with their boxes, top to bottom. */
export function yTickBoxes(chart: ChartJs): TickBox[] {
  const scale = chart.scales.y as Scale | undefined;
  if (!scale) return [];
  const half = labelHeight(scale) / 2;
  return scale.ticks
    .map((tick) => ({ label: String(tick.label ?? ''), y: scale.getPixelForValue(tick.value) }))
    .filter((tick) => tick.label !== '')
    .map(({ label, y }) => ({ label, top: y - half, bottom: y + half }))
    .sort((a, b) => a.top - b.top);
}
