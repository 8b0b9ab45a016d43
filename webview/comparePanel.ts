// The Compare panel page: any number of runs, their params and metrics side by side (optionally only what
// differs) and one overlay chart per metric. It says 'ready' with its view settings and renders what the host
// sends; the host samples and smooths series, so changing axis or smoothing asks the host again.

import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { COMPARE_AXES, MAX_COMPARE_SMOOTHING, isCompareToWebview } from '../src/protocol/comparePanel';
import type { CompareAxis, CompareFromWebview, CompareToWebview } from '../src/protocol/comparePanel';
import { decodeNumber } from '../src/protocol/runPanel';
import { DiffTable } from './compare/diffTable';
import { EnvironmentList } from './compare/environmentList';
import { MetricGrid } from './compare/metricGrid';
import { Relations } from './compare/relations';
import type { CardInspection, GridSettings } from './compare/metricGrid';
import { axisChoice, smoothingControl } from './shared/chartControls';
import { el } from './shared/dom';
import { MessageClient } from './shared/messageClient';
import { loadChartJs } from './shared/metricChart';
import { onThemeChange, readChartTheme } from './shared/theme';

/** What the page keeps across being hidden and shown. */
interface SavedState extends GridSettings {
  onlyDifferences: boolean;
}

declare global {
  interface Window {
    /** Read-only view of the charts for tests: their data lives in canvases. */
    labbookComparePanel?: { charts(): CardInspection[]; scatter(): { x: number; y: number; color: string }[] };
  }
}

const AXIS_LABELS: Record<CompareAxis, string> = { step: 'Step', timestamp: 'Wall time', relative: 'Relative time' };

function readSavedState(raw: unknown): SavedState {
  const state = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const smoothing = typeof state.smoothing === 'number' && state.smoothing >= 0 && state.smoothing <= MAX_COMPARE_SMOOTHING ? state.smoothing : 0.6;
  return {
    smoothing,
    axis: COMPARE_AXES.find((axis) => axis === state.axis) ?? 'step',
    logY: state.logY === true,
    logX: state.logX === true,
    onlyDifferences: state.onlyDifferences !== false,
  };
}

const client = new MessageClient<CompareToWebview, CompareFromWebview>(isCompareToWebview);

class ComparePage {
  readonly settings: SavedState;
  private readonly title = el('h1', { className: 'compare-title', text: 'Loading runs…' });
  private readonly banner = el('p', { className: 'banner', attributes: { role: 'alert' } });
  private readonly missing = el('p', { className: 'missing' });
  private readonly diff: DiffTable;
  private readonly grid: MetricGrid;
  private readonly relations = new Relations(readChartTheme());
  private readonly environment = new EnvironmentList();
  private readonly stepInput = el('input', {
    className: 'step-input',
    attributes: { type: 'number', min: '0', step: '1', placeholder: 'step', 'aria-label': 'Value at step' },
  });

  constructor(saved: SavedState) {
    this.settings = saved;
    this.diff = new DiffTable(saved.onlyDifferences, (runId) => client.post({ type: 'comparePanel/openRun', runId }));
    this.grid = new MetricGrid({
      settings: this.settings,
      requestRange: (key, axis, window) => client.post({ type: 'comparePanel/requestRange', key, axis, xMin: window.min, xMax: window.max }),
      openRun: (runId) => client.post({ type: 'comparePanel/openRun', runId }),
    });
    this.banner.hidden = true;
    this.missing.hidden = true;
    // The toolbar gets its own row and the sections scroll below it, so it never covers the top of a chart.
    const content = el(
      'div',
      { className: 'compare-content' },
      this.diff.element,
      this.environment.element,
      this.grid.element,
      this.relations.element,
    );
    const main = el(
      'main',
      { className: 'compare-panel', attributes: { 'aria-busy': 'true' } },
      this.title,
      this.banner,
      this.missing,
      this.controls(),
      content,
    );
    document.body.append(main);
    onThemeChange(() => this.relations.setTheme(readChartTheme()));
  }

  chartsReady(chartJs: Parameters<MetricGrid['chartsReady']>[0]): void {
    this.grid.chartsReady(chartJs);
    this.relations.chartsReady(chartJs);
  }

  scatter(): { x: number; y: number; color: string }[] {
    return this.relations.dumpScatter();
  }

  inspect(): CardInspection[] {
    return this.grid.inspect();
  }

