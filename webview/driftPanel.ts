// The Drift panel page: the dataset verdict, a table of every compared column (method, score, threshold, verdict)
// and per column the reference's and the current data's histograms overlaid (chart.js bars, bins from the host).
// Names from the data only ever become text. Each column name in the table is a button that moves to its chart.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { Chart as ChartJs } from 'chart.js' with { 'resolution-mode': 'import' };
import type { DriftPanelColumn, DriftPanelReport } from '../src/core/driftView';
import { isDriftToWebview } from '../src/protocol/driftPanel';
import type { DriftFromWebview, DriftPanelFiles, DriftToWebview } from '../src/protocol/driftPanel';
import { el } from './shared/dom';
import { MessageClient } from './shared/messageClient';
import { onThemeChange, readChartTheme, readCssColor, tooltipColors } from './shared/theme';

/** What one histogram draws, for tests (canvases hide it from the DOM). */
export interface DriftChartDump {
  column: string;
  labels: string[];
  reference: number[];
  current: number[];
  colors: string[];
}

declare global {
  interface Window {
    /** What the page drew, for tests. */
    labbookDriftPanel?: { charts(): DriftChartDump[] };
  }
}

type BarChart = ChartJs<'bar', number[], string>;

async function loadBarChart(): Promise<typeof ChartJs> {
  const { Chart, BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend } = await import('chart.js');
  Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
  return Chart;
}

const client = new MessageClient<DriftToWebview, DriftFromWebview>(isDriftToWebview);
const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

class DriftPage {
  private readonly main = el('main', { className: 'drift-panel', attributes: { 'aria-busy': 'true' } });
  private readonly title = el('h1', { text: 'Data drift' });
  private readonly files = el('p', { className: 'files' });
  private readonly verdict = el('p', { className: 'verdict', attributes: { role: 'status' } });
  private readonly banner = el('p', { className: 'banner', attributes: { role: 'alert' } });
  private readonly body = el('div', { className: 'body' });
  private charts: { column: string; chart: BarChart }[] = [];
  private report: DriftPanelReport | null = null;

  constructor(private readonly Chart: typeof ChartJs) {
    const again = el('vscode-button', { text: 'Check Again', attributes: { title: 'Read both files again and compare' } });
    again.secondary = true;
    again.addEventListener('click', () => client.post({ type: 'driftPanel/rerun' }));
    this.banner.hidden = true;
    this.main.append(el('header', {}, this.title, again), this.files, this.verdict, this.banner, this.body);
    document.body.append(this.main);
    onThemeChange(() => this.report && this.drawCharts(this.report));
  }

  inspect(): DriftChartDump[] {
    return this.charts.map(({ column, chart }) => ({
      column,
      labels: [...(chart.data.labels ?? [])],
      reference: [...chart.data.datasets[0].data],
      current: [...chart.data.datasets[1].data],
      colors: chart.data.datasets.map((d) => String(d.backgroundColor)),
    }));
  }

  handle(message: DriftToWebview): void {
    if (message.type === 'driftPanel/loading') return this.loading(message.files);
    if (message.type === 'driftPanel/error') return this.failed(message.message, message.files);
    this.show(message.files, message.report);
  }

  private loading(files: DriftPanelFiles): void {
    this.setFiles(files);
    this.main.setAttribute('aria-busy', 'true');
    this.banner.hidden = true;
    this.verdict.className = 'verdict';
    this.verdict.textContent = `Reading ${files.reference} and ${files.current}…`;
  }

  private failed(message: string, files: DriftPanelFiles | undefined): void {
    if (files) this.setFiles(files);
    this.destroyCharts();
    this.report = null;
    this.verdict.textContent = '';
    this.body.replaceChildren();
    this.banner.textContent = message;
    this.banner.hidden = false;
    this.main.setAttribute('aria-busy', 'false');
  }

  private show(files: DriftPanelFiles, report: DriftPanelReport): void {
    this.setFiles(files);
    this.report = report;
    this.banner.hidden = true;
    const compared = report.columns.length;
    this.verdict.className = `verdict ${report.datasetDrift ? 'drifted' : 'clean'}`;
    this.verdict.textContent = compared
      ? `${report.datasetDrift ? 'Dataset drift' : 'No dataset drift'}: ${report.driftedColumns} of ${compared} columns drifted (share ${report.share}, threshold ${report.driftShare}).`
      : 'No column could be compared.';
    this.body.replaceChildren(
      ...(compared ? [this.table(report.columns)] : []),
      ...(report.skipped.length ? [this.skipped(report)] : []),
      ...(compared
        ? [el('h2', { text: 'Histograms' }), this.legend(), el('div', { className: 'charts' }, ...report.columns.map((c, k) => this.card(c, k)))]
        : []),
    );
    this.drawCharts(report);
    this.main.setAttribute('aria-busy', 'false');
  }

  private setFiles(files: DriftPanelFiles): void {
    // VS Code keeps this through a window reload and hands it to the host, which compares the same files again.
    client.saveState(files.saved);
    const link = (which: 'reference' | 'current', name: string): HTMLElement => {
      const button = el('button', { className: 'link', text: name, attributes: { type: 'button', title: `Open the ${which} file` } });
      button.addEventListener('click', () => client.post({ type: 'driftPanel/openFile', which }));
      return button;
    };
    this.files.replaceChildren('Reference ', link('reference', files.reference), ' · current ', link('current', files.current));
  }

