// Labbook without the mouse: every step below is a key press or typed text (the test only reads the page and the
// store to know when a step is done). Run and track the current file, select three runs in the Runs tree, compare
// them, open the Runs table, sort and filter it, move a run to the Trash with the Delete key and restore it from
// the Trash node.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/keyboard.e2e.ts

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame, Page } from './node_modules/playwright-core';
import { listTrash } from '../../src/store/trash';
import { copyExamples, labbookVsix, recordRun } from './fixtures';
import type { VsCode } from './harness';
import { DEBIAN_PYTHON, EXTENSION_ID, inVsCode, readStore } from './labbookUi';
import { waitUntil } from './waitUntil';

const TABLE = 'main.runs-table[aria-busy="false"] .grid .row';

/**
 * Opens the palette (or Quick Open), types `text` and presses Enter once the focused row is `label`. A command
 * whose `when` context is not set yet (the editor's language, the extension still activating) is not offered:
 * then Escape and the same keys again, as a user would.
 */
async function quickInput(page: Page, key: string, text: string, label: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const focused = widget.locator('.monaco-list-row.focused .label-name');
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press(key);
    await widget.locator('.quick-input-box input').waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.type(text);
    const offered = await waitUntil(async () => ((await focused.count()) && (await focused.first().textContent()) === label ? true : undefined), {
      timeoutMs: 10_000,
      what: `"${label}" first in the quick input`,
    }).catch((error: unknown) => {
      if (attempt === 3) throw error;
      return false;
    });
    if (offered) break;
    await page.keyboard.press('Escape');
  }
  await page.keyboard.press('Enter');
}

/** Runs a command by its palette title, with the keyboard (F1 opens the palette with its `>` typed). */
function palette(vscode: VsCode, title: string): Promise<void> {
  return quickInput(vscode.page, 'F1', title, title);
}

/** Where the keyboard is: 'list' in the Runs tree's rows, 'pane' elsewhere in the Runs view, else ''. */
function keyboardIn(vscode: VsCode): Promise<string> {
  return vscode.page.evaluate(() => {
    const active = document.activeElement;
    if (active?.closest('.pane')?.querySelector('.pane-header')?.getAttribute('aria-label') !== 'Runs Section') return '';
    return active.closest('.monaco-list') ? 'list' : 'pane';
  });
}

/**
 * Focuses the Runs tree from the palette. The first time it also opens the view container, and while the tree
 * renders the focus can land on the pane or the page: then the command is given again, as a user would.
 */
async function focusRunsView(vscode: VsCode): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await palette(vscode, 'Labbook: Focus on Runs View');
    const landed = await waitUntil(async () => ((await keyboardIn(vscode)) === 'list' ? true : undefined), {
      timeoutMs: 5_000,
      what: 'the keyboard in the Runs tree',
    }).catch((error: unknown) => {
      if (attempt === 3) throw error;
      return false;
    });
    if (landed) return;
  }
}

/** Labels of the selected rows of the Runs tree. */
async function selectedRows(vscode: VsCode): Promise<string[]> {
  return vscode.page.locator('.pane:has(.pane-header[aria-label="Runs Section"]) .monaco-list-row.selected .label-name').allTextContents();
}

/** The label of the focused row of the Runs tree. */
async function focusedRow(vscode: VsCode): Promise<string> {
  const row = vscode.page.locator('.pane:has(.pane-header[aria-label="Runs Section"]) .monaco-list-row.focused .label-name');
  return (await row.count()) ? ((await row.first().textContent()) ?? '') : '';
}

/**
 * Makes the focused row of the Runs tree the whole selection: Escape clears the selection (with none it would
 * clear the focus instead), Ctrl+Shift+Enter toggles the row in.
 */
async function selectFocusedOnly(vscode: VsCode): Promise<void> {
  const label = await focusedRow(vscode);
  if ((await selectedRows(vscode)).length) await vscode.page.keyboard.press('Escape');
  await vscode.page.keyboard.press('Control+Shift+Enter');
  await waitUntil(async () => (JSON.stringify(await selectedRows(vscode)) === JSON.stringify([label]) ? true : undefined), {
    timeoutMs: 10_000,
    what: `only ${label} selected`,
  });
}

/** Presses `key` until the Runs tree's focused row is `label` (the tree's order depends on run times). */
async function pressUntilFocused(vscode: VsCode, key: string, label: string | RegExp): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const focused = await focusedRow(vscode);
    if (typeof label === 'string' ? focused === label : label.test(focused)) return;
    await vscode.page.keyboard.press(key);
  }
  throw new Error(`no row "${String(label)}" reached with ${key} (focused: "${await focusedRow(vscode)}")`);
}

/** Presses Tab (or Shift+Tab) in a webview until its focused element matches `selector`. */
async function tabTo(vscode: VsCode, frame: Frame, selector: string, key = 'Tab'): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (await frame.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await vscode.page.keyboard.press(key);
  }
  throw new Error(`${key} never reached ${selector}`);
}

const runNames = (workspace: string): string[] => readStore(workspace, (store) => store.listRuns().map((run) => run.name));

