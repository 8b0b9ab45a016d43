// Drag across a chart.js chart to choose an x window, double-click to reset: the zoom gesture of every chart.

import type { Chart as ChartJs } from 'chart.js' with { 'resolution-mode': 'import' };
import type { XWindow } from './metricChart';

// Drags shorter than this are clicks.
const MIN_DRAG_PX = 4;

/**
 * Listens on the chart's canvas: a drag shows `selection` over the chart area and then calls `onZoom` with the
 * dragged x window (whole numbers when `wholeX()`), a double-click calls it with null.
 */
export function listenForDragZoom(chart: ChartJs, selection: HTMLElement, wholeX: () => boolean, onZoom: (window: XWindow | null) => void): void {
  const canvas = chart.canvas;
  let start: number | null = null;
  const clamp = (x: number): number => Math.min(Math.max(x, chart.chartArea.left), chart.chartArea.right);
  const finish = (event: PointerEvent, apply: boolean): void => {
    if (start === null) return;
    const [from, to] = [start, clamp(event.offsetX)].sort((a, b) => a - b);
    start = null;
    selection.hidden = true;
    if (!apply || to - from < MIN_DRAG_PX) return;
    const scale = chart.scales.x;
    const [min, max] = [scale.getValueForPixel(from) ?? 0, scale.getValueForPixel(to) ?? 0];
    onZoom(wholeX() ? { min: Math.floor(min), max: Math.ceil(max) } : { min, max });
  };
  canvas.addEventListener('pointerdown', (event) => {
    const area = chart.chartArea;
    if (event.button !== 0 || event.offsetX < area.left || event.offsetX > area.right) return;
    start = event.offsetX;
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (start === null) return;
    const x = clamp(event.offsetX);
    const area = chart.chartArea;
    selection.hidden = false;
    selection.style.left = `${Math.min(start, x)}px`;
    selection.style.width = `${Math.abs(x - start)}px`;
    selection.style.top = `${area.top}px`;
    selection.style.height = `${area.bottom - area.top}px`;
  });
  canvas.addEventListener('pointerup', (event) => finish(event, true));
  canvas.addEventListener('pointercancel', (event) => finish(event, false));
  canvas.addEventListener('dblclick', () => onZoom(null));
}
