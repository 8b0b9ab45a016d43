// The filter input: MLflow filter text with a completion popup (core/filterCompletion), applied with Enter. A
// native input, because completion needs the caret (selectionStart), which vscode-textfield keeps in its shadow root.
// The host answers a filter that does not parse with its message and offset, shown under the input.

import { completeFilter } from '../../src/core/filterCompletion';
import type { FilterCompletion } from '../../src/core/filterCompletion';
import type { ColumnCatalog } from '../../src/core/runsTable';
import { el } from '../shared/dom';

const POPUP_ID = 'filter-completions';

/** The filter input, its completion list and its error line. */
export class FilterBox {
  readonly element: HTMLElement;
  readonly input = el('input', {
    className: 'filter-input',
    attributes: {
      type: 'text',
      spellcheck: 'false',
      autocomplete: 'off',
      role: 'combobox',
      'aria-label': 'Filter runs',
      'aria-autocomplete': 'list',
      'aria-expanded': 'false',
      'aria-controls': POPUP_ID,
      placeholder: "Filter: metrics.acc > 0.9 AND params.lr = '0.01'",
    },
  });
  private readonly popup = el('ul', { className: 'completions', attributes: { id: POPUP_ID, role: 'listbox', 'aria-label': 'Suggestions' } });
  private readonly error = el('div', { className: 'filter-error', attributes: { role: 'alert' } });
  private catalog: ColumnCatalog = { params: [], metrics: [], tags: [] };
  private completion: FilterCompletion | undefined;
  private active = 0;

  constructor(private readonly apply: (filter: string) => void) {
    this.popup.hidden = true;
    this.error.hidden = true;
    this.element = el('div', { className: 'filter-box' }, this.input, this.popup, this.error);
    this.input.addEventListener('input', () => {
      this.clearError();
      this.suggest();
    });
    this.input.addEventListener('keydown', (event) => this.onKey(event));
    this.input.addEventListener('blur', () => this.close());
    // Keep the focus in the input while an item is clicked.
    this.popup.addEventListener('mousedown', (event) => event.preventDefault());
    this.popup.addEventListener('click', (event) => {
      const item = (event.target as Element).closest('li');
      if (item) this.accept(Number(item.dataset.index));
    });
  }

  /**
   * Shows the applied filter and the keys to complete. Text being edited, or refused and not yet fixed, is left
   * alone (with its error), since live runs bring a snapshot of the last good query every second.
   */
  update(filter: string, catalog: ColumnCatalog): void {
    this.catalog = catalog;
    if (this.input.value === filter) this.clearError();
    if (document.activeElement !== this.input && this.error.hidden) this.input.value = filter;
  }

  /** Shows why the host refused the filter, with the offending position marked. */
  showError(filter: string, message: string, position: number): void {
    const at = Math.max(0, Math.min(position, filter.length));
    const marked = el('mark', { text: filter.slice(at, at + 1) || ' ' });
    const excerpt = el('code', { className: 'filter-excerpt' }, filter.slice(0, at), marked, filter.slice(at + 1));
    this.error.replaceChildren(el('span', { className: 'filter-message', text: message }), excerpt);
    this.error.hidden = false;
    this.input.setAttribute('aria-invalid', 'true');
  }

  clearError(): void {
    this.error.hidden = true;
    this.error.replaceChildren();
    this.input.removeAttribute('aria-invalid');
  }

  private isOpen(): boolean {
    return !this.popup.hidden;
  }

  private onKey(event: KeyboardEvent): void {
    const open = this.isOpen();
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (open) this.move(event.key === 'ArrowDown' ? 1 : -1);
      else this.suggest();
    } else if ((event.key === 'Enter' || event.key === 'Tab') && open) {
      event.preventDefault();
      this.accept(this.active);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      // Trimmed as the host applies it, so the offsets of its errors match the text sent.
      this.apply(this.input.value.trim());
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      event.stopPropagation();
      this.close();
    } else if (event.key === ' ' && event.ctrlKey) {
      event.preventDefault();
      this.suggest();
    }
  }

  private suggest(): void {
    const cursor = this.input.selectionStart ?? this.input.value.length;
    const completion = completeFilter(this.input.value, cursor, this.catalog);
    if (completion.items.length === 0) {
      this.close();
      return;
    }
    this.completion = completion;
    this.active = 0;
    this.popup.replaceChildren(
      ...completion.items.map((item, index) =>
        el(
          'li',
          { className: `completion kind-${item.kind}`, attributes: { id: `${POPUP_ID}-${index}`, role: 'option', 'data-index': String(index) } },
          el('span', { className: 'completion-label', text: item.label }),
          el('span', { className: 'completion-detail', text: item.detail }),
        ),
      ),
    );
    this.popup.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.highlight();
  }

  private move(delta: number): void {
    const count = this.completion?.items.length ?? 0;
    if (count === 0) return;
    this.active = (this.active + delta + count) % count;
    this.highlight();
  }

  private highlight(): void {
    for (const [index, item] of [...this.popup.children].entries()) item.setAttribute('aria-selected', String(index === this.active));
    this.popup.children[this.active]?.scrollIntoView({ block: 'nearest' });
    this.input.setAttribute('aria-activedescendant', `${POPUP_ID}-${this.active}`);
  }

  private accept(index: number): void {
    const item = this.completion?.items[index];
    if (!this.completion || !item) return;
    const text = this.input.value;
    this.input.value = text.slice(0, this.completion.from) + item.insert + text.slice(this.completion.to);
    const caret = this.completion.from + item.insert.length;
    this.input.setSelectionRange(caret, caret);
    // What follows (an operator after a key, a value after an operator) is offered right away.
    this.suggest();
  }

  private close(): void {
    this.completion = undefined;
    this.popup.hidden = true;
    this.popup.replaceChildren();
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }
}