test('keyboard only: run, select three runs, compare, sort and filter the table, delete to the Trash and restore', { timeout: 420_000 }, async () => {
  const vsix = labbookVsix();
  const workspace = copyExamples();
  for (const name of ['alpha', 'beta', 'gamma']) recordRun(workspace.dir, name);
  await inVsCode(
    {
      testName: 'keyboard',
      workspace: workspace.dir,
      extensionVsix: vsix,
      settings: { 'labbook.python.path': DEBIAN_PYTHON },
    },
    workspace,
    async (vscode) => {
      const { page } = vscode;
      // Park the pointer once, away from everything, so no hover shows in the screenshots; it never moves again.
      await page.mouse.move(700, 880);

      // Run and track the current file.
      await quickInput(page, 'Control+P', 'iris/train.py', 'train.py');
      await page.locator('.tabs-container .tab.active[data-resource-name="train.py"]').waitFor({ timeout: 30_000 });
      await vscode.waitForActivation(EXTENSION_ID, 60_000);
      await palette(vscode, 'Labbook: Run and Track Current File');
      await waitUntil(
        () => (readStore(workspace.dir, (store) => store.listRuns({ filter: "attributes.status = 'FINISHED'" }).length) === 4 ? true : undefined),
        {
          timeoutMs: 120_000,
          what: 'the tracked run finished',
        },
      );
      const [tracked] = readStore(workspace.dir, (store) => store.listRuns({ limit: 1 }));
      await vscode.screenshot('run-and-track-finished');

      // The Runs view, three runs selected with the keyboard.
      await focusRunsView(vscode);
      const tree = await vscode.treeView('Runs');
      await tree.locator('.monaco-list-row', { hasText: tracked.name }).waitFor({ timeout: 30_000 });
      await page.keyboard.press('Home');
      await pressUntilFocused(vscode, 'ArrowDown', tracked.name);
      // Arrows move only the focus in a tree view; Ctrl+Shift+Enter (list.toggleSelection) selects the focused row,
      // then Shift+Down extends the selection. Each step waits for the selection, which the tree then previews.
      for (const count of [1, 2, 3]) {
        await page.keyboard.press(count === 1 ? 'Control+Shift+Enter' : 'Shift+ArrowDown');
        await waitUntil(async () => ((await selectedRows(vscode)).length === count ? true : undefined), {
          timeoutMs: 10_000,
          what: `${count} rows selected`,
        });
      }
      const selected = await selectedRows(vscode);
      assert.deepEqual(selected, [tracked.name, 'gamma', 'beta'], 'the newest three runs, selected with the keyboard');
      await vscode.screenshot('three-runs-selected');

      // Compare takes the tree's selection.
      await palette(vscode, 'Labbook: Compare Runs');
      const compare = await vscode.webviewFrame('main[aria-busy="false"] h1.compare-title', 60_000);
      assert.equal(await compare.locator('h1.compare-title').textContent(), 'Compare 3 runs');
      await vscode.screenshot('compare-three');

      // The Runs table: sort with Enter on a header, filter by typing.
      await palette(vscode, 'Labbook: Open Runs Table');
      const table = await vscode.webviewFrame(TABLE, 60_000);
      await tabTo(vscode, table, '.header-cell');
      const column = await table.evaluate(() => document.activeElement?.getAttribute('data-column-id'));
      await page.keyboard.press('Enter');
      const header = table.locator(`.header-cell[data-column-id="${column}"]`);
      await waitUntil(async () => ((await header.getAttribute('aria-sort')) !== 'none' ? true : undefined), {
        timeoutMs: 10_000,
        what: `sorted by ${column}`,
      });
      await vscode.screenshot('table-sorted');
      await tabTo(vscode, table, '.filter-input', 'Shift+Tab');
      await page.keyboard.type("attributes.run_name = 'beta'");
      await page.keyboard.press('Escape'); // closes the key completion, if it is open
      await page.keyboard.press('Enter');
      await waitUntil(async () => ((await table.locator('.run-count').textContent()) === '1 of 4 runs' ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the table filtered to beta',
      });
      await vscode.screenshot('table-filtered');

      // Delete in the Runs tree moves the focused run to the Trash.
      await focusRunsView(vscode);
      await page.keyboard.press('Home');
      await pressUntilFocused(vscode, 'ArrowDown', 'alpha');
      // Delete acts on the selection (the three compared runs until now), as the Explorer's does.
      await selectFocusedOnly(vscode);
      await page.keyboard.press('Delete');
      await waitUntil(() => (!runNames(workspace.dir).includes('alpha') ? true : undefined), { timeoutMs: 30_000, what: 'alpha moved to the Trash' });
      assert.deepEqual(
        readStore(workspace.dir, (store) => listTrash(store).map((run) => run.name)),
        ['alpha'],
      );
      const trash = tree.locator('.monaco-list-row', { hasText: 'Trash (1)' });
      await trash.waitFor({ timeout: 30_000 });
      await page.locator('.notifications-toasts', { hasText: 'Moved run "alpha" to the Trash.' }).waitFor({ timeout: 30_000 });
      await vscode.screenshot('deleted-to-trash');

      // The Trash node: End, Right to expand, Down to the run, select it, then Restore Run (it takes the tree's selection).
      await page.keyboard.press('End');
      await pressUntilFocused(vscode, 'ArrowUp', 'Trash (1)');
      await page.keyboard.press('ArrowRight');
      await tree.locator('.monaco-list-row', { hasText: /alpha.*deleted/ }).waitFor({ timeout: 30_000 });
      await pressUntilFocused(vscode, 'ArrowDown', 'alpha');
      await selectFocusedOnly(vscode);
      await vscode.screenshot('trash-expanded');
      await palette(vscode, 'Labbook: Restore Run');
      await waitUntil(() => (runNames(workspace.dir).includes('alpha') ? true : undefined), { timeoutMs: 30_000, what: 'alpha restored' });
      await trash.waitFor({ state: 'detached', timeout: 30_000 });
      await vscode.screenshot('restored');
    },
  );
});
