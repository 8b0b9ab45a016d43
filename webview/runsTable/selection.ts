// The selected runs, by id, over the ordered ids of the whole table (not just the rows the page has): click
// selects one, Ctrl/Cmd+click toggles, Shift+click selects the range from the anchor, Ctrl+A selects all.

/** Selection, anchor and keyboard focus over a table's ordered run ids. */
export class Selection {
  private ids: readonly string[] = [];
  private index = new Map<string, number>();
  private selected = new Set<string>();
  private anchor: string | undefined;
  /** The run the keyboard acts on. */
  focused: string | undefined;

  /** New table order; selected ids that are gone are dropped, the others kept. */
  setIds(ids: readonly string[]): void {
    this.ids = ids;
    this.index = new Map(ids.map((id, i) => [id, i]));
    this.selected = new Set([...this.selected].filter((id) => this.index.has(id)));
    if (this.anchor !== undefined && !this.index.has(this.anchor)) this.anchor = undefined;
    if (this.focused !== undefined && !this.index.has(this.focused)) this.focused = undefined;
  }

  /** Restores saved ids (those still in the table). */
  restore(ids: readonly string[], focused: string | undefined): void {
    this.selected = new Set(ids.filter((id) => this.index.has(id)));
    this.focused = focused !== undefined && this.index.has(focused) ? focused : undefined;
    this.anchor = this.focused;
  }

  /** A click on a row, with the modifier keys that were held. */
  click(id: string, modifiers: { toggle: boolean; range: boolean }): void {
    if (modifiers.range && this.anchor !== undefined) this.selectRange(this.anchor, id, modifiers.toggle);
    else if (modifiers.toggle) this.toggle(id);
    else this.selected = new Set([id]);
    if (!modifiers.range) this.anchor = id;
    this.focused = id;
  }

  /** Selects or unselects one run and makes it the anchor. */
  toggle(id: string): void {
    if (!this.selected.delete(id)) this.selected.add(id);
    this.anchor = id;
  }

  selectAll(): void {
    this.selected = new Set(this.ids);
  }

  clear(): void {
    this.selected = new Set();
  }

  has(id: string): boolean {
    return this.selected.has(id);
  }

  get size(): number {
    return this.selected.size;
  }

  /** The selected ids in table order. */
  list(): string[] {
    return this.ids.filter((id) => this.selected.has(id));
  }

  /** The table position of a run, or -1. */
  indexOf(id: string | undefined): number {
    return id === undefined ? -1 : (this.index.get(id) ?? -1);
  }

  private selectRange(from: string, to: string, add: boolean): void {
    const [a, b] = [this.indexOf(from), this.indexOf(to)].sort((x, y) => x - y);
    const range = this.ids.slice(a, b + 1);
    this.selected = add ? new Set([...this.selected, ...range]) : new Set(range);
  }
}
