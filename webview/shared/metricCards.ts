// One card per metric: a chart (raw and smoothed), its summary and notes, zoom with detail from the host.
// Full-resolution series are smoothed here; sampled ones come smoothed by the host (at full resolution).

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { formatMetric } from '../../src/core/format';
import { metricSummaryText } from '../../src/core/runPresentation';
import type { HistoryPoint } from '../../src/core/types';
import { MAX_SMOOTHING, decodeNumber } from '../../src/protocol/runPanel';
import type { RunPanelAxis, RunPanelRangeDetailMessage, RunPanelSeries, RunPanelSummary } from '../../src/protocol/runPanel';
import { axisChoice, smoothingControl } from './chartControls';
import { decodePoints, hasOneStep, nonFiniteCounts, smoothPoints, toXY, withDetail } from './chartSeries';
import type { RangeSample } from './chartSeries';
import { el, oncePerFrame } from './dom';
import { MetricChart } from './metricChart';
import { MetricGroups } from './metricGroups';
import type { ChartConstructor, MetricChartDump, XWindow } from './metricChart';
import { emptyNote, section } from './sections';
import { onThemeChange, readChartTheme } from './theme';
import type { ChartTheme } from './theme';

/** A zoomed x window of one chart, on the axis it was chosen on. */
export interface Zoom extends XWindow {
  axis: RunPanelAxis;
}

/** What a chart of the page currently draws, for tests and automation. */
export interface ChartInspection {
  key: string;
  sampled: boolean;
  count: number;
  chart: MetricChartDump | null;
}

/** Chart settings every card follows. */
export interface ChartSettings {
  smoothing: number;
  axis: RunPanelAxis;
  logScale: boolean;
}

/** What a metric card needs from its section. */
interface CardContext {
  readonly settings: ChartSettings;
  readonly origin: number;
  readonly theme: ChartTheme;
  readonly chartJs: ChartConstructor | null;
  zoomOf(key: string): Zoom | undefined;
  setZoom(key: string, zoom: Zoom | null): void;
}

/** A finer sample of a zoomed window, with its smoothed counterpart. */
interface Detail {
  range: RangeSample;
  smoothed: HistoryPoint[] | null;
}

/** One metric: its chart, summary and notes. */
class MetricCard {
  readonly element: HTMLElement;
  private readonly last = el('span', { className: 'metric-last' });
  private readonly stats = el('p', { className: 'metric-stats' });
  private readonly note = el('p', { className: 'metric-note' });
  private readonly reset = el('vscode-button', { className: 'reset-zoom', text: 'Reset zoom' });
  private readonly box = el('div', { className: 'chart-box' });
  private chart: MetricChart | null = null;
  private points: HistoryPoint[] = [];
  private hostSmoothed: HistoryPoint[] | null = null;
  private sampled = false;
  private summary: RunPanelSummary | null = null;
  private detail: Detail | null = null;

  constructor(
    readonly key: string,
    private readonly context: CardContext,
  ) {
    this.reset.secondary = true;
    this.reset.hidden = true;
    this.reset.addEventListener('click', () => this.zoomTo(null));
    const heading = el('div', { className: 'metric-head' }, el('h3', { className: 'metric-key', text: key }), this.last, this.reset);
    this.element = el('article', { className: 'metric-card' }, heading, this.box, this.stats, this.note);
  }

  get count(): number {
    return this.summary?.count ?? 0;
  }

  get isSampled(): boolean {
    return this.sampled;
  }

  /** Takes a whole series (snapshot, resample, new smoothing). */
  replace(series: RunPanelSeries): void {
    this.points = decodePoints(series.points);
    this.hostSmoothed = series.smoothed && decodePoints(series.smoothed);
    this.sampled = series.sampled;
    this.summary = series.summary;
    if (!this.sampled) this.detail = null;
    this.invalidate();
  }

  /** Appends the points of an increment. */
  append(series: RunPanelSeries): void {
    this.points.push(...decodePoints(series.points));
    // Smoothed points made at an older weight are dropped with the rest: a replacement is on its way.
    if (this.hostSmoothed && series.smoothed) this.hostSmoothed.push(...decodePoints(series.smoothed));
    this.sampled = series.sampled;
    this.summary = series.summary;
    this.invalidate();
  }

  /** Takes the finer sample of the zoomed window, if it is still the window shown. */
  showDetail(message: RunPanelRangeDetailMessage): void {
    const zoom = this.context.zoomOf(this.key);
    if (!zoom || zoom.axis !== message.axis || zoom.min !== message.xMin || zoom.max !== message.xMax) return;
    const range = { axis: message.axis, xMin: message.xMin, xMax: message.xMax, points: decodePoints(message.points) };
    this.detail = { range, smoothed: message.smoothed && decodePoints(message.smoothed) };
    this.invalidate();
  }

