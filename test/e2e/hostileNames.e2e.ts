// A run whose name, params and tags are HTML meant to run script shows them as plain text in the Runs tree, its
// tooltip, the filter message and the Run panel, and no script runs anywhere (no dialog, no <img> from the name).
// The panel's artifact buttons work through the Runs view's artifact commands.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { copyExamples, labbookVsix } from './fixtures';
import { inVsCode, openRunsView, parkMouse, runPanelFrame, runRow } from './labbookUi';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const NAME = '<img src=x onerror=alert(1)>';
// The CLI splits --param at the first '=', so the key is hostile markup without one.
const PARAM_KEY = '<script>alert(2)</script><b>key</b>';
const PARAM_VALUE = '<script>alert(3)</script><img src=x onerror=alert(4)>';
const TAG_VALUE = '[x](command:workbench.action.quit) $(bug) **bold**';

function record(workspace: string, args: string[]): void {
  execFileSync(process.execPath, [CLI, 'run', ...args, '--', process.execPath, '-e', "console.log('loss: 0.5'); console.log('loss: 0.25')"], {
    cwd: workspace,
    stdio: 'pipe',
    timeout: 60_000,
  });
}

// Any <img> whose src is the hostile "x", in the workbench or in any frame (webviews included).
async function injectedImages(page: Page): Promise<number> {
  let count = 0;
  for (const frame of page.frames()) {
    if (!frame.isDetached())
      count += await frame
        .locator('img[src="x"]')
        .count()
        .catch(() => 0);
  }
  return count;
}

const HOVERS = '.workbench-hover-container .hover-contents, .monaco-hover .hover-contents';

// The row's tooltip, found by the run name as plain text: another workbench hover (CI once caught the activity bar's
// "Testing" one) is not it. A tooltip that rendered the name as markup has no such text, so this fails on it.
async function runTooltip(page: Page, row: Locator): Promise<Locator> {
  await row.locator('.label-name').hover();
  const hover = page.locator(HOVERS).filter({ hasText: NAME });
  try {
    await hover.waitFor({ timeout: 30_000 });
  } catch {
    const shown = await page.locator(HOVERS).allInnerTexts();
    assert.fail(`no tooltip shows the name as typed; the hovers shown: ${JSON.stringify(shown)}`);
  }
  return hover;
}

test(
  'hostile run names, params and tags show as plain text in the tree, tooltip, filter and Run panel, and run nothing',
  { timeout: 240_000 },
  async () => {
    const vsix = labbookVsix();
    const workspace = copyExamples();
    record(workspace.dir, ['--name', NAME, '--param', `${PARAM_KEY}=${PARAM_VALUE}`, '--tag', `note=${TAG_VALUE}`]);
    record(workspace.dir, ['--name', 'plain-run']);
    const dialogs: string[] = [];
    await inVsCode({ testName: 'hostile-names', workspace: workspace.dir, extensionVsix: vsix }, workspace, async (vscode) => {
      const { page } = vscode;
      // A dialog from any frame of the page means injected script ran: record it (the test fails below) and close it.
      page.on('dialog', (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.dismiss();
      });
      const tree = await openRunsView(vscode);
      const row = runRow(tree, NAME);
      await row.waitFor({ timeout: 60_000 });
      await runRow(tree, 'plain-run').waitFor({ timeout: 30_000 });
      assert.equal(await row.locator('.label-name').innerText(), NAME);
      await parkMouse(vscode);
      await vscode.screenshot('tree');

      const hover = await runTooltip(page, row);
      const tooltip = await hover.innerText();
      assert.ok(tooltip.includes(PARAM_KEY) && tooltip.includes(PARAM_VALUE), `the tooltip shows the param as typed:\n${tooltip}`);
      assert.equal(await hover.locator('img, script, a[href^="command:"]').count(), 0);
      await vscode.screenshot('tooltip');
      await parkMouse(vscode);

      // The filter command opens its own input box: launch it, then answer it.
      const filter = `attributes.run_name = '${NAME}'`;
      await vscode.runCommand('Labbook: Filter Runs…', { waitForClose: false });
      await vscode.answerQuickInput('Filter Runs', filter);
      await runRow(tree, 'plain-run').waitFor({ state: 'detached', timeout: 30_000 });
      assert.equal(
        await tree
          .locator('.monaco-list-row')
          .filter({ has: page.locator('.label-name', { hasText: NAME }) })
          .count(),
        1,
      );
      await parkMouse(vscode);
      await vscode.screenshot('filtered');

      await row.click();
      const frame = await runPanelFrame(vscode, NAME);
      assert.equal(await frame.locator('h1.run-name').innerText(), NAME);
      const body = await frame.locator('main').innerText();
      for (const text of [PARAM_KEY, PARAM_VALUE, TAG_VALUE]) assert.ok(body.includes(text), `the panel shows ${text} as typed`);
      assert.equal(await frame.locator('main img, main script').count(), 0, 'no element made from run data');
      assert.equal(await page.locator('.tabs-container .tab.active .label-name').innerText(), NAME);
      await parkMouse(vscode);
      await vscode.screenshot('run-panel');
      await frame.locator('table', { hasText: TAG_VALUE }).first().scrollIntoViewIfNeeded();
      await vscode.screenshot('run-panel-tags');

      // The panel's Open button goes through the labbook.openArtifact command: the stored console log opens read-only.
      await frame.locator('tr', { hasText: 'console.log' }).locator('vscode-button', { hasText: 'Open' }).click();
      const logTab = page.locator('.tabs-container .tab.active[data-resource-name="console.log"]');
      await logTab.waitFor({ timeout: 30_000 });
      await page.locator('.editor-instance .view-lines', { hasText: 'loss: 0.25' }).first().waitFor({ timeout: 30_000 });
      await parkMouse(vscode);
      await vscode.screenshot('artifact-opened-from-panel');

      assert.equal(await injectedImages(page), 0, 'no <img src=x> anywhere');
      assert.deepEqual(dialogs, [], 'no script from run data ran');
    });
  },
);
