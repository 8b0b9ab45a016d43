// A click on a Runs tree row that lands while VS Code redraws the row. VS Code keeps a row command's arguments in a
// cache that the redraw empties before the redrawn row reaches the window, so a command with arguments failed there
// with "Actual command not found" (microsoft/vscode#153982): what a user hits clicking a live run, whose row is redrawn
// about once a second. The test makes that moment certain by holding back what the server sends the page.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/treeClicks.e2e.ts

import path from 'node:path';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { Store } from '../../src/store/store';
import { copyExamples, labbookVsix, recordRun } from './fixtures';
import { inVsCode, openRunsView, parkMouse, runPanelFrame, runRow } from './labbookUi';
import { gateSockets, type SocketGate } from './socketGate';
import { waitUntil } from './waitUntil';

test('a click on a Runs tree row while VS Code redraws it still opens what was clicked', { timeout: 300_000 }, async () => {
  const workspace = copyExamples();
  recordRun(workspace.dir, 'older-run');
  recordRun(workspace.dir, 'clicked-run');
  let gate: SocketGate | undefined;
  const options = {
    testName: 'tree-clicks',
    workspace: workspace.dir,
    extensionVsix: labbookVsix(),
    beforeLoad: async (page: Page) => {
      gate = await gateSockets(page);
    },
  };
  await inVsCode(options, workspace, async (vscode) => {
    if (!gate) throw new Error('the page was not gated');
    const tree = await openRunsView(vscode);
    const row = runRow(tree, 'clicked-run');
    await row.waitFor({ timeout: 60_000 });
    await parkMouse(vscode);

    await gate.hold();
    // Another process renames the run: the extension host redraws its row and drops the row's old command...
    renameRun(vscode.workspace, 'clicked-run', 'renamed-run');
    await gate.waitForHeld('renamed-run', 30_000);
    // ...while the page, which has not seen the redraw yet, still shows the old row. The user clicks it.
    await row.click();
    await vscode.screenshot('clicked-while-redrawing');
    await gate.release();
    await runPanelFrame(vscode, 'renamed-run');
    await vscode.screenshot('preview-after-redraw');

    // A new run redraws its experiment and every row under it: a click on an artifact during that redraw opens it.
    await expand(runRow(tree, 'renamed-run'));
    await expand(runRow(tree, 'Artifacts'));
    const artifact = runRow(tree, 'console.log');
    await artifact.waitFor({ timeout: 30_000 });
    await parkMouse(vscode);
    await gate.hold();
    recordRun(vscode.workspace, 'newest-run');
    // The experiment's row comes first; its runs come when the page, once it has seen that row, asks for them.
    await gate.waitForHeld('3 runs', 30_000);
    await artifact.click();
    await gate.release();
    // The stored console output the run printed, in an editor.
    await vscode.page.locator('.editor-instance .view-lines', { hasText: 'loss: 0.25' }).waitFor({ timeout: 30_000 });
    await runRow(tree, 'newest-run').waitFor({ timeout: 30_000 });
    await vscode.screenshot('artifact-after-redraw');
  });
});

/** Expands a collapsed row by its twistie (a click on the row itself would run its command). */
async function expand(row: Locator): Promise<void> {
  await row.locator('.monaco-tl-twistie').click();
  await waitUntil(async () => ((await row.getAttribute('aria-expanded')) === 'true' ? true : undefined), {
    timeoutMs: 30_000,
    what: 'the row expanded',
  });
}

/** Renames a run from this process, as another window or the CLI would. */
function renameRun(workspace: string, from: string, to: string): void {
  const store = Store.open(path.join(workspace, '.labbook'));
  try {
    const run = store.listRuns({}).find((listed) => listed.name === from);
    if (!run) throw new Error(`no run named ${from}`);
    store.rename(run.id, to);
  } finally {
    store.close();
  }
}