  /** Smoothing is about to be redone by the host: until then, preview it on what the page has. */
  dropHostSmoothing(): void {
    this.hostSmoothed = null;
    if (this.detail) this.detail.smoothed = null;
  }

  /** The zoomed window of a sampled chart, for which the host can send a finer sample. */
  wantedDetail(): Zoom | null {
    const zoom = this.context.zoomOf(this.key);
    return this.sampled && zoom && zoom.axis === this.axis() ? zoom : null;
  }

  /** Redraws on the next frame; many messages in one frame draw once. */
  readonly invalidate = oncePerFrame(() => this.render());

  inspect(): ChartInspection {
    return { key: this.key, sampled: this.sampled, count: this.count, chart: this.chart?.dump() ?? null };
  }

  /** Recolours for a new theme. */
  retheme(theme: ChartTheme): void {
    this.chart?.setTheme(theme);
  }

  destroy(): void {
    this.chart?.destroy();
  }

  // Logged without steps, every point has step 0: a step axis would draw one vertical line.
  private axis(): RunPanelAxis {
    return this.context.settings.axis === 'step' && hasOneStep(this.points) ? 'relative' : this.context.settings.axis;
  }

  private zoomTo(window: XWindow | null): void {
    this.detail = null;
    this.context.setZoom(this.key, window && { axis: this.axis(), min: window.min, max: window.max });
    this.invalidate();
  }

  private render(): void {
    const { settings, origin, chartJs } = this.context;
    if (chartJs && !this.chart) this.chart = new MetricChart(chartJs, this.box, this.context.theme, (window) => this.zoomTo(window));
    const axis = this.axis();
    const stored = this.context.zoomOf(this.key);
    const zoom = stored && stored.axis === axis ? stored : null;
    const detail = zoom && this.detail?.range.axis === axis ? this.detail : null;
    const raw = detail ? withDetail(this.points, detail.range.points, detail.range, origin) : this.points;
    const smoothed = settings.smoothing > 0 ? this.smoothedPoints(raw, detail) : null;
    this.chart?.update({
      label: this.key,
      raw: toXY(raw, axis, origin),
      smoothed: smoothed && toXY(smoothed, axis, origin),
      axis,
      logScale: settings.logScale,
      zoom,
    });
    this.reset.hidden = !zoom;
    this.showSummary(raw, axis);
  }

  private smoothedPoints(raw: HistoryPoint[], detail: Detail | null): HistoryPoint[] {
    const host = this.hostSmoothed;
    if (!this.sampled || !host) return smoothPoints(raw, this.context.settings.smoothing);
    return detail?.smoothed ? withDetail(host, detail.smoothed, detail.range, this.context.origin) : host;
  }

  private showSummary(drawn: readonly HistoryPoint[], axis: RunPanelAxis): void {
    const summary = this.summary;
    if (!summary) return;
    const count = summary.count;
    this.last.textContent = formatMetric(decodeNumber(summary.last));
    this.last.title = `last value, at step ${summary.lastStep}`;
    this.stats.textContent = metricSummaryText({
      key: this.key,
      last: decodeNumber(summary.last),
      lastStep: summary.lastStep,
      lastTimestamp: 0,
      min: decodeNumber(summary.min),
      max: decodeNumber(summary.max),
      count,
    });
    const { nan, infinite } = nonFiniteCounts(drawn);
    const notes = [
      this.sampled ? `Showing ${drawn.length} of ${count} points (each stretch's min and max).` : '',
      nan + infinite > 0 ? `${[nan ? `${nan} NaN` : '', infinite ? `${infinite} infinite` : ''].filter(Boolean).join(' and ')} not drawn.` : '',
      axis !== this.context.settings.axis ? 'Logged without steps: drawn against time.' : '',
      this.context.settings.logScale && decodeNumber(summary.min) <= 0 ? 'Values ≤ 0 are not drawn on a log scale.' : '',
    ].filter(Boolean);
    this.note.textContent = notes.join(' ');
    this.note.hidden = notes.length === 0;
  }
}

/** What the metrics section asks of the page around it. */
export interface MetricsHost {
  /** Settings and zooms to start with (saved by an earlier page). */
  readonly initial: { settings: ChartSettings; zoom: readonly [string, Zoom][] };
  /** The host should send a finer sample of this window. */
  requestRange(key: string, zoom: Zoom): void;
  /** The user let go of the smoothing slider at this weight. */
  smoothingChosen(weight: number): void;
  /** Settings or zooms changed: save them. */
  persist(): void;
}

