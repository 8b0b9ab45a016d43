// The Run panel page: header, params, one chart per metric, artifacts and the console tail of one run.
// It says 'ready', renders the snapshot, then applies increments. Run data only ever becomes text nodes.

import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { joinCommandLine } from '../src/core/commandLine';
import { formatDuration } from '../src/core/format';
import { NOTE_TAG } from '../src/core/runDistinction';
import { formatBytes, formatTimestamp } from '../src/core/runPresentation';
import { isLiveStatus } from '../src/core/types';
import { MAX_SMOOTHING, isRunPanelToWebview } from '../src/protocol/runPanel';
import type {
  RunPanelArtifact,
  RunPanelAxis,
  RunPanelEntry,
  RunPanelFromWebview,
  RunPanelRun,
  RunPanelRunCommandMessage,
  RunPanelRunFacts,
  RunPanelToWebview,
} from '../src/protocol/runPanel';
import { ConsoleView } from './shared/consoleView';
import { el } from './shared/dom';
import { MessageClient } from './shared/messageClient';
import { MetricsSection } from './shared/metricCards';
import type { ChartInspection, Zoom } from './shared/metricCards';
import { loadChartJs } from './shared/metricChart';
import type { ChartConstructor } from './shared/metricChart';
import { EntryTable, emptyNote, section } from './shared/sections';

/** What the page keeps across being hidden and shown (VS Code discards hidden pages). */
interface SavedState {
  smoothing: number;
  axis: RunPanelAxis;
  logScale: boolean;
  zoom: [string, Zoom][];
  scrollY: number;
  /** The run shown; the host's panel serializer reopens this run's panel after a window reload. */
  runId?: string;
}

declare global {
  interface Window {
    /** Read-only view of the charts: their data lives in canvases, which the DOM cannot show. */
    labbookRunPanel?: { charts(): ChartInspection[] };
  }
}

const DEFAULT_SMOOTHING = 0.6;

function finiteIn(value: unknown, low: number, high: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= low && value <= high ? value : fallback;
}

function isZoomEntry(value: unknown): value is [string, Zoom] {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string') return false;
  const zoom: unknown = value[1];
  if (typeof zoom !== 'object' || zoom === null) return false;
  const { axis, min, max } = zoom as Record<string, unknown>;
  return (axis === 'step' || axis === 'relative') && typeof min === 'number' && typeof max === 'number' && min < max;
}

// Saved state comes from an earlier page, maybe an older version of it: take only what still makes sense.
function readSavedState(raw: unknown): SavedState {
  const state = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  return {
    smoothing: finiteIn(state.smoothing, 0, MAX_SMOOTHING, DEFAULT_SMOOTHING),
    axis: state.axis === 'relative' ? 'relative' : 'step',
    logScale: state.logScale === true,
    zoom: Array.isArray(state.zoom) ? state.zoom.filter(isZoomEntry) : [],
    scrollY: finiteIn(state.scrollY, 0, Number.MAX_SAFE_INTEGER, 0),
    runId: typeof state.runId === 'string' ? state.runId : undefined,
  };
}

const client = new MessageClient<RunPanelToWebview, RunPanelFromWebview>(isRunPanelToWebview);
const saved = readSavedState(client.savedState());

function statusLabel(status: string): string {
  return status.charAt(0) + status.slice(1).toLowerCase();
}

/** The header's buttons: the Runs view's commands for this run (the host asks and writes). */
const HEADER_COMMANDS: [label: string, command: RunPanelRunCommandMessage['command']][] = [
  ['Rename…', 'renameRun'],
  ['Edit Note…', 'editNote'],
  ['Add Tag…', 'addTag'],
  ['Remove Tag…', 'removeTag'],
];

function headerActions(): HTMLElement {
  const buttons = HEADER_COMMANDS.map(([label, command]) => {
    const button = el('vscode-button', { text: label });
    button.secondary = true;
    button.addEventListener('click', () => client.post({ type: 'runPanel/runCommand', command }));
    return button;
  });
  return el('div', { className: 'header-actions', attributes: { role: 'toolbar', 'aria-label': 'Run actions' } }, ...buttons);
}

