// The Runs table in a real VS Code: open it from the Runs view, sort by a param (numbers as numbers), filter
// with completion of keys, use a quick filter, add a column (remembered through a window reload), select three
// runs, export CSV of the selection through VS Code's save dialog (offered in the git-ignored .labbook/exports),
// open a run from a row's context menu and compare the selection. A first click on a loss header sorts lowest first.
// Run: node --import tsx --test test/e2e/runsTable.e2e.ts (LABBOOK_VSIX=… to reuse a packed .vsix).

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Frame } from './node_modules/playwright-core';
import { Store } from '../../src/store/store';
import { RunsTableFeed } from '../../src/extension/panels/runsTableFeed';
import { DEFAULT_RUNS_TABLE_QUERY } from '../../src/protocol/runsTable';
import { FORMULA_NAME, HOSTILE_NAME, seedTableRuns } from '../fixtures/runsTable/runs';
import { copyExamples, labbookVsix } from './fixtures';
import type { VsCode } from './harness';
import { chooseMenuItem, inVsCode, openRunsView, parkMouse } from './labbookUi';
import { waitUntil } from './waitUntil';

const TABLE = 'main.runs-table[aria-busy="false"] .grid .row';

function renderedIds(frame: Frame): Promise<string[]> {
  return frame.evaluate(() => (window as unknown as { labbookRunsTable: { renderedRowIds(): string[] } }).labbookRunsTable.renderedRowIds());
}

/** Waits until the table shows exactly these runs (fixture indexes), in this order. */
async function expectRows(frame: Frame, ids: readonly string[], order: readonly number[], what: string): Promise<void> {
  const expected = order.map((i) => ids[i]);
  await waitUntil(async () => (JSON.stringify(await renderedIds(frame)) === JSON.stringify(expected) ? true : undefined), {
    timeoutMs: 30_000,
    what,
  });
}

async function headerLabels(frame: Frame): Promise<string[]> {
  return frame.locator('.grid-header .header-label').allTextContents();
}

/** Opens the table with the Runs view's title button (shown while the pointer is over the view). */
async function openTable(vscode: VsCode): Promise<Frame> {
  const tree = await openRunsView(vscode);
  await tree.hover();
  await vscode.page.locator('.pane-header a.action-label[aria-label="Open Runs Table"]').click();
  return vscode.webviewFrame(TABLE, 60_000);
}

