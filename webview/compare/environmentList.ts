// The Compare panel's Environment section: for each later run, the interpreter, package, machine and variable
// fields where its recorded environment differs from the first run's (docs/inputs.md).
import type { CompareEnvironment, CompareRun } from '../../src/protocol/comparePanel';
import { el } from '../shared/dom';
import { emptyNote, section } from '../shared/sections';

/** The section; hidden when the first run recorded no environment. */
export class EnvironmentList {
  private readonly body = el('div', { className: 'environment' });
  readonly element = section('Environment', this.body);

  constructor() {
    this.element.classList.add('environment-section');
  }

  /** Shows each run's differences from the first run (`first` is the first compared run). */
  show(runs: readonly CompareRun[], environments: readonly CompareEnvironment[]): void {
    this.element.hidden = environments.length === 0;
    const label = (id: string): string => runs.find((run) => run.id === id)?.label ?? id.slice(0, 8);
    const first = runs[0] ? label(runs[0].id) : '';
    this.body.replaceChildren(...environments.map((environment) => this.runDifferences(first, label(environment.runId), environment)));
  }

  private runDifferences(first: string, other: string, environment: CompareEnvironment): HTMLElement {
    if (environment.differences.length === 0) return emptyNote(`${other}: same environment as ${first}`);
    const header = el('tr', {}, el('th', { text: 'field' }), el('th', { text: first }), el('th', { text: other }));
    const rows = environment.differences.map((difference) =>
      el(
        'tr',
        {},
        el('td', { className: 'field', text: difference.field }),
        el('td', { text: difference.first ?? '—' }),
        el('td', { text: difference.other ?? '—' }),
      ),
    );
    const table = el(
      'table',
      { className: 'environment-diff', attributes: { 'aria-label': `Environment of ${other} against ${first}` } },
      el('thead', {}, header),
      el('tbody', {}, ...rows),
    );
    return el('div', { className: 'table-scroll' }, table);
  }
}