  private table(columns: DriftPanelColumn[]): HTMLElement {
    const head = el(
      'tr',
      {},
      ...['Column', 'Type', 'Method', 'Score', 'Threshold', 'Verdict'].map((text) => el('th', { text, attributes: { scope: 'col' } })),
    );
    const rows = columns.map((c, k) => {
      const name = el('button', { className: 'link', text: c.column, attributes: { type: 'button', title: `Show the histogram of ${c.column}` } });
      name.addEventListener('click', () => {
        const card = document.getElementById(`chart-${k}`);
        card?.scrollIntoView({ block: 'nearest' });
        card?.focus();
      });
      return el(
        'tr',
        { className: c.drifted ? 'drifted' : '' },
        el('th', { attributes: { scope: 'row' } }, name),
        el('td', { text: c.type }),
        el('td', { text: c.method }),
        el('td', { text: `${c.score} ${c.scoreKind}` }),
        el('td', { text: String(c.threshold) }),
        el('td', { className: 'verdict-cell', text: c.drifted ? 'Drift' : 'No drift' }),
      );
    });
    return el('table', { className: 'columns' }, el('thead', {}, head), el('tbody', {}, ...rows));
  }

  private skipped(report: DriftPanelReport): HTMLElement {
    return el(
      'section',
      { className: 'skipped' },
      el('h2', { text: 'Not compared' }),
      el('ul', {}, ...report.skipped.map((s) => el('li', {}, el('strong', { text: s.column }), `: ${s.reason}`))),
    );
  }

  private legend(): HTMLElement {
    const item = (className: string, text: string): HTMLElement =>
      el('li', {}, el('span', { className: `swatch ${className}`, attributes: { 'aria-hidden': 'true' } }), el('span', { text }));
    return el('ul', { className: 'legend', attributes: { 'aria-label': 'Legend' } }, item('reference', 'reference'), item('current', 'current'));
  }

  private card(column: DriftPanelColumn, index: number): HTMLElement {
    const missing = column.referenceMissing + column.currentMissing ? ` · missing ${column.referenceMissing} / ${column.currentMissing}` : '';
    return el(
      'section',
      {
        className: `card ${column.drifted ? 'drifted' : ''}`,
        attributes: { id: `chart-${index}`, tabindex: '-1', 'aria-label': `Histogram of ${column.column}` },
      },
      el('h3', {}, el('span', { text: column.column }), el('span', { className: 'badge', text: column.drifted ? 'Drift' : 'No drift' })),
      el('p', {
        className: 'note',
        text: `${column.method} ${column.scoreKind} ${column.score} (threshold ${column.threshold}) · ${column.referenceValues} / ${column.currentValues} values${missing}`,
      }),
      ...column.notes.map((note) => el('p', { className: 'note', text: note })),
      el(
        'div',
        { className: 'chart-box' },
        el('canvas', { attributes: { role: 'img', 'aria-label': `${column.column}: reference and current shares per bin` } }),
      ),
    );
  }

  private destroyCharts(): void {
    for (const { chart } of this.charts) chart.destroy();
    this.charts = [];
  }

  private drawCharts(report: DriftPanelReport): void {
    this.destroyCharts();
    const theme = readChartTheme();
    const colors = [readCssColor('--lb-drift-reference'), readCssColor('--lb-drift-current')];
    const canvases = [...this.body.querySelectorAll<HTMLCanvasElement>('.card canvas')];
    this.charts = report.columns.map((column, k) => {
      const { labels, reference, current } = column.histogram;
      const dataset = (label: string, data: number[], color: string) => ({ label, data, backgroundColor: color, borderColor: color, borderWidth: 1 });
      const chart: BarChart = new this.Chart(canvases[k], {
        type: 'bar',
        data: { labels: [...labels], datasets: [dataset('reference', reference, colors[0]), dataset('current', current, colors[1])] },
        options: {
          animation: false,
          maintainAspectRatio: false,
          // Overlaid, not side by side: the current bars over the reference ones, both translucent.
          datasets: { bar: { grouped: false, categoryPercentage: 1, barPercentage: 0.95 } },
          plugins: {
            legend: { display: false },
            tooltip: {
              ...tooltipColors(theme),
              callbacks: { label: (item) => `${item.dataset.label}: ${percent(item.parsed.y ?? 0)}` },
            },
          },
          scales: {
            x: { ticks: { color: theme.text, font: { family: theme.fontFamily }, maxRotation: 0, autoSkipPadding: 8 }, grid: { display: false } },
            y: {
              beginAtZero: true,
              ticks: { color: theme.text, callback: (v) => percent(Number(v)), maxTicksLimit: 5 },
              grid: { color: theme.grid },
            },
          },
        },
      });
      return { column: column.column, chart };
    });
  }
}

void loadBarChart().then((Chart) => {
  const page = new DriftPage(Chart);
  if (LABBOOK_TEST_HOOKS) window.labbookDriftPanel = { charts: () => page.inspect() };
  client.listen((message) => page.handle(message));
  client.post({ type: 'driftPanel/ready' });
});
