import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyExamples, labbookVsix, recordRun } from './fixtures';
import { activationFailure, extensionHostLog } from './harness';
import { inVsCode, openRunsView } from './labbookUi';

const EXTENSION_ID = 'labbook.labbook';
const RUN_NAME = 'smoke-run';

test(
  'the packed extension installs into a real VS Code, activates and lists a recorded run in the Labbook container',
  { timeout: 300_000 },
  async (t) => {
    const vsix = labbookVsix();
    const workspace = copyExamples();
    // A run recorded before VS Code starts: listing it proves the .vsix's better-sqlite3 loads in the extension host.
    recordRun(workspace.dir, RUN_NAME);
    const started = Date.now();
    await inVsCode({ testName: 'smoke', workspace: workspace.dir, extensionVsix: vsix }, workspace, async (vscode) => {
      const workbenchMs = Date.now() - started;
      const { page } = vscode;

      const container = page.locator('.activitybar a.action-label[aria-label^="Labbook"]');
      await container.waitFor({ state: 'visible', timeout: 30_000 });
      await vscode.screenshot('workbench');
      await container.click();
      const sidebar = page.locator('[id="workbench.view.extension.labbook"]');
      await sidebar.waitFor({ state: 'visible', timeout: 30_000 });
      await vscode.waitForActivation(EXTENSION_ID, 30_000);
      const runs = await vscode.treeView('Runs', 30_000);
      await runs.locator('.monaco-list-row', { hasText: RUN_NAME }).first().waitFor({ timeout: 30_000 });
      const activatedMs = Date.now() - started;
      assert.ok(!extensionHostLog(vscode.userDataDir).includes(activationFailure(EXTENSION_ID)), vscode.diagnostics());
      assert.match(await page.locator('.part.sidebar .composite.title').innerText(), /LABBOOK/i);
      await vscode.moveMouseAway();
      await vscode.screenshot('labbook-container');

      // Labbook: Doctor names the driver this VS Code's extension host loaded: node:sqlite on Node 22.13+ and 24.
      await vscode.runCommand('Labbook: Doctor: Check Runtime, Store and Python');
      const report = page.locator('.editor-instance .view-lines');
      const driver = process.env.LABBOOK_CODE_SERVER === '4.139.1' ? 'node:sqlite' : 'better-sqlite3';
      await report.filter({ hasText: `SQLite driver` }).waitFor({ timeout: 60_000 });
      const text = (await report.innerText()).replace(/\u00a0/g, ' ');
      assert.match(text, new RegExp(`SQLite driver +${driver}`), text);
      assert.match(text, /schema +\d+ \(this Labbook: \d+\)/, text);
      await vscode.screenshot('doctor');
      t.diagnostic(`workbench ready ${workbenchMs} ms, ${EXTENSION_ID} activated ${activatedMs} ms after start`);
    });
  },
);

// CI keeps only the test output: a failing test's message must say what VS Code showed and logged.
test('a failing test says which notifications VS Code showed and how its logs end', { timeout: 180_000 }, async () => {
  const workspace = copyExamples();
  recordRun(workspace.dir, RUN_NAME);
  const failure = await inVsCode({ testName: 'failure-notes', workspace: workspace.dir, extensionVsix: labbookVsix() }, workspace, async (vscode) => {
    // The palette lists the extension's commands once the workbench has read its manifest: wait for the Runs view.
    await openRunsView(vscode);
    await vscode.runCommand('Labbook: Empty Trash…', { waitForClose: false });
    await vscode.page.locator('.notification-toast', { hasText: 'The Trash is already empty.' }).waitFor({ timeout: 60_000 });
    throw new Error('the step that failed');
  }).then(
    () => assert.fail('the body threw, so inVsCode must reject'),
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  assert.match(failure, /^the step that failed\nnotifications on screen: [^\n]*The Trash is already empty\./);
  assert.match(failure, /\nextension host log, last lines:\n[^\n]*\S/);
  assert.match(failure, /\nLabbook output, last lines:\n/);
});