test('the Runs table sorts, filters with completion, remembers columns, compares and exports a selection', { timeout: 420_000 }, async () => {
  const vsix = labbookVsix();
  const workspace = copyExamples();
  const store = Store.open(path.join(workspace.dir, '.labbook'));
  const ids = seedTableRuns(store);
  // What the host orders by loss, best (lowest) first.
  const byLoss = new RunsTableFeed()
    .orderedIds(store, { ...DEFAULT_RUNS_TABLE_QUERY, sort: [{ columnId: 'metric:last:loss', descending: false }] })
    .map((id) => ids.indexOf(id));
  store.close();
  await inVsCode(
    { testName: 'runs-table', workspace: workspace.dir, extensionVsix: vsix, viewport: { width: 1600, height: 1000 } },
    workspace,
    async (vscode) => {
      const { page } = vscode;
      let frame = await openTable(vscode);
      await expectRows(frame, ids, [6, 5, 4, 3, 2, 1, 0], 'every run, newest first');
      assert.equal(await frame.locator('.run-count').textContent(), '7 of 7 runs');
      const names = await frame.locator('.grid .row .cell:nth-child(3)').allTextContents();
      assert.ok(names.includes(HOSTILE_NAME) && names.includes(FORMULA_NAME), 'hostile names shown as text');
      assert.equal(await frame.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
      await parkMouse(vscode);
      await vscode.screenshot('runs-table');

      // Sort by lr: '0.001' < '0.01' < … < '10', numbers, not text.
      await frame.locator('.grid-header .header-cell', { hasText: /^lr/ }).click();
      await expectRows(frame, ids, [3, 1, 6, 4, 0, 5, 2], 'sorted by lr ascending');
      // A plain click on epochs sorts by it alone (ties keep newest first); Shift+click on lr breaks its ties.
      await frame.locator('.grid-header .header-cell', { hasText: /^epochs/ }).click();
      await expectRows(frame, ids, [4, 1, 2, 0, 3, 6, 5], 'sorted by epochs, the run without epochs last');
      await frame.locator('.grid-header .header-cell', { hasText: /^lr/ }).click({ modifiers: ['Shift'] });
      await expectRows(frame, ids, [4, 1, 0, 2, 3, 6, 5], 'sorted by epochs, then lr');
      await parkMouse(vscode);
      await vscode.screenshot('sorted-by-two-columns');
      // The metrics come right after status and name; loss is better low, so its first click sorts lowest first.
      assert.deepEqual((await headerLabels(frame)).slice(0, 4), ['Status', 'Name', 'loss', 'acc']);
      await frame.locator('.grid-header .header-cell', { hasText: /^loss/ }).click();
      await expectRows(frame, ids, byLoss, 'sorted by loss, lowest first');
      await waitUntil(
        async () =>
          (await frame.locator('.grid-header .header-cell', { hasText: /^loss/ }).getAttribute('aria-sort')) === 'ascending' ? true : undefined,
        { timeoutMs: 10_000, what: 'loss sorted ascending' },
      );
      await vscode.screenshot('sorted-by-loss');
      await frame.locator('.grid-header .header-cell', { hasText: /^epochs/ }).click();
      await frame.locator('.grid-header .header-cell', { hasText: /^lr/ }).click({ modifiers: ['Shift'] });
      await expectRows(frame, ids, [4, 1, 0, 2, 3, 6, 5], 'sorted by epochs, then lr, again');

      // Filter, completing the key: "metrics.a" offers acc.
      const filter = frame.locator('.filter-input');
      await filter.click();
      await filter.pressSequentially('metrics.a');
      const option = frame.locator('.completions .completion', { hasText: 'acc' }).first();
      await option.waitFor({ timeout: 10_000 });
      await parkMouse(vscode);
      await vscode.screenshot('filter-completion');
      await page.keyboard.press('Tab');
      await waitUntil(async () => ((await filter.inputValue()).startsWith('metrics.acc') ? true : undefined), {
        timeoutMs: 10_000,
        what: 'the key completed',
      });
      await filter.fill('metrics.acc > 0.7');
      await page.keyboard.press('Enter');
      await expectRows(frame, ids, [1, 0, 3], 'runs with acc above 0.7, by epochs');
      // Quick filter: starred only.
      await frame.locator('.chip-starred').click();
      await expectRows(frame, ids, [0, 3], 'starred runs with acc above 0.7');
      await frame.locator('.chip-starred').click();
      await expectRows(frame, ids, [1, 0, 3], 'quick filter off again');

      // Column chooser: add acc (min).
      await frame.locator('.columns-button').click();
      const chooser = frame.locator('.column-chooser');
      await chooser.waitFor({ state: 'visible', timeout: 10_000 });
      await chooser.locator('.column-search').fill('acc');
      await chooser.locator('.column-option[title="acc (min)"]').click();
      await parkMouse(vscode);
      await vscode.screenshot('column-chooser');
      await chooser.locator('.column-apply').click();
      await waitUntil(async () => ((await headerLabels(frame)).includes('acc (min)') ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the acc (min) column',
      });

      // A window reload brings the table back with its columns, filter and sort.
      await vscode.reloadWindow();
      frame = await vscode.webviewFrame(TABLE, 60_000).catch(async () => openTable(vscode));
      await expectRows(frame, ids, [1, 0, 3], 'the filtered, sorted runs after the reload');
      assert.ok((await headerLabels(frame)).includes('acc (min)'), 'the chosen column is remembered');
      assert.equal(await frame.locator('.filter-input').inputValue(), 'metrics.acc > 0.7');

      // Select all three and export them: VS Code's save dialog, accepted as offered.
      const rows = frame.locator('.grid .row');
      await rows.nth(0).click();
      await rows.nth(1).click({ modifiers: ['Control'] });
      await rows.nth(2).click({ modifiers: ['Control'] });
      await waitUntil(async () => ((await frame.locator('.selected-count').textContent()) === '3 selected' ? true : undefined), {
        timeoutMs: 10_000,
        what: 'three runs selected',
      });
      await parkMouse(vscode);
      await vscode.screenshot('three-selected');
      await frame.locator('.export-button').click();
      const dialog = page.locator('.quick-input-widget');
      await dialog.waitFor({ state: 'visible', timeout: 30_000 });
      await page.keyboard.press('Enter');
      // Offered in the store folder, whose own .gitignore keeps it out of git.
      const csvPath = path.join(workspace.dir, '.labbook', 'exports', 'labbook-runs.csv');
      assert.equal(
        readFileSync(path.join(workspace.dir, '.labbook', '.gitignore'), 'utf8')
          .split('\n')
          .includes('*'),
        true,
      );
      await waitUntil(() => (existsSync(csvPath) && readFileSync(csvPath, 'utf8').endsWith('\n') ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the CSV written',
      });
      const lines = readFileSync(csvPath, 'utf8').trimEnd().split('\n');
      assert.match(lines[0], /^run_id,status,name,.*metric\.acc\.min/);
      assert.deepEqual(
        lines
          .slice(1)
          .map((line) => line.split(',')[0])
          .sort(),
        [ids[0], ids[1], ids[3]].sort(),
      );

      // A row's context menu: Open Run opens its Run panel.
      await rows.nth(0).click({ button: 'right' });
      await page.locator('.context-view .monaco-menu').waitFor({ timeout: 10_000 });
      await vscode.screenshot('row-context-menu');
      await chooseMenuItem(vscode, 'Open Run');
      await page.locator('.tab', { hasText: 'lr-small' }).waitFor({ timeout: 60_000 });
      await page.locator('.tab', { hasText: /^Runs/ }).click();
      frame = await vscode.webviewFrame(TABLE, 60_000);

      // Compare the selection.
      await frame.locator('.compare-button').click();
      const compare = await vscode.webviewFrame('main[aria-busy="false"] h1.compare-title', 60_000);
      assert.equal(await compare.locator('h1.compare-title').textContent(), 'Compare 3 runs');
      await parkMouse(vscode);
      await vscode.screenshot('compare-from-table');
    },
  );
});