/** Name, status, duration, note and the facts of the run. */
class RunHeader {
  readonly element: HTMLElement;
  private readonly name = el('h1', { className: 'run-name', text: 'Loading run…' });
  private readonly note = el('p', { className: 'run-note' });
  private readonly badge = el('vscode-badge', { className: 'status-badge' });
  private readonly status = el(
    'span',
    { className: 'status' },
    el('span', { className: 'status-dot', attributes: { 'aria-hidden': 'true' } }),
    this.badge,
  );
  private readonly duration = el('span', { className: 'duration' });
  private readonly facts = el('dl', { className: 'facts' });
  private run: RunPanelRun | null = null;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor() {
    this.element = el(
      'header',
      { className: 'run-header' },
      el('div', { className: 'title-row' }, this.name, this.status, this.duration),
      headerActions(),
      this.note,
      this.facts,
    );
  }

  show(run: RunPanelRun, tags: readonly RunPanelEntry[]): void {
    this.run = run;
    const note = tags.find((tag) => tag.key === NOTE_TAG)?.value ?? '';
    this.note.textContent = note;
    this.note.hidden = note === '';
    this.name.textContent = run.name;
    this.name.title = run.name;
    this.status.dataset.status = run.status;
    this.badge.textContent = statusLabel(run.status);
    this.facts.replaceChildren(...this.factRows(run));
    this.tick();
    // The duration of a live run ticks here; the host sends nothing just because time passed.
    if (isLiveStatus(run.status)) this.ticker ??= setInterval(() => this.tick(), 1000);
    else {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private tick(): void {
    const run = this.run;
    if (!run) return;
    const live = isLiveStatus(run.status);
    const end = run.endTime ?? (live ? Date.now() : null);
    this.duration.textContent = end === null ? '' : `${live ? 'running for' : 'took'} ${formatDuration(end - run.startTime)}`;
  }

  private factRows(run: RunPanelRun): Node[] {
    const git = run.git.commit
      ? `${run.git.commit.slice(0, 10)}${run.git.branch ? ` on ${run.git.branch}` : ''}${run.git.dirty ? ' (uncommitted changes)' : ''}`
      : '';
    const where = [run.user, run.host].filter(Boolean).join('@');
    const rows: [string, string, boolean][] = [
      ['Command', run.argv.length > 0 ? joinCommandLine(run.argv) : '', true],
      ['Git', git, true],
      ['Experiment', run.experimentName, false],
      ['Started', formatTimestamp(run.startTime), false],
      ['Exit code', run.exitCode === null ? '' : String(run.exitCode), false],
      ['Directory', run.cwd ?? '', true],
      ['Host', where, false],
      ['Run ID', run.id, true],
    ];
    return rows
      .filter(([, value]) => value !== '')
      .flatMap(([label, value, code]) => [
        el('dt', { text: label }),
        el('dd', { className: code ? 'code' : '' }, code ? el('code', { text: value }) : value),
      ]);
  }
}

/** The files the run read and wrote, with buttons the host acts on. */
class ArtifactList {
  readonly element: HTMLElementTagNameMap['vscode-collapsible'];
  private readonly body = el('tbody');
  private readonly table = el(
    'table',
    { className: 'artifacts' },
    el('thead', {}, el('tr', {}, ...['Path', 'Kind', 'Size', ''].map((text) => el('th', { text })))),
    this.body,
  );
  private readonly empty = emptyNote('No artifacts recorded.');

  constructor() {
    this.element = section('Artifacts', this.table, this.empty);
  }

  show(artifacts: readonly RunPanelArtifact[]): void {
    this.body.replaceChildren(...artifacts.map((a) => this.row(a)));
    this.table.hidden = artifacts.length === 0;
    this.empty.hidden = artifacts.length > 0;
    this.element.description = artifacts.length > 0 ? String(artifacts.length) : '';
  }

  private row(artifact: RunPanelArtifact): HTMLTableRowElement {
    const ref = { sha256: artifact.sha256, path: artifact.path, direction: artifact.direction };
    const button = (label: string, message: RunPanelFromWebview): HTMLElement => {
      const b = el('vscode-button', { text: label });
      b.secondary = true;
      b.addEventListener('click', () => client.post(message));
      return b;
    };
    const path = el('td', { className: 'path', text: artifact.path });
    path.title = `${artifact.path}\nsha256 ${artifact.sha256}`;
    return el(
      'tr',
      {},
      path,
      el('td', { className: 'kind', text: `${artifact.direction} · ${artifact.role}` }),
      el('td', { className: 'size', text: formatBytes(artifact.size) }),
      el(
        'td',
        { className: 'actions' },
        button('Open', { type: 'runPanel/openArtifact', ...ref }),
        button('Reveal', { type: 'runPanel/revealArtifact', ...ref }),
      ),
    );
  }
}

/** The whole page. */
class RunPanelPage {
  private readonly header = new RunHeader();
  private readonly banner = el('p', { className: 'banner', attributes: { role: 'alert' } });
  private readonly metrics = new MetricsSection({
    initial: { settings: { smoothing: saved.smoothing, axis: saved.axis, logScale: saved.logScale }, zoom: saved.zoom },
    requestRange: (key, zoom) => client.post({ type: 'runPanel/requestRange', key, axis: zoom.axis, xMin: zoom.min, xMax: zoom.max }),
    smoothingChosen: (smoothing) => client.post({ type: 'runPanel/setSmoothing', smoothing }),
    persist: () => this.persist(),
  });
  private readonly params = new EntryTable('Parameters', 'No parameters logged.');
  private readonly tags = new EntryTable('Tags', 'No tags set.');
  private readonly artifacts = new ArtifactList();
  private readonly console = new ConsoleView();
  private restoreScroll = true;
  private runId = saved.runId;

  constructor() {
    this.banner.hidden = true;
    const main = el(
      'main',
      { className: 'run-panel', attributes: { 'aria-busy': 'true' } },
      this.header.element,
      this.banner,
      this.metrics.element,
      this.params.element,
      this.artifacts.element,
      section('Console output', this.console.element),
      this.tags.element,
    );
    document.body.append(main);
    let pending = false;
    window.addEventListener('scroll', () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        this.persist();
      });
    });
  }

  chartsReady(chartJs: ChartConstructor): void {
    this.metrics.chartsReady(chartJs);
  }

  inspect(): ChartInspection[] {
    return this.metrics.inspect();
  }

  handle(message: RunPanelToWebview): void {
    switch (message.type) {
      case 'runPanel/snapshot':
        this.banner.hidden = true;
        this.showFacts(message);
        this.metrics.reset(message.metrics, message.run.startTime);
        this.console.reset(message.console.lines, message.console.partial, message.console.truncated, message.consoleLimit);
        document.querySelector('main')?.setAttribute('aria-busy', 'false');
        this.runId = message.run.id;
        this.persist();
        this.scrollBack();
        return;
      case 'runPanel/runChanged':
        this.showFacts(message);
        return;
      case 'runPanel/metricsAppended':
        this.metrics.append(message.series);
        return;
      case 'runPanel/metricsReplaced':
        this.metrics.replace(message.series);
        return;
      case 'runPanel/rangeDetail':
        this.metrics.showDetail(message);
        return;
      case 'runPanel/consoleAppended':
        this.console.append(message.lines, message.partial, message.truncated);
        return;
      case 'runPanel/runMissing':
      case 'runPanel/error':
        this.banner.textContent = message.message;
        this.banner.hidden = false;
        return;
    }
  }

  private showFacts(facts: RunPanelRunFacts): void {
    this.header.show(facts.run, facts.tags);
    this.params.show(facts.params);
    this.tags.show(facts.tags);
    this.artifacts.show(facts.artifacts);
  }

  // Back where the reader was before the page was hidden, once the first snapshot has laid it out.
  private scrollBack(): void {
    if (!this.restoreScroll) return;
    this.restoreScroll = false;
    requestAnimationFrame(() => window.scrollTo(0, saved.scrollY));
  }

  private persist(): void {
    const { smoothing, axis, logScale } = this.metrics.settings;
    const state: SavedState = {
      smoothing,
      axis,
      logScale,
      zoom: this.metrics.savedZooms(),
      scrollY: this.restoreScroll ? saved.scrollY : window.scrollY,
      runId: this.runId,
    };
    client.saveState(state);
  }
}

const page = new RunPanelPage();
// Compiled out of the shipped build (LABBOOK_TEST_HOOKS is false there).
if (LABBOOK_TEST_HOOKS) Object.defineProperty(window, 'labbookRunPanel', { value: Object.freeze({ charts: () => page.inspect() }) });
client.listen((message) => page.handle(message));
client.post({ type: 'runPanel/ready', smoothing: saved.smoothing });
loadChartJs().then(
  (chartJs) => page.chartsReady(chartJs),
  (error: unknown) => page.handle({ type: 'runPanel/error', message: `Charts could not load: ${String(error)}` }),
);