  handle(message: CompareToWebview): void {
    switch (message.type) {
      case 'comparePanel/snapshot':
        this.banner.hidden = true;
        this.title.textContent = `Compare ${message.runs.length} runs`;
        this.missing.textContent = message.missing.length
          ? `${message.missing.length} of the runs no longer exist: ${message.missing.join(', ')}`
          : '';
        this.missing.hidden = message.missing.length === 0;
        this.diff.show(message.runs, message.metrics, message.reproduction);
        this.environment.show(message.runs, message.environment);
        this.grid.reset(message.runs, message.metrics);
        this.relations.show(message.runs, message.metrics);
        this.askStepValues();
        document.querySelector('main')?.setAttribute('aria-busy', 'false');
        return;
      case 'comparePanel/seriesReplaced':
        if (message.axis === this.settings.axis && message.smoothing === this.settings.smoothing) this.grid.replace(message.metrics);
        return;
      case 'comparePanel/rangeDetail':
        this.grid.showDetail(message);
        return;
      case 'comparePanel/stepValues':
        if (message.step !== this.stepValue()) return;
        this.grid.showStepValues(
          message.step,
          message.values.map((v) => ({ key: v.key, runId: v.runId, value: v.value === null ? null : decodeNumber(v.value) })),
        );
        return;
      case 'comparePanel/error':
        this.banner.textContent = message.message;
        this.banner.hidden = false;
        return;
    }
  }

  private stepValue(): number | null {
    const text = this.stepInput.value.trim();
    const step = Number(text);
    return text !== '' && Number.isFinite(step) ? step : null;
  }

  private askStepValues(): void {
    const step = this.stepValue();
    if (step === null) this.grid.showStepValues(null, []);
    else client.post({ type: 'comparePanel/valuesAtStep', step });
  }

  private viewChanged(): void {
    client.saveState(this.settings);
    client.post({ type: 'comparePanel/setView', axis: this.settings.axis, smoothing: this.settings.smoothing });
  }

  private controls(): HTMLElement {
    // Smoothing runs on the host over full-resolution series: ask once the slider is let go.
    const smoothing = smoothingControl(MAX_COMPARE_SMOOTHING, this.settings.smoothing, {
      change: (value) => {
        this.settings.smoothing = value;
        this.viewChanged();
      },
    });
    const axis = axisChoice(
      COMPARE_AXES.map((a) => ({ axis: a, label: AXIS_LABELS[a] })),
      () => this.settings.axis,
      (picked) => {
        this.settings.axis = picked;
        this.viewChanged();
        this.grid.redraw();
      },
    );

    const checkbox = (label: string, checked: boolean, onChange: (checked: boolean) => void): HTMLElement => {
      const box = el('vscode-checkbox', { text: label });
      box.checked = checked;
      box.addEventListener('change', () => {
        onChange(box.checked);
        client.saveState(this.settings);
      });
      return box;
    };
    this.stepInput.addEventListener('change', () => this.askStepValues());
    return el(
      'div',
      { className: 'chart-controls' },
      smoothing,
      axis,
      checkbox('Log y', this.settings.logY, (checked) => {
        this.settings.logY = checked;
        this.grid.redraw();
      }),
      checkbox('Log x', this.settings.logX, (checked) => {
        this.settings.logX = checked;
        this.grid.redraw();
      }),
      el('label', { className: 'step' }, 'Value at step', this.stepInput),
      checkbox('Only differences', this.settings.onlyDifferences, (checked) => {
        this.settings.onlyDifferences = checked;
        this.diff.setOnlyDifferences(checked);
      }),
      el('span', { className: 'hint', text: 'Drag across a chart to zoom, double-click to reset.' }),
    );
  }
}

const saved = readSavedState(client.savedState());
const page = new ComparePage(saved);
// Compiled out of the shipped build (LABBOOK_TEST_HOOKS is false there).
if (LABBOOK_TEST_HOOKS)
  Object.defineProperty(window, 'labbookComparePanel', { value: Object.freeze({ charts: () => page.inspect(), scatter: () => page.scatter() }) });
client.listen((message) => page.handle(message));
client.post({ type: 'comparePanel/ready', axis: saved.axis, smoothing: saved.smoothing });
loadChartJs().then(
  (chartJs) => page.chartsReady(chartJs),
  (error: unknown) => page.handle({ type: 'comparePanel/error', message: `Charts could not load: ${String(error)}` }),
);
