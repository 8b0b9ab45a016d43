// The sidebar Metrics view page: which run it shows and why, then one small chart per metric, growing as
// the host sends increments. Run data only ever becomes text nodes.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import { formatMetric } from '../src/core/format';
import type { HistoryPoint } from '../src/core/types';
import { isMetricsViewToWebview } from '../src/protocol/metricsView';
import type { MetricsViewEmptyMessage, MetricsViewFromWebview, MetricsViewRun, MetricsViewToWebview } from '../src/protocol/metricsView';
import { decodeNumber } from '../src/protocol/runPanel';
import type { RunPanelSeries } from '../src/protocol/runPanel';
import { decodePoints, hasOneStep, toXY } from './shared/chartSeries';
import { el, oncePerFrame } from './shared/dom';
import { MessageClient } from './shared/messageClient';
import { loadChartJs, MetricChart } from './shared/metricChart';
import type { ChartConstructor, MetricChartDump, XWindow } from './shared/metricChart';
import { MetricGroups } from './shared/metricGroups';
import { onThemeChange, readChartTheme } from './shared/theme';

/** What one chart of the view draws, for tests and automation (canvases hide it from the DOM). */
interface ViewChartInspection {
  key: string;
  count: number;
  chart: MetricChartDump | null;
}

declare global {
  interface Window {
    /** Read-only view of the charts. */
    labbookMetricsView?: { runId(): string | null; charts(): ViewChartInspection[] };
  }
}

const EMPTY_TEXT: Record<MetricsViewEmptyMessage['reason'], string> = {
  noStore:
    'No runs in this workspace yet. Start one with "Labbook: Run and Track Current File" or, in a terminal, labbook run -- python train.py. Its metrics show here as they arrive.',
  nothingSelected:
    'Select a run in the Runs view to see its metrics here. While a run is live and nothing is selected, its metrics show here as they arrive.',
};

const client = new MessageClient<MetricsViewToWebview, MetricsViewFromWebview>(isMetricsViewToWebview);

/** One metric: key, last value and a small chart; drag to zoom, double-click to reset. */
class SmallChart {
  readonly element: HTMLElement;
  private readonly last = el('span', { className: 'metric-last' });
  private readonly box = el('div', { className: 'chart-box' });
  private chart: MetricChart | null = null;
  private points: HistoryPoint[] = [];
  private count = 0;
  private zoom: XWindow | null = null;
  /** Redraws on the next frame; many messages in one frame draw once. */
  readonly invalidate = oncePerFrame(() => this.render());

  constructor(
    readonly key: string,
    private readonly page: Page,
  ) {
    this.element = el(
      'article',
      { className: 'metric-card' },
      el('div', { className: 'metric-head' }, el('h3', { className: 'metric-key', text: key, attributes: { title: key } }), this.last),
      this.box,
    );
  }

  replace(series: RunPanelSeries): void {
    this.points = decodePoints(series.points);
    this.summarize(series);
  }

  append(series: RunPanelSeries): void {
    this.points.push(...decodePoints(series.points));
    this.summarize(series);
  }

  inspect(): ViewChartInspection {
    return { key: this.key, count: this.count, chart: this.chart?.dump() ?? null };
  }

  retheme(): void {
    this.chart?.setTheme(this.page.theme);
  }

  destroy(): void {
    this.chart?.destroy();
  }

  private summarize(series: RunPanelSeries): void {
    this.count = series.summary.count;
    this.last.textContent = formatMetric(decodeNumber(series.summary.last));
    this.last.title = `last value, at step ${series.summary.lastStep}; ${series.summary.count} points`;
    this.invalidate();
  }

  private render(): void {
    const chartJs = this.page.chartJs;
    if (!chartJs) return;
    this.chart ??= new MetricChart(chartJs, this.box, this.page.theme, (window) => {
      this.zoom = window;
      this.invalidate();
    });
    // Logged without steps, every point has step 0: draw against time instead.
    const axis = hasOneStep(this.points) ? 'relative' : 'step';
    this.chart.update({ label: this.key, raw: toXY(this.points, axis, this.page.origin), smoothed: null, axis, logScale: false, zoom: this.zoom });
  }
}

