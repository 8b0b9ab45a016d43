// The sidebar Monitoring view page: one card per running model server with its latest figures and four small
// live charts (requests a second, p50/p95 latency, error rate, drift share against the alert threshold), and a
// button that opens the Drift panel on its live window. Names and URLs only ever become text.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { Chart as ChartJs, ChartDataset } from 'chart.js' with { 'resolution-mode': 'import' };
import type { ServingFigures } from '../src/core/servingMetrics';
import { isMonitoringToWebview } from '../src/protocol/monitoringView';
import type { MonitoredServer, MonitoringFromWebview, MonitoringToWebview } from '../src/protocol/monitoringView';
import { el } from './shared/dom';
import { MessageClient } from './shared/messageClient';
import { loadChartJs, type ChartConstructor } from './shared/metricChart';
import { onThemeChange, readChartTheme, readCssColor, tooltipColors, type ChartTheme } from './shared/theme';

/** What one chart draws, for tests. */
export interface MonitoringChartDump {
  server: string;
  chart: string;
  datasets: { label: string; points: number; last: number | null; color: string }[];
}

declare global {
  interface Window {
    /** What the page drew, for tests. */
    labbookMonitoringView?: { charts(): MonitoringChartDump[] };
  }
}

type XY = { x: number; y: number };
type LineChart = ChartJs<'line', XY[]>;

/** A line's colour: the CSS variable `--lb-mon-<tone>` (media/monitoringView.css), also the legend swatch's class. */
type Tone = 'blue' | 'orange' | 'red' | 'purple' | 'threshold';

/** A chart of the card: its title and the lines it draws from the figures. */
interface ChartSpec {
  key: string;
  title: string;
  lines: { label: string; tone: Tone; value: (f: ServingFigures) => number | null; dashed?: boolean }[];
  format: (value: number) => string;
}

const ms = (seconds: number): string => `${(seconds * 1000).toPrecision(3)} ms`;
const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
const rate = (perSecond: number): string => `${perSecond.toPrecision(3)}/s`;

function chartSpecs(server: MonitoredServer): ChartSpec[] {
  return [
    { key: 'requests', title: 'Requests', lines: [{ label: 'requests/s', tone: 'blue', value: (f) => f.requestRate }], format: rate },
    {
      key: 'latency',
      title: 'Latency',
      lines: [
        { label: 'p50', tone: 'blue', value: (f) => f.p50 },
        { label: 'p95', tone: 'orange', value: (f) => f.p95 },
      ],
      format: ms,
    },
    { key: 'errors', title: 'Error rate', lines: [{ label: 'errors', tone: 'red', value: (f) => f.errorRate }], format: pct },
    {
      key: 'drift',
      title: 'Drift share',
      lines: [
        { label: 'drift share', tone: 'purple', value: (f) => f.driftShare },
        { label: 'alert threshold', tone: 'threshold', value: () => server.alertShare, dashed: true },
      ],
      format: (v) => v.toFixed(2),
    },
  ];
}

function lineColors(tone: Tone): { borderColor: string; backgroundColor: string } {
  const color = readCssColor(`--lb-mon-${tone}`);
  return { borderColor: color, backgroundColor: color };
}

/** The chart's title and, when it draws more than one line, a key per line in the line's colour. */
function caption(spec: ChartSpec): HTMLElement {
  const keys =
    spec.lines.length > 1
      ? spec.lines.map((line) =>
          el('span', { className: 'key' }, el('span', { className: `swatch ${line.tone}`, attributes: { 'aria-hidden': 'true' } }), line.label),
        )
      : [];
  return el('figcaption', {}, el('span', { className: 'title', text: spec.title }), ...keys);
}

