// The runs grid: a sticky header that sorts, and a body virtualized by @tanstack/virtual-core, so only the visible
// rows (plus overscan) are in the DOM whatever the number of runs. Rows come from the RowCache; rows it lacks for
// the drawn range are asked of the host in one request per frame, drawn as placeholders (or stale) meanwhile.
// Every cell is text (textContent), never markup.

import { Virtualizer, elementScroll, observeElementOffset, observeElementRect } from '@tanstack/virtual-core';
import type { SortTerm } from '../../src/core/runsTable';
import { isLiveStatus } from '../../src/core/types';
import type { RunsTableColumn, RunsTableRow } from '../../src/protocol/runsTable';
import { el, oncePerFrame } from '../shared/dom';
import { RowCache } from './rowCache';
import { Selection } from './selection';

/** Height of one row in pixels (fixed, so the virtualizer never measures). */
export const ROW_HEIGHT = 24;
const OVERSCAN = 12;
/** Columns written beyond the visible ones, on each side. */
const COLUMN_OVERSCAN = 2;
/** Rows asked for beyond the drawn ones, on each side. */
const REQUEST_MARGIN = 60;
const STAR_WIDTH = 28;
const MIN_WIDTH = 48;
const STATUS_COLUMN = 'attribute:status';
/** Columns pinned to the left while the grid scrolls sideways, when they lead the table (with the star before them). */
const PINNABLE = new Set([STATUS_COLUMN, 'attribute:name']);

/** What the grid asks of the page. */
export interface GridHost {
  requestRows(runIds: string[]): void;
  openRun(runId: string): void;
  toggleStar(runId: string): void;
  sortBy(columnId: string, additive: boolean): void;
  selectionChanged(): void;
  /** The scroll position or a column width changed. */
  viewChanged(): void;
}

interface DrawnRow {
  element: HTMLElement;
  row: RunsTableRow | undefined;
  /** The columns whose text is written (see `columnWindow`). */
  window: string;
}

/** Data columns (0-based, inclusive) whose cells hold text. */
interface ColumnWindow {
  from: number;
  to: number;
}

function defaultWidth(column: RunsTableColumn): number {
  if (column.id === 'attribute:name') return 220;
  if (column.id === STATUS_COLUMN) return 110;
  if (column.id === 'attribute:start') return 150;
  if (column.numeric) return 100;
  return 130;
}

/** How many leading cells stay at the left: the star and the status and name columns that lead, or none. */
function pinnedCells(columns: readonly RunsTableColumn[]): number {
  const leading = columns.findIndex((column) => !PINNABLE.has(column.id));
  const count = leading < 0 ? columns.length : leading;
  return count === 0 ? 0 : count + 1;
}

/** The table of runs. */
export class RunsGrid {
  /** The scroll container (role=grid); the keyboard acts on it. */
  readonly element = el('div', {
    className: 'grid',
    attributes: { role: 'grid', tabindex: '0', 'aria-multiselectable': 'true', 'aria-label': 'Runs' },
  });
  readonly cache = new RowCache();
  readonly selection = new Selection();
  private readonly header = el('div', { className: 'grid-header', attributes: { role: 'row', 'aria-rowindex': '1' } });
  private readonly body = el('div', { className: 'grid-body', attributes: { role: 'rowgroup' } });
  private readonly drawn = new Map<string, DrawnRow>();
  private readonly widths = new Map<string, number>();
  private readonly virtualizer: Virtualizer<HTMLDivElement, HTMLDivElement>;
  private readonly requestOncePerFrame = oncePerFrame(() => this.requestVisible());
  private columns: RunsTableColumn[] = [];
  private runIds: string[] = [];
  private sort: SortTerm[] = [];
  private lefts: number[] = [];
  private scrollLeft = 0;
  private cellWidths: number[] = [];
  /** Leading cells (the star included) pinned to the left. */
  private pinned = 0;

