// The column chooser: a dialog listing run attributes, params, metrics (last, min, max each) and tags with a
// search box. Applying keeps the chosen columns' current order and appends new ones in the order listed.

import { METRIC_AGGREGATES, TABLE_ATTRIBUTES, columnId, columnLabel } from '../../src/core/runsTable';
import type { ColumnCatalog, ColumnSpec } from '../../src/core/runsTable';
import { MAX_TABLE_COLUMNS } from '../../src/protocol/runsTable';
import { el } from '../shared/dom';

interface Entry {
  /** Lower-cased text the search matches. */
  search: string;
  element: HTMLElement;
}

/** A dialog of checkboxes, one per column the catalog allows. */
export class ColumnChooser {
  readonly element = el('div', {
    className: 'column-chooser',
    attributes: { role: 'dialog', 'aria-label': 'Choose columns', 'aria-modal': 'false' },
  });
  private readonly search = el('input', {
    className: 'column-search',
    attributes: { type: 'search', placeholder: 'Search columns', 'aria-label': 'Search columns' },
  });
  private readonly list = el('div', { className: 'column-list' });
  private readonly note = el('span', { className: 'column-note', attributes: { 'aria-live': 'polite' } });
  private readonly applyButton = el('vscode-button', { className: 'column-apply', text: 'Apply' });
  private chosen: string[] = [];
  private entries: Entry[] = [];
  private opener: HTMLElement | undefined;

  constructor(private readonly onApply: (columnIds: string[]) => void) {
    const cancel = el('vscode-button', { className: 'column-cancel', text: 'Cancel' });
    cancel.secondary = true;
    cancel.addEventListener('click', () => this.close());
    this.applyButton.addEventListener('click', () => this.apply());
    this.search.addEventListener('input', () => this.filter());
    this.element.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      event.stopPropagation();
      this.close();
    });
    this.element.append(this.search, this.list, el('div', { className: 'column-footer' }, this.note, cancel, this.applyButton));
    this.element.hidden = true;
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Opens under `opener` with the catalog's columns, the shown ones checked; closing gives the focus back to it. */
  open(catalog: ColumnCatalog, shown: readonly string[], opener: HTMLElement): void {
    this.opener = opener;
    this.element.style.top = `${opener.getBoundingClientRect().bottom + 4}px`;
    this.chosen = [...shown];
    this.entries = [];
    this.list.replaceChildren(
      this.section(
        'Attributes',
        TABLE_ATTRIBUTES.map((key) => this.checkboxRow(columnLabel({ kind: 'attribute', key }), [{ kind: 'attribute', key }])),
      ),
      this.section(
        'Params',
        catalog.params.map((key) => this.checkboxRow(key, [{ kind: 'param', key }])),
      ),
      this.section(
        'Metrics',
        catalog.metrics.map((key) =>
          this.checkboxRow(
            key,
            METRIC_AGGREGATES.map((aggregate) => ({ kind: 'metric', key, aggregate })),
          ),
        ),
      ),
      this.section(
        'Tags',
        catalog.tags.map((key) => this.checkboxRow(key, [{ kind: 'tag', key }])),
      ),
    );
    this.search.value = '';
    this.element.hidden = false;
    this.countChanged();
    this.search.focus();
  }

  close(): void {
    if (this.element.contains(document.activeElement)) this.opener?.focus();
    this.element.hidden = true;
    this.list.replaceChildren();
    this.entries = [];
  }

  private section(title: string, rows: HTMLElement[]): HTMLElement {
    const empty = el('p', { className: 'column-empty', text: 'None in these runs' });
    empty.hidden = rows.length > 0;
    return el('fieldset', { className: 'column-section' }, el('legend', { text: title }), empty, ...rows);
  }

  /** One line: a key with one checkbox per column of it (three for a metric). */
  private checkboxRow(label: string, columns: ColumnSpec[]): HTMLElement {
    const boxes = columns.map((column) => {
      const id = columnId(column);
      const box = el('input', { attributes: { type: 'checkbox', 'data-column-id': id } });
      box.checked = this.chosen.includes(id);
      box.addEventListener('change', () => this.toggle(id, box.checked));
      const text = column.kind === 'metric' ? column.aggregate : label;
      return el('label', { className: 'column-option', attributes: { title: columnLabel(column) } }, box, text);
    });
    const row =
      columns.length === 1
        ? el('div', { className: 'column-row' }, ...boxes)
        : el(
            'div',
            { className: 'column-row metric-row' },
            el('span', { className: 'metric-key', text: label, attributes: { title: label } }),
            ...boxes,
          );
    this.entries.push({ search: label.toLowerCase(), element: row });
    return row;
  }

  private toggle(id: string, checked: boolean): void {
    this.chosen = checked ? [...this.chosen.filter((c) => c !== id), id] : this.chosen.filter((c) => c !== id);
    this.countChanged();
  }

  private countChanged(): void {
    const count = this.chosen.length;
    const tooMany = count > MAX_TABLE_COLUMNS;
    this.note.textContent = tooMany ? `${count} columns: at most ${MAX_TABLE_COLUMNS}` : `${count} column${count === 1 ? '' : 's'}`;
    this.applyButton.disabled = tooMany || count === 0;
  }

  private filter(): void {
    const text = this.search.value.trim().toLowerCase();
    for (const entry of this.entries) entry.element.hidden = !entry.search.includes(text);
    for (const section of this.list.querySelectorAll('fieldset')) {
      const rows = [...section.querySelectorAll<HTMLElement>('.column-row')];
      section.hidden = rows.length > 0 && rows.every((row) => row.hidden);
    }
  }

  private apply(): void {
    if (this.applyButton.disabled) return;
    this.onApply([...this.chosen]);
    this.close();
  }
}