/** The metrics section: controls and one card per metric key. */
export class MetricsSection implements CardContext {
  readonly element: HTMLElementTagNameMap['vscode-collapsible'];
  readonly settings: ChartSettings;
  origin = 0;
  theme = readChartTheme();
  chartJs: ChartConstructor | null = null;
  private readonly zooms: Map<string, Zoom>;
  private readonly cards = new Map<string, MetricCard>();
  private readonly groups = new MetricGroups();
  private readonly empty = emptyNote('No metrics logged yet.');

  constructor(private readonly host: MetricsHost) {
    this.settings = { ...host.initial.settings };
    this.zooms = new Map(host.initial.zoom);
    this.element = section('Metrics', this.controls(), this.groups.user, this.empty, this.groups.system);
    onThemeChange(() => {
      this.theme = readChartTheme();
      for (const card of this.cards.values()) card.retheme(this.theme);
    });
  }

  /** Called once chart.js has loaded. */
  chartsReady(chartJs: ChartConstructor): void {
    this.chartJs = chartJs;
    this.redrawAll();
  }

  reset(series: readonly RunPanelSeries[], origin: number): void {
    this.origin = origin;
    for (const card of this.cards.values()) card.destroy();
    this.cards.clear();
    this.groups.clear();
    this.replace(series);
  }

  append(series: readonly RunPanelSeries[]): void {
    for (const s of series) this.card(s.key).append(s);
    this.updateCount();
  }

  replace(series: readonly RunPanelSeries[]): void {
    for (const s of series) {
      const card = this.card(s.key);
      card.replace(s);
      this.askForDetail(card);
    }
    this.updateCount();
  }

  showDetail(message: RunPanelRangeDetailMessage): void {
    this.cards.get(message.key)?.showDetail(message);
  }

  zoomOf(key: string): Zoom | undefined {
    return this.zooms.get(key);
  }

  setZoom(key: string, zoom: Zoom | null): void {
    if (zoom) this.zooms.set(key, zoom);
    else this.zooms.delete(key);
    this.host.persist();
    const card = this.cards.get(key);
    if (card) this.askForDetail(card);
  }

  savedZooms(): [string, Zoom][] {
    return [...this.zooms];
  }

  inspect(): ChartInspection[] {
    return [...this.cards.values()].map((card) => card.inspect());
  }

  private askForDetail(card: MetricCard): void {
    const zoom = card.wantedDetail();
    if (zoom) this.host.requestRange(card.key, zoom);
  }

  private card(key: string): MetricCard {
    let card = this.cards.get(key);
    if (card) return card;
    card = new MetricCard(key, this);
    this.cards.set(key, card);
    this.groups.insert(this.cards, key, card.element);
    return card;
  }

  private updateCount(): void {
    this.empty.hidden = this.cards.size > 0;
    // The heading counts the user's metrics; the System section counts its own.
    const user = this.groups.count(this.cards.keys());
    this.element.description = user > 0 ? String(user) : '';
  }

  private redrawAll(): void {
    for (const card of this.cards.values()) card.invalidate();
  }

  private controls(): HTMLElement {
    const smoothing = smoothingControl(MAX_SMOOTHING, this.settings.smoothing, {
      input: (value) => {
        this.settings.smoothing = value;
        for (const card of this.cards.values()) card.dropHostSmoothing();
        this.redrawAll();
      },
      // Sampled series are smoothed by the host, at full resolution; ask once the slider is let go.
      change: () => {
        this.host.smoothingChosen(this.settings.smoothing);
        this.host.persist();
      },
    });
    const axis = axisChoice(
      [
        { axis: 'step', label: 'Step' },
        { axis: 'relative', label: 'Relative time' },
      ] as const,
      () => this.settings.axis,
      (picked) => {
        this.settings.axis = picked;
        this.host.persist();
        this.redrawAll();
      },
    );

    const log = el('vscode-checkbox', { className: 'log-scale', text: 'Log scale' });
    log.checked = this.settings.logScale;
    log.addEventListener('change', () => {
      this.settings.logScale = log.checked;
      this.host.persist();
      this.redrawAll();
    });

    return el(
      'div',
      { className: 'chart-controls' },
      smoothing,
      axis,
      log,
      el('span', { className: 'hint', text: 'Drag across a chart to zoom, double-click to reset.' }),
    );
  }
}
