// One card per metric: an overlay chart of every run that logged it and a table naming each run (the legend)
// with its last, min and max value and its value at the chosen step. Zooming a sampled chart asks the host
// for a finer sample of the window.

import { formatMetric } from '../../src/core/format';
import { xOf } from '../../src/core/series';
import type { CompareAxis, CompareMetric, CompareRangeDetailMessage, CompareRun, CompareSeries, CompareStats } from '../../src/protocol/comparePanel';
import { decodeNumber } from '../../src/protocol/runPanel';
import { decodePoints } from '../shared/chartSeries';
import type { XY } from '../shared/chartSeries';
import { el } from '../shared/dom';
import type { ChartConstructor, XWindow } from '../shared/metricChart';
import { MetricGroups } from '../shared/metricGroups';
import { emptyNote, section } from '../shared/sections';
import { onThemeChange, readChartTheme } from '../shared/theme';
import type { ChartTheme } from '../shared/theme';
import { paintSwatch, runCell } from './diffTable';
import { OverlayChart } from './overlayChart';
import type { OverlayDump, OverlayLine } from './overlayChart';

/** Settings every chart follows. */
export interface GridSettings {
  axis: CompareAxis;
  smoothing: number;
  logY: boolean;
  logX: boolean;
}

/** What a card of the page draws, for tests. */
export interface CardInspection {
  key: string;
  runs: number;
  chart: OverlayDump | null;
}

/** What the grid asks of the page. */
export interface GridHost {
  readonly settings: GridSettings;
  requestRange(key: string, axis: CompareAxis, window: XWindow): void;
  openRun(runId: string): void;
}

/** A run's points as drawn: x on the axis (relative time from the run's own start). */
function toXY(points: CompareSeries['points'], axis: CompareAxis, origin: number): XY[] {
  return decodePoints(points).map((p) => ({ x: xOf(p, axis, origin), y: Number.isFinite(p.value) ? p.value : Number.NaN }));
}

/** The overview with [xMin, xMax] replaced by its finer sample (which carries a neighbour each side). */
export function mergeDetail(overview: readonly XY[], detail: readonly XY[], xMin: number, xMax: number): XY[] {
  const low = detail.length > 0 ? Math.min(xMin, detail[0].x) : xMin;
  const high = detail.length > 0 ? Math.max(xMax, detail[detail.length - 1].x) : xMax;
  return [...overview.filter((p) => p.x < low), ...detail, ...overview.filter((p) => p.x > high)];
}

interface Detail {
  axis: CompareAxis;
  window: XWindow;
  series: CompareSeries[];
}

class MetricCard {
  readonly element: HTMLElement;
  private readonly box = el('div', { className: 'chart-box' });
  private readonly body = el('tbody');
  private readonly stepHead = el('th', { text: 'at step' });
  private readonly reset = el('button', { className: 'reset-zoom', text: 'Reset zoom', attributes: { type: 'button' } });
  private readonly note = el('p', { className: 'metric-note' });
  private chart: OverlayChart | null = null;
  private metric: CompareMetric;
  private zoom: { axis: CompareAxis; window: XWindow } | null = null;
  private detail: Detail | null = null;
  private stepValues = new Map<string, number | null>();
  private dirty = false;

  constructor(
    metric: CompareMetric,
    private readonly grid: MetricGrid,
  ) {
    this.metric = metric;
    this.reset.hidden = true;
    this.reset.addEventListener('click', () => this.zoomTo(null));
    const table = el(
      'table',
      { className: 'stats' },
      el('thead', {}, el('tr', {}, ...['Run', 'last', 'min', 'max'].map((text) => el('th', { text })), this.stepHead)),
      this.body,
    );
    this.element = el(
      'article',
      { className: 'metric-card' },
      el('div', { className: 'metric-head' }, el('h3', { className: 'metric-key', text: metric.key }), this.reset),
      this.box,
      this.note,
      el('div', { className: 'stats-scroll' }, table),
    );
  }

  get key(): string {
    return this.metric.key;
  }

  replace(metric: CompareMetric): void {
    this.metric = metric;
    this.detail = null;
    this.askForDetail();
    this.invalidate();
  }

  showDetail(message: CompareRangeDetailMessage): void {
    const zoom = this.zoom;
    if (!zoom || zoom.axis !== message.axis || zoom.window.min !== message.xMin || zoom.window.max !== message.xMax) return;
    this.detail = { axis: message.axis, window: zoom.window, series: message.series };
    this.invalidate();
  }

  setStepValues(values: Map<string, number | null> | null): void {
    this.stepValues = values ?? new Map();
    this.invalidate();
  }

  inspect(): CardInspection {
    return { key: this.key, runs: this.metric.series.length, chart: this.chart?.dump() ?? null };
  }

  retheme(theme: ChartTheme): void {
    this.chart?.setTheme(theme);
  }

  destroy(): void {
    this.chart?.destroy();
  }

  invalidate(): void {
    if (this.dirty) return;
    this.dirty = true;
    requestAnimationFrame(() => {
      this.dirty = false;
      this.render();
    });
  }

  /** The host sent new series (other axis or smoothing): a zoom on another axis no longer applies. */
  askForDetail(): void {
    const zoom = this.zoom;
    if (zoom && zoom.axis === this.grid.host.settings.axis && this.metric.series.some((s) => s.sampled))
      this.grid.host.requestRange(this.key, zoom.axis, zoom.window);
  }

  private zoomTo(window: XWindow | null): void {
    this.detail = null;
    this.zoom = window && { axis: this.grid.host.settings.axis, window };
    this.askForDetail();
    this.invalidate();
  }

