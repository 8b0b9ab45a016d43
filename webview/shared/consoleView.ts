// The tail of a run's console output: the last N lines as plain text, following new output while the
// reader is at the bottom and staying put while they scroll back.

import { el } from './dom';

/** Shown where output was skipped because more arrived at once than the panel reads. */
export const SKIPPED_OUTPUT = '⋯ output skipped ⋯';

// Within this many pixels of the bottom counts as following the output.
const BOTTOM_SLACK_PX = 4;

/** A console tail view; `element` goes into the page. */
export class ConsoleView {
  readonly element: HTMLElement;
  private readonly note = el('p', { className: 'console-note', text: 'Earlier output is not shown.' });
  private readonly output = el('pre', { className: 'console-output', attributes: { tabindex: '0', 'aria-label': 'Console output' } });
  private lines: string[] = [];
  private partial = '';
  private limit = 500;

  constructor() {
    this.element = el('div', { className: 'console' }, this.note, this.output);
    this.note.hidden = true;
  }

  /** Shows a fresh tail. */
  reset(lines: readonly string[], partial: string, truncated: boolean, limit: number): void {
    this.limit = Math.max(1, limit);
    this.lines = lines.slice(-this.limit);
    this.partial = partial;
    this.note.hidden = !truncated;
    this.render(true);
  }

  /** Adds new lines and replaces the unfinished one. */
  append(lines: readonly string[], partial: string, truncated: boolean): void {
    if (truncated) this.lines.push(SKIPPED_OUTPUT);
    this.lines.push(...lines);
    if (this.lines.length > this.limit) {
      this.lines.splice(0, this.lines.length - this.limit);
      this.note.hidden = false;
    }
    this.partial = partial;
    this.render(false);
  }

  private render(jumpToEnd: boolean): void {
    const box = this.output;
    const following = jumpToEnd || box.scrollTop + box.clientHeight >= box.scrollHeight - BOTTOM_SLACK_PX;
    const shown = this.partial ? [...this.lines, this.partial] : this.lines;
    box.textContent = shown.length > 0 ? shown.join('\n') : 'No output yet.';
    box.classList.toggle('empty', shown.length === 0);
    if (following) box.scrollTop = box.scrollHeight;
  }
}
