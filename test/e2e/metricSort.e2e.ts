// Sort Runs… by a metric in a real VS Code: a loss sorts lowest first without a question; a metric whose name does
// not tell asks once which way is better, and the answer is remembered for the next sort.
// Run: node --import tsx --test test/e2e/metricSort.e2e.ts (LABBOOK_VSIX=… to reuse a packed .vsix).

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Locator } from './node_modules/playwright-core';
import { Store } from '../../src/store/store';
import { seedTableRuns } from '../fixtures/runsTable/runs';
import { copyExamples, labbookVsix } from './fixtures';
import type { VsCode } from './harness';
import { inVsCode, openRunsView, parkMouse } from './labbookUi';
import { waitUntil } from './waitUntil';

/** Waits until the experiment "default" lists its runs in this order. */
async function expectDefaultOrder(tree: Locator, names: readonly string[], what: string): Promise<void> {
  await waitUntil(
    async () => {
      const labels = await tree.locator('.monaco-list-row .label-name').allTextContents();
      const shown = labels.filter((label) => names.includes(label));
      return JSON.stringify(shown) === JSON.stringify(names) ? true : undefined;
    },
    { timeoutMs: 30_000, what },
  );
}

/** Answers the quick pick titled `title` by filtering for `text` and pressing Enter, then waits for it to move on. */
async function answer(vscode: VsCode, title: string, text: string): Promise<void> {
  const widget = vscode.page.locator('.quick-input-widget');
  const titled = async () =>
    (await widget.isVisible()) && (await widget.locator('.quick-input-title').allTextContents()).join(' ').includes(title) ? true : undefined;
  await waitUntil(titled, { timeoutMs: 30_000, what: `the quick pick "${title}"` });
  await widget.locator('.quick-input-box input').fill(text);
  await widget.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 10_000 });
  await vscode.page.keyboard.press('Enter');
  await waitUntil(async () => ((await titled()) ? undefined : true), { timeoutMs: 30_000, what: `the quick pick "${title}" to take "${text}"` });
}

async function sortByMetric(vscode: VsCode, key: string): Promise<void> {
  await vscode.runCommand('Labbook: Sort Runs…', { waitForClose: false });
  await answer(vscode, 'Sort Runs (now:', 'best first');
  await answer(vscode, 'Sort Runs by Metric, Best First', key);
}

test('Sort Runs by a metric puts the best first, asking once for a metric whose name does not tell', { timeout: 300_000 }, async () => {
  const vsix = labbookVsix();
  const workspace = copyExamples();
  const store = Store.open(path.join(workspace.dir, '.labbook'));
  const ids = seedTableRuns(store);
  // throughput: nothing in the name says which way is better. baseline 5, lr-small 9.
  store.logMetrics(ids[0], [{ key: 'throughput', value: 5, step: 0, timestamp: 1 }]);
  store.logMetrics(ids[1], [{ key: 'throughput', value: 9, step: 0, timestamp: 1 }]);
  store.close();
  await inVsCode(
    { testName: 'metric-sort', workspace: workspace.dir, extensionVsix: vsix, viewport: { width: 1400, height: 900 } },
    workspace,
    async (vscode) => {
      const tree = await openRunsView(vscode);
      await expectDefaultOrder(tree, ['diverged', 'lr-small', 'baseline'], 'newest first');
      await sortByMetric(vscode, 'loss');
      await expectDefaultOrder(tree, ['baseline', 'lr-small', 'diverged'], 'loss lowest first (diverged ended at Infinity)');
      await parkMouse(vscode);
      await vscode.screenshot('sorted-by-loss');

      await sortByMetric(vscode, 'throughput');
      await answer(vscode, 'Which throughput is better?', 'Higher');
      await expectDefaultOrder(tree, ['lr-small', 'baseline'], 'throughput highest first');
      await sortByMetric(vscode, 'loss');
      await expectDefaultOrder(tree, ['baseline', 'lr-small'], 'back to loss');
      // Remembered: no question the second time.
      await sortByMetric(vscode, 'throughput');
      await expectDefaultOrder(tree, ['lr-small', 'baseline'], 'throughput highest first, not asked again');
      assert.equal(await vscode.page.locator('.quick-input-widget', { hasText: 'Which throughput is better?' }).isVisible(), false);
      await parkMouse(vscode);
      await vscode.screenshot('sorted-by-throughput');
    },
  );
});
