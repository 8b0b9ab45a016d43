// The Models view (issue 14): registered models and versions with stage, aliases and the source run's metric;
// promote from the context menu (archiving the old Production version), set an alias, the empty state; in light,
// dark and high contrast themes.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/models.e2e.ts

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { auditTrail } from '../../src/store/modelAudit';
import { ModelRegistry } from '../../src/store/registry';
import { Store } from '../../src/store/store';
import { copyExamples, labbookVsix, recordRun } from './fixtures';
import type { VsCode } from './harness';
import { chooseMenuItem, inVsCode, openRunsView, parkMouse, readStore, runPanelFrame } from './labbookUi';
import type { Locator } from 'playwright-core';

const THEMES = [
  ['dark', 'Default Dark Modern'],
  ['light', 'Default Light Modern'],
  ['hc', 'Default High Contrast'],
] as const;

/** Two runs, and model churn: version 1 (baseline) in Production, version 2 (candidate) with alias challenger. */
function seedModels(workspace: string): void {
  for (const name of ['baseline', 'candidate']) recordRun(workspace, name);
  const store = Store.open(path.join(workspace, '.labbook'));
  try {
    const registry = new ModelRegistry(store);
    registry.createModel('churn');
    for (const name of ['baseline', 'candidate']) {
      const run = store.listRuns({ filter: `attributes.run_name = '${name}'` })[0];
      registry.createVersion('churn', { source: `runs:/${run.id}/model`, runId: run.id });
    }
    registry.transitionStage('churn', 1, 'Production');
    registry.setAlias('churn', 'challenger', 2);
  } finally {
    store.close();
  }
}

function versionRow(tree: Locator, version: number): Locator {
  return tree.locator('.monaco-list-row', { has: tree.page().locator('.label-name', { hasText: new RegExp(`^Version ${version}$`) }) });
}

const description = (row: Locator): Promise<string> => row.locator('.label-description').innerText();

/** Register Model… on a run of the Runs view that wrote one model file: it becomes churn's next version. */
async function registerFromRun(vscode: VsCode): Promise<void> {
  const runs = await vscode.treeView('Runs', 30_000); // the container is open: clicking its icon again would close it
  await runs.locator('.monaco-list-row', { hasText: 'retrained' }).click({ button: 'right' });
  await chooseMenuItem(vscode, 'Register Model…');
  await vscode.pickQuickItem('churn');
  const models = await vscode.treeView('Models', 30_000);
  await versionRow(models, 3).waitFor({ timeout: 30_000 });
  const registered = readStore(vscode.workspace, (store) => new ModelRegistry(store).getVersion('churn', 3));
  assert.match(registered.source, /^runs:\/[0-9a-f]+\/models\/churn\.pkl$/);
  const history = readStore(vscode.workspace, (store) => auditTrail(store, 'churn', 3));
  assert.deepEqual(
    history.map((entry) => [entry.action, entry.source]),
    [['register', 'extension']],
  );
}

/** Edit Model Card… stores the intended use and notes, and the card opens in the Markdown preview with its history. */
async function editCard(vscode: VsCode, tree: Locator): Promise<void> {
  await versionRow(tree, 2).click({ button: 'right' });
  await chooseMenuItem(vscode, 'Edit Model Card…');
  await vscode.answerQuickInput('intended use', 'Weekly churn risk scores for the retention team');
  await vscode.answerQuickInput('notes', 'Not for customers outside the EU');
  const card = await vscode.webviewFrame('h1:has-text("Model card: churn v2")', 60_000);
  await card.getByText('Weekly churn risk scores for the retention team').waitFor({ timeout: 30_000 });
  await card.locator('h2:has-text("Stage history")').waitFor({ timeout: 30_000 });
  assert.match(await card.locator('body').innerText(), /None → Production by .* \(extension\)/);
  const tags = readStore(vscode.workspace, (store) => new ModelRegistry(store).getVersion('churn', 2).tags);
  assert.equal(tags['labbook.card.notes'], 'Not for customers outside the EU');
}

async function promoteAndAlias(vscode: VsCode, tree: Locator): Promise<void> {
  await versionRow(tree, 2).click({ button: 'right' });
  await chooseMenuItem(vscode, 'Promote to Production');
  await vscode.pickQuickItem('Archive version 1');
  await vscode.page.locator('.label-description', { hasText: /^Production · @challenger/ }).waitFor({ timeout: 30_000 });
  assert.match(await description(versionRow(tree, 1)), /^Archived · /);
  await versionRow(tree, 2).click({ button: 'right' });
  await chooseMenuItem(vscode, 'Set Model Alias…');
  await vscode.answerQuickInput('Set Alias on churn version 2', 'champion');
  await vscode.page.locator('.label-description', { hasText: /@challenger @champion|@champion @challenger/ }).waitFor({ timeout: 30_000 });
  const stored = readStore(vscode.workspace, (store) => {
    const registry = new ModelRegistry(store);
    return {
      stages: registry.listVersions('churn').map((v) => [v.version, v.stage]),
      champion: registry.versionByAlias('churn', 'champion').version,
    };
  });
  assert.deepEqual(stored, {
    stages: [
      [3, 'None'],
      [2, 'Production'],
      [1, 'Archived'],
    ],
    champion: 2,
  });
}

for (const [label, theme] of THEMES) {
  test(`the Models view in ${label}`, { timeout: 240_000 }, async () => {
    const workspace = copyExamples();
    seedModels(workspace.dir);
    if (label === 'dark') recordRun(workspace.dir, 'retrained', 'models/churn.pkl');
    const options = {
      testName: `models-${label}`,
      workspace: workspace.dir,
      extensionVsix: labbookVsix(),
      settings: { 'workbench.colorTheme': theme },
    };
    await inVsCode({ ...options, viewport: { width: 1400, height: 900 } }, workspace, async (vscode) => {
      await openRunsView(vscode);
      const tree = await vscode.treeView('Models', 60_000);
      await tree.locator('.monaco-list-row', { hasText: 'churn' }).waitFor({ timeout: 60_000 });
      assert.match(await description(versionRow(tree, 1)), /^Production · loss 0\.25 · /);
      assert.match(await description(versionRow(tree, 2)), /^@challenger · loss 0\.25 · /);
      await parkMouse(vscode);
      await vscode.screenshot(`models-${label}`);
      if (label !== 'dark') return;
      await registerFromRun(vscode);
      await promoteAndAlias(vscode, tree);
      await parkMouse(vscode);
      await vscode.screenshot('models-promoted-dark');
      await editCard(vscode, tree);
      await parkMouse(vscode);
      await vscode.screenshot('model-card-dark');
      // A click on a version opens the run it came from.
      await versionRow(tree, 3).click();
      await runPanelFrame(vscode, 'retrained');
    });
  });
}

test('the Models view with no registered model says how to register one', { timeout: 240_000 }, async () => {
  const workspace = copyExamples();
  recordRun(workspace.dir, 'lonely');
  await inVsCode({ testName: 'models-empty', workspace: workspace.dir, extensionVsix: labbookVsix() }, workspace, async (vscode) => {
    await openRunsView(vscode);
    await vscode.page.getByText('No registered models yet.').waitFor({ timeout: 60_000 });
    await vscode.page.getByRole('button', { name: 'Register Model…' }).waitFor({ timeout: 10_000 });
    await parkMouse(vscode);
    await vscode.screenshot('models-empty');
  });
});