/** The whole view: a header naming the run, the charts, or the empty state. */
class Page {
  chartJs: ChartConstructor | null = null;
  theme = readChartTheme();
  origin = 0;
  private run: MetricsViewRun | null = null;
  private readonly charts = new Map<string, SmallChart>();
  private readonly name = el('h2', { className: 'run-name' });
  private readonly status = el('span', { className: 'run-status' });
  private readonly open = el('vscode-button', { className: 'open-run', text: 'Open Run' });
  private readonly header = el('header', { className: 'run-header' }, el('div', { className: 'title-row' }, this.name, this.open), this.status);
  private readonly groups = new MetricGroups();
  private readonly note = el('p', { className: 'empty' });
  private readonly main = el(
    'main',
    { className: 'metrics-view', attributes: { 'aria-busy': 'true' } },
    this.header,
    this.note,
    this.groups.user,
    this.groups.system,
  );

  constructor() {
    this.open.secondary = true;
    this.open.addEventListener('click', () => {
      if (this.run) client.post({ type: 'metricsView/openRun', runId: this.run.id });
    });
    this.header.hidden = true;
    document.body.append(this.main);
    onThemeChange(() => {
      this.theme = readChartTheme();
      for (const chart of this.charts.values()) chart.retheme();
    });
  }

  get runId(): string | null {
    return this.run?.id ?? null;
  }

  chartsReady(chartJs: ChartConstructor): void {
    this.chartJs = chartJs;
    for (const chart of this.charts.values()) chart.invalidate();
  }

  handle(message: MetricsViewToWebview): void {
    switch (message.type) {
      case 'metricsView/show':
        this.showRun(message.run);
        this.clearCharts();
        this.origin = message.run.startTime;
        for (const series of message.metrics) this.chart(series.key).replace(series);
        this.showNote(message.metrics.length === 0 ? 'No metrics logged yet. They show here as the run logs them.' : '');
        break;
      case 'metricsView/runChanged':
        this.showRun(message.run);
        break;
      case 'metricsView/metricsAppended':
        for (const series of message.series) this.chart(series.key).append(series);
        this.showNote('');
        break;
      case 'metricsView/metricsReplaced':
        for (const series of message.series) this.chart(series.key).replace(series);
        break;
      case 'metricsView/empty':
        this.run = null;
        this.header.hidden = true;
        this.clearCharts();
        this.showNote(EMPTY_TEXT[message.reason]);
        break;
      case 'metricsView/error':
        this.showNote(`Labbook could not read the store: ${message.message}`);
        break;
    }
    this.main.setAttribute('aria-busy', 'false');
  }

  inspect(): ViewChartInspection[] {
    return [...this.charts.values()].map((chart) => chart.inspect());
  }

  private showRun(run: MetricsViewRun): void {
    this.run = run;
    this.header.hidden = false;
    this.name.textContent = run.name;
    this.name.title = `${run.name} (${run.experimentName})`;
    this.status.dataset.status = run.status;
    const state = run.status.charAt(0) + run.status.slice(1).toLowerCase();
    this.status.textContent = `${state} · ${run.source === 'live' ? 'the live run (select a run in the Runs view to see another)' : 'selected in the Runs view'}`;
  }

  private showNote(text: string): void {
    this.note.textContent = text;
    this.note.hidden = text === '';
  }

  private clearCharts(): void {
    for (const chart of this.charts.values()) chart.destroy();
    this.charts.clear();
    this.groups.clear();
  }

  private chart(key: string): SmallChart {
    let chart = this.charts.get(key);
    if (chart) return chart;
    chart = new SmallChart(key, this);
    this.charts.set(key, chart);
    this.groups.insert(this.charts, key, chart.element);
    return chart;
  }
}

const page = new Page();
// Compiled out of the shipped build (LABBOOK_TEST_HOOKS is false there).
if (LABBOOK_TEST_HOOKS)
  Object.defineProperty(window, 'labbookMetricsView', { value: Object.freeze({ runId: () => page.runId, charts: () => page.inspect() }) });
client.listen((message) => page.handle(message));
client.post({ type: 'metricsView/ready' });
void loadChartJs().then((chartJs) => page.chartsReady(chartJs));
