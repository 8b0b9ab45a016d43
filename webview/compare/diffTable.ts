// Params and metrics of the compared runs side by side: a column per run, a row per key, rows where the
// runs agree hidden on request. Run strings only ever become text.

import { formatMetric } from '../../src/core/format';
import { diffRuns } from '../../src/core/runDiff';
import type { DiffRow } from '../../src/core/runDiff';
import type { MetricSummary } from '../../src/core/types';
import type { CompareMetric, CompareReproduction, CompareRun } from '../../src/protocol/comparePanel';
import { decodeNumber } from '../../src/protocol/runPanel';
import { el } from '../shared/dom';
import { emptyNote, section } from '../shared/sections';

/** A swatch in the run's colour and its label; clicking it opens the run. */
export function runCell(run: CompareRun, open: (runId: string) => void): HTMLElement {
  const button = el('button', {
    className: 'run-label',
    text: run.label,
    attributes: { type: 'button', title: `${run.name}\n${run.id}\nOpen this run` },
  });
  button.addEventListener('click', () => open(run.id));
  return el('span', { className: 'run-cell' }, el('span', { className: 'swatch', attributes: { 'aria-hidden': 'true' } }), button);
}

/** Paints a run cell's swatch (style attributes are set through the CSSOM, which the CSP allows). */
export function paintSwatch(cell: HTMLElement, color: string): void {
  const swatch = cell.querySelector<HTMLElement>('.swatch');
  if (swatch) swatch.style.backgroundColor = color;
}

function summaries(run: CompareRun, metrics: readonly CompareMetric[]): Record<string, MetricSummary> {
  const out: Record<string, MetricSummary> = {};
  for (const metric of metrics) {
    const stats = metric.stats.find((s) => s.runId === run.id);
    if (!stats) continue;
    const last = decodeNumber(stats.last);
    out[metric.key] = {
      key: metric.key,
      last,
      lastStep: stats.lastStep,
      lastTimestamp: 0,
      min: decodeNumber(stats.min),
      max: decodeNumber(stats.max),
      count: stats.count,
    };
  }
  return out;
}

function valueText(value: string | number | undefined): string {
  if (value === undefined) return '—';
  return typeof value === 'number' ? formatMetric(value) : value;
}

/** The side-by-side table. */
export class DiffTable {
  readonly element: HTMLElementTagNameMap['vscode-collapsible'];
  private readonly head = el('thead');
  private readonly body = el('tbody');
  private readonly empty = emptyNote('No differences: every param and last metric value is the same in every run.');
  private readonly verdict = el('p', { className: 'verdict', attributes: { role: 'status' } });
  private runs: readonly CompareRun[] = [];
  private rows: DiffRow[] = [];

  constructor(
    private onlyDifferences: boolean,
    private readonly open: (runId: string) => void,
  ) {
    const table = el('table', { className: 'diff' }, this.head, this.body);
    this.element = section('Params and metrics', this.verdict, el('div', { className: 'table-scroll' }, table), this.empty);
  }

  show(runs: readonly CompareRun[], metrics: readonly CompareMetric[], reproduction: CompareReproduction | null): void {
    this.runs = runs;
    this.showVerdict(reproduction);
    this.rows = diffRuns(
      runs.map((run) => ({
        label: run.label,
        params: Object.fromEntries(run.params.map((p) => [p.key, p.value])),
        metrics: summaries(run, metrics),
      })),
    );
    const header = el('tr', {}, el('th', { className: 'key', text: '' }), ...runs.map((run) => this.runHeader(run)));
    this.head.replaceChildren(header);
    this.render();
  }

  /** `rerun reproduces original: reproduced: all 2 metrics match` (or what differs) when one run reproduces another. */
  private showVerdict(reproduction: CompareReproduction | null): void {
    const label = (id: string): string => this.runs.find((run) => run.id === id)?.label ?? id.slice(0, 8);
    this.verdict.hidden = reproduction === null;
    if (!reproduction) return;
    this.verdict.className = `verdict ${reproduction.reproduced ? 'reproduced' : 'not-reproduced'}`;
    this.verdict.textContent = `${label(reproduction.reproductionId)} reproduces ${label(reproduction.originalId)}: ${reproduction.summary}`;
  }

  setOnlyDifferences(only: boolean): void {
    this.onlyDifferences = only;
    this.render();
  }

  private runHeader(run: CompareRun): HTMLTableCellElement {
    const cell = runCell(run, this.open);
    paintSwatch(cell, run.color);
    return el('th', { className: 'run' }, cell);
  }

  private render(): void {
    const overview: [string, (run: CompareRun) => string][] = [
      ['experiment', (run) => run.experimentName],
      ['status', (run) => run.status.toLowerCase()],
      ['commit', (run) => run.commit?.slice(0, 10) ?? '—'],
    ];
    const facts = overview
      .map(([label, value]) => ({ label, values: this.runs.map(value) }))
      .filter((row) => !this.onlyDifferences || row.values.some((v) => v !== row.values[0]))
      .map((row) =>
        this.row(
          'fact',
          row.label,
          row.values,
          row.values.some((v) => v !== row.values[0]),
        ),
      );
    const rows = this.rows
      .filter((row) => !this.onlyDifferences || row.differs)
      .map((row) => this.row(row.kind, row.key, row.values.map(valueText), row.differs));
    this.body.replaceChildren(...facts, ...rows);
    this.empty.hidden = facts.length + rows.length > 0;
    const differing = this.rows.filter((row) => row.differs).length;
    this.element.description = `${differing} of ${this.rows.length} differ`;
  }

  private row(kind: string, key: string, values: readonly string[], differs: boolean): HTMLTableRowElement {
    const head = el('th', { className: 'key', text: key, attributes: { scope: 'row', title: key } });
    head.prepend(el('span', { className: `kind kind-${kind}`, text: kind === 'param' ? 'param' : kind === 'metric' ? 'metric' : '' }));
    return el(
      'tr',
      { className: differs ? 'differs' : 'same' },
      head,
      ...values.map((value) => el('td', { text: value, attributes: { title: value } })),
    );
  }
}
