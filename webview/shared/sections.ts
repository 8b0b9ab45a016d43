// Page sections in VS Code's look: a collapsible with a heading, and key/value tables of run strings (as text).

import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import type { RunPanelEntry } from '../../src/protocol/runPanel';
import { el } from './dom';

/** A collapsible section, open, with a heading. */
export function section(heading: string, ...content: Node[]): HTMLElementTagNameMap['vscode-collapsible'] {
  const collapsible = el('vscode-collapsible', { className: 'section' }, ...content);
  collapsible.heading = heading;
  collapsible.open = true;
  return collapsible;
}

/** The line a section shows when it has nothing. */
export function emptyNote(text: string): HTMLParagraphElement {
  return el('p', { className: 'empty', text });
}

/** A key/value table (params, tags). */
export class EntryTable {
  readonly element: HTMLElementTagNameMap['vscode-collapsible'];
  private readonly body = el('tbody');
  private readonly table = el(
    'table',
    { className: 'entries' },
    el('thead', {}, el('tr', {}, el('th', { text: 'Name' }), el('th', { text: 'Value' }))),
    this.body,
  );
  private readonly empty: HTMLParagraphElement;

  constructor(heading: string, emptyText: string) {
    this.empty = emptyNote(emptyText);
    this.element = section(heading, this.table, this.empty);
  }

  /** Shows these entries, in this order. */
  show(entries: readonly RunPanelEntry[]): void {
    this.body.replaceChildren(
      ...entries.map((e) => el('tr', {}, el('td', { className: 'key', text: e.key }), el('td', { className: 'value', text: e.value }))),
    );
    this.table.hidden = entries.length === 0;
    this.empty.hidden = entries.length > 0;
    this.element.description = entries.length > 0 ? String(entries.length) : '';
  }
}
