// The Trash node of the Runs view in light, dark and high contrast themes at two window sizes; in one of them,
// Delete Permanently… asks with Cancel first, so Enter keeps the run.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/trash.e2e.ts

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Store } from '../../src/store/store';
import { listTrash, trashRuns } from '../../src/store/trash';
import { copyExamples, labbookVsix, recordRun } from './fixtures';
import type { VsCode } from './harness';
import { inVsCode, openRunsView, parkMouse, readStore } from './labbookUi';
import { waitUntil } from './waitUntil';

const THEMES = [
  ['light', 'Default Light Modern'],
  ['dark', 'Default Dark Modern'],
  ['hc', 'Default High Contrast'],
] as const;
const SIZES = [
  { width: 1400, height: 900 },
  { width: 1024, height: 768 },
];

/** Records runs and moves two of them to the Trash, as `labbook rm` would. */
function seedTrash(workspace: string): void {
  for (const name of ['kept', 'old-baseline', 'typo-run']) recordRun(workspace, name);
  const store = Store.open(path.join(workspace, '.labbook'));
  try {
    trashRuns(
      store,
      store.listRuns({ filter: "attributes.run_name != 'kept'" }).map((run) => run.id),
    );
  } finally {
    store.close();
  }
}

/** Delete Permanently… on a trashed run: the quick pick's focused item is Cancel, and Enter deletes nothing. */
async function enterCancelsPermanentDelete(vscode: VsCode): Promise<void> {
  await vscode.runCommand('Labbook: Delete Permanently…', { waitForClose: false });
  // The picker takes several runs: a click checks a row (the input stays open, so pickQuickItem's wait for it to
  // move on does not apply), and Enter accepts the checked one.
  const row = vscode.page.locator('.quick-input-widget .monaco-list-row', { has: vscode.page.locator('.label-name', { hasText: /^typo-run$/ }) });
  await row.click({ timeout: 30_000 });
  await waitUntil(async () => ((await row.getAttribute('aria-checked')) === 'true' ? true : undefined), {
    timeoutMs: 30_000,
    what: 'typo-run checked',
  });
  await vscode.page.keyboard.press('Enter');
  const focused = vscode.page.locator('.quick-input-widget .monaco-list-row.focused .label-name');
  await focused.filter({ hasText: /^Cancel$/ }).waitFor({ timeout: 30_000 });
  await vscode.screenshot('delete-permanently-cancel-focused');
  await vscode.page.keyboard.press('Enter');
  await vscode.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 30_000 });
  assert.deepEqual(
    readStore(vscode.workspace, (store) =>
      listTrash(store)
        .map((run) => run.name)
        .sort(),
    ),
    ['old-baseline', 'typo-run'],
  );
}

for (const [themeName, theme] of THEMES) {
  for (const size of SIZES) {
    const label = `${themeName}-${size.width}x${size.height}`;
    test(`the Trash node in ${label}`, { timeout: 240_000 }, async () => {
      const vsix = labbookVsix();
      const workspace = copyExamples();
      seedTrash(workspace.dir);
      await inVsCode(
        {
          testName: `trash-${label}`,
          workspace: workspace.dir,
          extensionVsix: vsix,
          viewport: size,
          settings: { 'workbench.colorTheme': theme },
        },
        workspace,
        async (vscode) => {
          const tree = await openRunsView(vscode);
          const trash = tree.locator('.monaco-list-row', { hasText: 'Trash (2)' });
          await trash.waitFor({ timeout: 60_000 });
          assert.equal(await trash.getAttribute('aria-expanded'), 'false', 'the Trash starts collapsed');
          await parkMouse(vscode);
          await vscode.screenshot(`trash-collapsed-${label}`);
          await trash.click();
          const trashed = tree.locator('.monaco-list-row', { hasText: /typo-run.*deleted/ });
          await trashed.waitFor({ timeout: 30_000 });
          await trashed.hover();
          await trashed.locator('.action-label[aria-label="Restore Run"]').waitFor({ timeout: 10_000 });
          await vscode.screenshot(`trash-expanded-${label}`);
          if (label === 'dark-1400x900') await enterCancelsPermanentDelete(vscode);
        },
      );
    });
  }
}
