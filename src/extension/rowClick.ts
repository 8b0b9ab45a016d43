// Why tree rows' click commands carry no arguments. VS Code keeps the arguments of a row's command in a cache and
// empties that entry when the row is redrawn, before the redrawn row reaches the window; a click landing in between
// fails with "Actual command not found" (microsoft/vscode#153982). A live run's row is redrawn about once a second,
// so users clicking it hit this. A command without arguments is not cached: the handler finds the clicked row in
// its view's selection, which the window sends to the extension host before it runs the row's command.
//
// When a row's parent is redrawn (a run came into its experiment), the extension host forgets the rows under it
// until the window asks for them again, so for a moment the selection is empty; the handler waits for that.
import type * as vscode from 'vscode';

/** Longest wait for the clicked row to be known again after a redraw of its parent. */
const REDRAW_WAIT_MS = 3000;

/** The command a tree row runs when clicked: no arguments, so a redraw cannot lose it. */
export function clickCommand(command: string, title: string): vscode.Command {
  return { command, title };
}

/** What a row command acts on: its argument (from a menu or another command), else the row selected in `view`. */
export function clickedRow<T>(clicked: unknown, view: vscode.TreeView<T>): unknown {
  return clicked ?? (view.selection.length === 1 ? view.selection[0] : undefined);
}

/**
 * As clickedRow, for a view whose provider says when it has handed VS Code rows (`served`): with nothing selected,
 * waits (up to REDRAW_WAIT_MS) until a redraw under way has made the clicked row known again.
 */
export async function clickedRowAfterRedraw<T>(clicked: unknown, view: vscode.TreeView<T>, served: vscode.Event<void>): Promise<unknown> {
  const deadline = Date.now() + REDRAW_WAIT_MS;
  while (clicked === undefined && view.selection.length === 0 && Date.now() < deadline) await nextEvent(served, deadline - Date.now());
  return clickedRow(clicked, view);
}

function nextEvent(event: vscode.Event<void>, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const subscription = event(done);
    function done(): void {
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    }
  });
}