  constructor(private readonly host: GridHost) {
    this.element.append(el('div', { className: 'grid-header-group', attributes: { role: 'rowgroup' } }, this.header), this.body);
    this.element.style.setProperty('--lb-row-height', `${ROW_HEIGHT}px`);
    this.virtualizer = new Virtualizer<HTMLDivElement, HTMLDivElement>({
      count: 0,
      getScrollElement: () => this.element,
      estimateSize: () => ROW_HEIGHT,
      scrollToFn: elementScroll,
      observeElementRect,
      observeElementOffset,
      overscan: OVERSCAN,
      onChange: () => this.render(),
    });
    this.body.addEventListener('click', (event) => this.onClick(event));
    this.body.addEventListener('dblclick', (event) => {
      const id = this.rowIdAt(event.target);
      if (id && !(event.target as Element).closest('.star')) this.host.openRun(id);
    });
    // Shift+click selects rows, not text.
    this.body.addEventListener('mousedown', (event) => {
      if (event.shiftKey) event.preventDefault();
    });
    this.element.addEventListener('keydown', (event) => this.onKey(event));
    this.element.addEventListener(
      'scroll',
      () => {
        if (this.element.scrollLeft !== this.scrollLeft) this.scrolledSideways();
        this.host.viewChanged();
      },
      { passive: true },
    );
  }

  // The pinned cells follow a sideways scroll through one variable; a vertical scroll leaves them alone.
  private scrolledSideways(): void {
    const left = this.element.scrollLeft;
    this.element.style.setProperty('--lb-scroll-x', `${left}px`);
    this.element.classList.toggle('scrolled-x', left > 0);
    this.render();
  }

  /** Starts observing the scroll container; call once it is in the document. */
  mount(): void {
    this.virtualizer._didMount();
    this.virtualizer._willUpdate();
  }

  /** Shows a snapshot's table; drawn rows stay until their fresh copies arrive. */
  show(generation: number, columns: RunsTableColumn[], runIds: string[], rows: RunsTableRow[], sort: SortTerm[]): void {
    const columnsChanged = JSON.stringify(columns) !== JSON.stringify(this.columns);
    // Live runs bring a snapshot every second: the header is rebuilt only when it changes, so it keeps focus.
    const headerChanged = columnsChanged || JSON.stringify(sort) !== JSON.stringify(this.sort);
    this.columns = columns;
    this.pinned = pinnedCells(columns);
    this.runIds = runIds;
    this.sort = sort;
    this.cache.reset(
      generation,
      columns.map((c) => c.id),
      rows,
    );
    this.selection.setIds(runIds);
    if (columnsChanged) this.clearDrawn();
    if (headerChanged) this.drawHeader();
    this.element.setAttribute('aria-rowcount', String(runIds.length + 1));
    this.element.setAttribute('aria-colcount', String(columns.length + 1));
    this.virtualizer.setOptions({
      ...this.virtualizer.options,
      count: runIds.length,
      scrollMargin: this.body.offsetTop,
      scrollPaddingStart: this.body.offsetTop,
    });
    this.virtualizer._willUpdate();
    this.render();
  }

  /** Rows the host sent; redraws those on screen. */
  addRows(generation: number, rows: RunsTableRow[]): void {
    this.cache.add(generation, rows);
    this.render();
  }

  /** Ids of the rows in the DOM, in table order. */
  renderedIds(): string[] {
    return [...this.drawn.keys()].sort((a, b) => this.selection.indexOf(a) - this.selection.indexOf(b));
  }

  get scrollTop(): number {
    return this.element.scrollTop;
  }

  scrollTo(top: number): void {
    this.virtualizer.scrollToOffset(top);
  }

  /** Redraws selection and focus marks. */
  refreshMarks(): void {
    for (const [id, drawn] of this.drawn) this.mark(drawn.element, id);
  }

  private clearDrawn(): void {
    for (const drawn of this.drawn.values()) drawn.element.remove();
    this.drawn.clear();
  }

  private applyWidths(): void {
    const widths = [STAR_WIDTH, ...this.columns.map((c) => this.widths.get(c.id) ?? defaultWidth(c))];
    let total = 0;
    this.lefts = widths.map((width) => {
      const left = total;
      total += width;
      return left;
    });
    this.cellWidths = widths;
    this.element.style.setProperty('--lb-grid-columns', widths.map((w) => `${w}px`).join(' '));
    this.element.style.setProperty('--lb-grid-width', `${total}px`);
    for (const drawn of this.drawn.values()) this.placeCells(drawn.element);
    for (const [index, cell] of [...this.header.children].entries())
      if (index < this.pinned) (cell as HTMLElement).style.left = `${this.lefts[index]}px`;
  }