function clock(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

const client = new MessageClient<MonitoringToWebview, MonitoringFromWebview>(isMonitoringToWebview);

/** One server's card. */
class ServerCard {
  readonly element: HTMLElement;
  private readonly figures = el('p', { className: 'figures' });
  private readonly problem = el('p', { className: 'problem', attributes: { role: 'alert' } });
  private readonly boxes = new Map<string, HTMLElement>();
  private charts = new Map<string, LineChart>();
  private server: MonitoredServer;

  constructor(
    private readonly Chart: ChartConstructor,
    server: MonitoredServer,
  ) {
    this.server = server;
    const open = el('vscode-button', { text: 'Open Drift Panel', attributes: { title: 'Compare its live window of inputs with its training data' } });
    open.secondary = true;
    open.addEventListener('click', () => client.post({ type: 'monitoringView/openDrift', id: this.server.id }));
    const stage = server.stage ? el('span', { className: 'stage', text: server.stage }) : '';
    const grid = el('div', { className: 'charts' });
    for (const spec of chartSpecs(server)) {
      const box = el('div', { className: 'chart-box' });
      this.boxes.set(spec.key, box);
      grid.append(el('figure', {}, caption(spec), box));
    }
    this.element = el(
      'section',
      { className: 'server', attributes: { 'aria-label': `${server.model} version ${server.version}` } },
      el('h3', {}, el('span', { text: `${server.model} v${server.version}` }), stage),
      el('p', { className: 'url', text: server.url }),
      this.figures,
      this.problem,
      grid,
      open,
    );
  }

  update(server: MonitoredServer, theme: ChartTheme): void {
    this.server = server;
    const last = server.points.at(-1);
    const parts = last
      ? [
          rate(last.requestRate),
          `p50 ${last.p50 === null ? '–' : ms(last.p50)}`,
          `p95 ${last.p95 === null ? '–' : ms(last.p95)}`,
          `errors ${last.errorRate === null ? '–' : pct(last.errorRate)}`,
          `drift ${last.driftShare === null ? '–' : last.driftShare.toFixed(2)}`,
        ]
      : ['Waiting for the second scrape…'];
    this.figures.textContent = parts.join(' · ');
    this.problem.textContent = server.error ?? '';
    this.problem.hidden = !server.error;
    for (const spec of chartSpecs(server)) this.draw(spec, theme);
  }

  dump(): MonitoringChartDump[] {
    return [...this.charts].map(([key, chart]) => ({
      server: this.server.id,
      chart: key,
      datasets: chart.data.datasets.map((d) => ({
        label: String(d.label),
        points: d.data.length,
        last: d.data.at(-1)?.y ?? null,
        color: String(d.borderColor),
      })),
    }));
  }

  destroy(): void {
    for (const chart of this.charts.values()) chart.destroy();
    this.charts.clear();
  }

  private draw(spec: ChartSpec, theme: ChartTheme): void {
    const datasets: ChartDataset<'line', XY[]>[] = spec.lines.map((line) => ({
      label: line.label,
      ...lineColors(line.tone),
      data: this.server.points.flatMap((f) => {
        const y = line.value(f);
        return y === null ? [] : [{ x: f.at, y }];
      }),
      borderWidth: 1.5,
      borderDash: line.dashed ? [4, 3] : undefined,
      pointRadius: 0,
    }));
    // The x axis spans the points exactly (no rounding past the newest scrape).
    const xs = this.server.points.map((f) => f.at);
    const span = { min: xs[0], max: xs.at(-1) };
    const existing = this.charts.get(spec.key);
    if (existing) {
      existing.data.datasets = datasets;
      Object.assign(existing.options.scales!.x!, span);
      existing.update('none');
      return;
    }
    const canvas = el('canvas', { attributes: { role: 'img', 'aria-label': `${spec.title} of ${this.server.model} v${this.server.version}` } });
    this.boxes.get(spec.key)!.append(canvas);
    const chart = new this.Chart<'line', XY[]>(canvas, {
      type: 'line',
      data: { datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        plugins: {
          tooltip: {
            ...tooltipColors(theme),
            callbacks: {
              title: (items) => clock(items[0]?.parsed.x ?? 0),
              label: (item) => `${item.dataset.label}: ${spec.format(item.parsed.y ?? 0)}`,
            },
          },
        },
        scales: {
          x: {
            type: 'linear',
            ...span,
            ticks: { color: theme.text, maxTicksLimit: 2, maxRotation: 0, callback: (v) => clock(Number(v)) },
            grid: { display: false },
          },
          y: {
            type: 'linear',
            beginAtZero: true,
            ticks: { color: theme.text, maxTicksLimit: 3, callback: (v) => spec.format(Number(v)) },
            grid: { color: theme.grid },
          },
        },
      },
    });
    this.charts.set(spec.key, chart);
  }
}

class MonitoringPage {
  private readonly main = el('main', { className: 'monitoring-view', attributes: { 'aria-busy': 'true' } });
  private readonly banner = el('p', { className: 'banner', attributes: { role: 'alert' } });
  private readonly empty = el(
    'div',
    { className: 'empty' },
    el('p', { text: 'No model is being served from this workspace.' }),
    el('p', {}, 'Start one in a terminal, e.g. ', el('code', { text: 'labbook serve-model NAME@alias' }), ' (or NAME/Production, NAME/3).'),
    el('p', { text: 'Each running server shows here with its request rate, latency, error rate and drift share, charted live.' }),
  );
  private readonly list = el('div', { className: 'servers' });
  private readonly cards = new Map<string, ServerCard>();
  private servers: MonitoredServer[] = [];

  constructor(private readonly Chart: ChartConstructor) {
    this.banner.hidden = true;
    this.empty.hidden = true;
    this.main.append(this.banner, this.empty, this.list);
    document.body.append(this.main);
    onThemeChange(() => this.retheme());
  }

  handle(message: MonitoringToWebview): void {
    if (message.type === 'monitoringView/error') {
      this.banner.textContent = message.message;
      this.banner.hidden = false;
      return;
    }
    this.banner.hidden = true;
    this.show(message.servers);
  }

  charts(): MonitoringChartDump[] {
    return [...this.cards.values()].flatMap((card) => card.dump());
  }

  private show(servers: MonitoredServer[]): void {
    this.servers = servers;
    const ids = new Set(servers.map((s) => s.id));
    for (const [id, card] of this.cards) {
      if (ids.has(id)) continue;
      card.destroy();
      card.element.remove();
      this.cards.delete(id);
    }
    const theme = readChartTheme();
    for (const server of servers) {
      let card = this.cards.get(server.id);
      if (!card) {
        card = new ServerCard(this.Chart, server);
        this.cards.set(server.id, card);
        this.list.append(card.element);
      }
      card.update(server, theme);
    }
    this.empty.hidden = servers.length > 0;
    this.main.setAttribute('aria-busy', 'false');
  }

  // Chart colours are read once per chart: a new theme rebuilds the cards.
  private retheme(): void {
    for (const card of this.cards.values()) {
      card.destroy();
      card.element.remove();
    }
    this.cards.clear();
    this.show(this.servers);
  }
}

void loadChartJs().then((Chart) => {
  const page = new MonitoringPage(Chart);
  if (LABBOOK_TEST_HOOKS) window.labbookMonitoringView = { charts: () => page.charts() };
  client.listen((message) => page.handle(message));
  client.post({ type: 'monitoringView/ready' });
});