  private lines(axis: CompareAxis): OverlayLine[] {
    const detail = this.detail?.axis === axis ? this.detail : null;
    return this.metric.series.flatMap((series) => {
      const run = this.grid.run(series.runId);
      if (!run) return [];
      const origin = axis === 'relative' ? run.startTime : 0;
      const fine = detail?.series.find((s) => s.runId === series.runId);
      const merge = (overview: XY[], finer: CompareSeries['points'] | null | undefined): XY[] =>
        detail && finer ? mergeDetail(overview, toXY(finer, axis, origin), detail.window.min, detail.window.max) : overview;
      const raw = merge(toXY(series.points, axis, origin), fine?.points);
      const smoothed = series.smoothed && merge(toXY(series.smoothed, axis, origin), fine?.smoothed);
      return [{ label: run.label, color: run.color, faintColor: run.faintColor, raw, smoothed }];
    });
  }

  private render(): void {
    const { settings } = this.grid.host;
    const chartJs = this.grid.chartJs;
    if (chartJs && !this.chart) this.chart = new OverlayChart(chartJs, this.box, this.grid.theme, (window) => this.zoomTo(window));
    const zoom = this.zoom && this.zoom.axis === settings.axis ? this.zoom.window : null;
    this.chart?.update({ key: this.key, lines: this.lines(settings.axis), axis: settings.axis, logY: settings.logY, logX: settings.logX, zoom });
    this.reset.hidden = !zoom;
    this.renderStats();
    const sampled = this.metric.series.some((s) => s.sampled);
    const notes = [
      sampled ? 'Long series are drawn as each stretch’s min and max; zoom in for detail.' : '',
      settings.logY && this.metric.stats.some((s) => decodeNumber(s.min) <= 0) ? 'Values ≤ 0 are not drawn on a log y axis.' : '',
      settings.logX && settings.axis !== 'timestamp' ? 'x ≤ 0 is not drawn on a log x axis.' : '',
    ].filter(Boolean);
    this.note.textContent = notes.join(' ');
    this.note.hidden = notes.length === 0;
  }

  private renderStats(): void {
    const showStep = this.stepValues.size > 0;
    this.stepHead.hidden = !showStep;
    this.stepHead.textContent = `at step ${formatMetric(this.grid.step ?? Number.NaN)}`;
    this.body.replaceChildren(...this.metric.stats.flatMap((stats) => this.statsRow(stats, showStep)));
  }

  private statsRow(stats: CompareStats, showStep: boolean): HTMLTableRowElement[] {
    const run = this.grid.run(stats.runId);
    if (!run) return [];
    const cell = runCell(run, (id) => this.grid.host.openRun(id));
    paintSwatch(cell, run.color);
    const at = this.stepValues.get(stats.runId);
    const values = [stats.last, stats.min, stats.max].map((v) => el('td', { className: 'num', text: formatMetric(decodeNumber(v)) }));
    const stepCell = el('td', { className: 'num', text: at === undefined || at === null ? '—' : formatMetric(at) });
    stepCell.hidden = !showStep;
    return [el('tr', {}, el('td', {}, cell), ...values, stepCell)];
  }
}

/** The metrics section: one card per key. */
export class MetricGrid {
  readonly element: HTMLElementTagNameMap['vscode-collapsible'];
  theme = readChartTheme();
  chartJs: ChartConstructor | null = null;
  step: number | null = null;
  private runs = new Map<string, CompareRun>();
  private readonly cards = new Map<string, MetricCard>();
  private readonly groups = new MetricGroups();
  private readonly empty = emptyNote('None of these runs logged a metric.');

  constructor(readonly host: GridHost) {
    this.element = section('Metrics', this.groups.user, this.empty, this.groups.system);
    onThemeChange(() => {
      this.theme = readChartTheme();
      for (const card of this.cards.values()) card.retheme(this.theme);
    });
  }

  run(runId: string): CompareRun | undefined {
    return this.runs.get(runId);
  }

  chartsReady(chartJs: ChartConstructor): void {
    this.chartJs = chartJs;
    this.redraw();
  }

  /** New runs and metrics (snapshot): cards of keys that are gone go, the others keep their zoom. */
  reset(runs: readonly CompareRun[], metrics: readonly CompareMetric[]): void {
    this.runs = new Map(runs.map((run) => [run.id, run]));
    for (const [key, card] of this.cards) {
      if (metrics.some((m) => m.key === key)) continue;
      card.destroy();
      card.element.remove();
      this.cards.delete(key);
    }
    this.replace(metrics);
  }

  /** New series of the same runs (view settings changed). */
  replace(metrics: readonly CompareMetric[]): void {
    for (const metric of metrics) {
      const card = this.cards.get(metric.key);
      if (card) card.replace(metric);
      else this.add(metric);
    }
    this.empty.hidden = this.cards.size > 0;
    // The heading counts the user's metrics; the System section counts its own.
    const user = this.groups.count(this.cards.keys());
    this.element.description = user > 0 ? String(user) : '';
  }

  showDetail(message: CompareRangeDetailMessage): void {
    this.cards.get(message.key)?.showDetail(message);
  }

  /** Values at a step, or null to hide the column. */
  showStepValues(step: number | null, values: readonly { key: string; runId: string; value: number | null }[]): void {
    this.step = step;
    for (const card of this.cards.values()) {
      const mine = step === null ? null : new Map(values.filter((v) => v.key === card.key).map((v) => [v.runId, v.value]));
      card.setStepValues(mine);
    }
  }

  redraw(): void {
    for (const card of this.cards.values()) card.invalidate();
  }

  inspect(): CardInspection[] {
    return [...this.cards.values()].map((card) => card.inspect());
  }

  private add(metric: CompareMetric): void {
    const card = new MetricCard(metric, this);
    this.cards.set(metric.key, card);
    this.groups.insert(this.cards, metric.key, card.element);
    card.invalidate();
  }
}