  /** Column widths the user set, by column id, to keep with the page state. */
  columnWidths(): Record<string, number> {
    return Object.fromEntries(this.widths);
  }

  /** Restores widths saved with the page state. */
  restoreWidths(widths: Record<string, number>): void {
    for (const [id, width] of Object.entries(widths)) if (Number.isFinite(width) && width >= MIN_WIDTH) this.widths.set(id, width);
    this.applyWidths();
  }

  /**
   * Body cells are placed absolutely (left and width from the header's widths): the browser then lays out each
   * cell on its own, which costs far less per scrolled frame than a grid or flex row of 50 cells.
   */
  private placeCells(row: HTMLElement): void {
    for (const [index, cell] of [...row.children].entries()) {
      const style = (cell as HTMLElement).style;
      style.left = index < this.pinned ? `calc(${this.lefts[index]}px + var(--lb-scroll-x, 0px))` : `${this.lefts[index]}px`;
      style.width = `${this.cellWidths[index]}px`;
    }
  }

  /** Pinned cells are marked opaque (CSS); placeCells adds `--lb-scroll-x` to their left. */
  private markPinned(cells: readonly Element[]): void {
    for (const [index, cell] of cells.entries()) {
      cell.classList.toggle('pinned', index < this.pinned);
      cell.classList.toggle('pinned-edge', index === this.pinned - 1);
    }
  }

  private drawHeader(): void {
    const star = el('div', {
      className: 'header-cell star-header',
      text: '★',
      attributes: { role: 'columnheader', title: 'Starred', 'aria-label': 'Starred' },
    });
    this.header.replaceChildren(star, ...this.columns.map((column, index) => this.headerCell(column, index)));
    this.markPinned([...this.header.children]);
    this.applyWidths();
  }

  private headerCell(column: RunsTableColumn, index: number): HTMLElement {
    const rank = this.sort.findIndex((term) => term.columnId === column.id);
    const term = rank >= 0 ? this.sort[rank] : undefined;
    const arrow = term ? (term.descending ? '↓' : '↑') : '';
    const indicator = el('span', {
      className: 'sort-indicator',
      text: term && this.sort.length > 1 ? `${arrow}${rank + 1}` : arrow,
      attributes: { 'aria-hidden': 'true' },
    });
    const cell = el(
      'div',
      {
        className: `header-cell${column.numeric ? ' numeric' : ''}${term ? ' sorted' : ''}`,
        attributes: {
          role: 'columnheader',
          tabindex: index === 0 ? '0' : '-1',
          title: `${column.label}: click to sort, Shift+click to add to the sort`,
          'aria-colindex': String(index + 2),
          'data-column-id': column.id,
        },
      },
      el('span', { className: 'header-label', text: column.label }),
      indicator,
    );
    cell.setAttribute('aria-sort', term ? (term.descending ? 'descending' : 'ascending') : 'none');
    cell.addEventListener('click', (event) => {
      if (!(event.target as Element).closest('.resize-handle')) this.host.sortBy(column.id, event.shiftKey);
    });
    cell.addEventListener('keydown', (event) => this.onHeaderKey(event, cell, column));
    cell.append(this.resizeHandle(column));
    return cell;
  }

  /** Enter or Space sorts (with Shift: adds a term); Left and Right move along the headers (one tab stop). */
  private onHeaderKey(event: KeyboardEvent, cell: HTMLElement, column: RunsTableColumn): void {
    if (event.key === 'Enter' || event.key === ' ') {
      this.host.sortBy(column.id, event.shiftKey);
    } else if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      const next = (event.key === 'ArrowLeft' ? cell.previousElementSibling : cell.nextElementSibling) as HTMLElement | null;
      if (!next?.dataset.columnId) return;
      cell.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  private resizeHandle(column: RunsTableColumn): HTMLElement {
    const handle = el('span', { className: 'resize-handle', attributes: { 'aria-hidden': 'true' } });
    handle.addEventListener('pointerdown', (event) => {
      event.preventDefault();
      handle.setPointerCapture(event.pointerId);
      const startX = event.clientX;
      const startWidth = this.widths.get(column.id) ?? defaultWidth(column);
      const move = (e: PointerEvent): void => {
        this.widths.set(column.id, Math.max(MIN_WIDTH, startWidth + e.clientX - startX));
        this.applyWidths();
        this.render();
      };
      const up = (): void => {
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
        this.host.viewChanged();
      };
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
    });
    return handle;
  }

  /**
   * The columns in view, plus a margin: only their cells get text. With 50 columns most are off screen, and text
   * is what costs when a fast scroll replaces every row each frame.
   */
  private columnWindow(): ColumnWindow {
    this.scrollLeft = this.element.scrollLeft;
    const left = this.scrollLeft;
    const right = left + (this.element.clientWidth || window.innerWidth);
    // lefts[0] is the star column; data column i starts at lefts[i + 1].
    let from = 0;
    while (from < this.columns.length - 1 && this.lefts[from + 2] <= left) from++;
    let to = from;
    while (to < this.columns.length - 1 && this.lefts[to + 1] < right) to++;
    return { from: Math.max(0, from - COLUMN_OVERSCAN), to: Math.min(this.columns.length - 1, to + COLUMN_OVERSCAN) };
  }

  private render(): void {
    const items = this.virtualizer.getVirtualItems();
    const margin = this.virtualizer.options.scrollMargin;
    this.body.style.height = `${this.virtualizer.getTotalSize()}px`;
    const columns = this.columnWindow();
    const windowKey = `${columns.from}:${columns.to}`;
    const wanted = new Set(items.map((item) => this.runIds[item.index]));
    // Rows that left the range are refilled for the ones entering it: scrolling rewrites text, not elements.
    const free: HTMLElement[] = [];
    for (const [id, drawn] of this.drawn) {
      if (wanted.has(id)) continue;
      free.push(drawn.element);
      this.drawn.delete(id);
    }
    for (const item of items) {
      const id = this.runIds[item.index];
      if (id === undefined) continue;
      const row = this.cache.get(id);
      let drawn = this.drawn.get(id);
      if (!drawn) {
        drawn = { element: free.pop() ?? this.newRowElement(), row: undefined, window: '' };
        this.drawn.set(id, drawn);
      }
      if (drawn.row !== row || drawn.window !== windowKey) {
        this.fill(drawn.element, id, row, columns);
        drawn.row = row;
        drawn.window = windowKey;
      }
      drawn.element.style.transform = `translateY(${item.start - margin}px)`;
      drawn.element.setAttribute('aria-rowindex', String(item.index + 2));
      this.mark(drawn.element, id);
    }
    for (const element of free) element.remove();
    this.requestOncePerFrame();
  }

  private requestVisible(): void {
    // The rows on screen first, then a margin around them, so a short scroll finds its rows already here.
    const items = this.virtualizer.getVirtualItems();
    if (items.length === 0) return;
    const first = items[0].index;
    const last = items[items.length - 1].index;
    const around = this.runIds.slice(Math.max(0, first - REQUEST_MARGIN), last + 1 + REQUEST_MARGIN);
    const missing = this.cache.takeMissing([...this.runIds.slice(first, last + 1), ...around]);
    if (missing.length) this.host.requestRows(missing);
  }

  private mark(element: HTMLElement, id: string): void {
    const selected = this.selection.has(id);
    element.classList.toggle('selected', selected);
    element.classList.toggle('focused', this.selection.focused === id);
    element.setAttribute('aria-selected', String(selected));
  }

  /** An empty row of the current columns, in the body. */
  private newRowElement(): HTMLElement {
    const star = el('button', { className: 'star-toggle', attributes: { type: 'button', tabindex: '-1' } });
    const cells = this.columns.map((column) => {
      const kind = column.id === STATUS_COLUMN ? ' status-cell' : column.numeric ? ' numeric' : '';
      return el('div', { className: `cell${kind}`, attributes: { role: 'gridcell' } });
    });
    const element = el(
      'div',
      { className: 'row', attributes: { role: 'row' } },
      el('div', { className: 'cell star', attributes: { role: 'gridcell' } }, star),
      ...cells,
    );
    this.placeCells(element);
    this.markPinned([...element.children]);
    this.body.append(element);
    return element;
  }

  /** Writes a run's row (or a placeholder while it is on its way) into a row element, as text only. */
  private fill(element: HTMLElement, id: string, row: RunsTableRow | undefined, columns: ColumnWindow): void {
    element.id = `run-${id}`;
    element.dataset.runId = id;
    // VS Code's webview/context menus (package.json) get this object as the command argument.
    const runState = row && isLiveStatus(row.status) ? 'live' : 'ended';
    element.dataset.vscodeContext = JSON.stringify({ webviewSection: 'run', runId: id, runState, preventDefaultContextMenuItems: true });
    element.classList.toggle('placeholder', !row);
    element.toggleAttribute('aria-busy', !row);
    const [starCell, ...cells] = element.children;
    const star = starCell.firstElementChild as HTMLButtonElement;
    const starred = row?.starred ?? false;
    star.hidden = !row;
    star.textContent = starred ? '★' : '☆';
    star.classList.toggle('starred', starred);
    star.setAttribute('aria-pressed', String(starred));
    star.setAttribute('aria-label', starred ? 'Unstar run' : 'Star run');
    star.title = starred ? 'Unstar' : 'Star';
    for (const [index, cell] of cells.entries()) {
      // cells[index] is cell index + 1 of the row (the star is first): pinned ones are always in view.
      const shown = row !== undefined && ((index >= columns.from && index <= columns.to) || index + 1 < this.pinned);
      const text = shown ? (row.cells[index] ?? null) : null;
      cell.textContent = text ?? '';
      cell.classList.toggle('missing', shown && text === null);
      if (text === null) cell.removeAttribute('title');
      else cell.setAttribute('title', text);
      if (cell.classList.contains('status-cell')) cell.setAttribute('data-status', row && text !== null ? row.status : '');
    }
  }

  private rowIdAt(target: EventTarget | null): string | undefined {
    return (target as Element | null)?.closest<HTMLElement>('.row')?.dataset.runId;
  }

  private onClick(event: MouseEvent): void {
    const id = this.rowIdAt(event.target);
    if (!id) return;
    if ((event.target as Element).closest('.star-toggle')) {
      this.host.toggleStar(id);
      return;
    }
    this.selection.click(id, { toggle: event.ctrlKey || event.metaKey, range: event.shiftKey });
    this.element.focus({ preventScroll: true });
    this.selectionChanged();
  }

  private selectionChanged(): void {
    this.refreshMarks();
    const focused = this.selection.focused;
    if (focused && this.drawn.has(focused)) this.element.setAttribute('aria-activedescendant', `run-${focused}`);
    else this.element.removeAttribute('aria-activedescendant');
    this.host.selectionChanged();
  }

  private pageRows(): number {
    return Math.max(1, Math.floor((this.element.clientHeight - this.header.offsetHeight) / ROW_HEIGHT) - 1);
  }

  private onKey(event: KeyboardEvent): void {
    if (this.runIds.length === 0 || (event.target as Element).closest('.header-cell')) return;
    const focusedIndex = this.selection.indexOf(this.selection.focused);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: this.pageRows(),
      PageUp: -this.pageRows(),
      Home: -Infinity,
      End: Infinity,
    };
    const accel = event.ctrlKey || event.metaKey;
    if (event.key in moves) {
      event.preventDefault();
      const target = Math.max(0, Math.min(this.runIds.length - 1, (focusedIndex < 0 ? -1 : focusedIndex) + moves[event.key]));
      this.focusIndex(target, event.shiftKey);
    } else if (event.key === ' ' && this.selection.focused) {
      event.preventDefault();
      this.selection.toggle(this.selection.focused);
      this.selectionChanged();
    } else if (event.key === 'Enter' && this.selection.focused) {
      event.preventDefault();
      this.host.openRun(this.selection.focused);
    } else if (accel && event.key.toLowerCase() === 'a') {
      event.preventDefault();
      this.selection.selectAll();
      this.selectionChanged();
    } else if (event.key === 'Escape' && this.selection.size > 0) {
      event.preventDefault();
      this.selection.clear();
      this.selectionChanged();
    }
  }

  private focusIndex(index: number, extend: boolean): void {
    const id = this.runIds[index];
    if (extend) this.selection.click(id, { toggle: false, range: true });
    else this.selection.focused = id;
    this.virtualizer.scrollToIndex(index, { align: 'auto' });
    this.render();
    this.selectionChanged();
  }
}
