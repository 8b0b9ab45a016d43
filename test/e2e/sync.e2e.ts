// Sync in the editor (issue 16): a remote (`labbook serve` on another store, in this process, taking a token) with
// runs pulled from it, a run never pulled and a local run. The remote is added with Add Remote, its token kept in
// SecretStorage; the Remotes view shows the remote's experiments with each run's state, "remote only" included; Pull
// on that run brings it with the SecretStorage token; opening a pulled run whose large history was left on the remote
// fetches it; Push Workspace shows its progress; and with labbook.sync.pushOnRunEnd on, a run launched from the
// window is pushed when it ends.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/sync.e2e.ts

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startTrackingServer } from '../../src/server/trackingServer';
import { Store } from '../../src/store/store';
import { MlflowClient } from '../../src/sync/client';
import { Ledger } from '../../src/sync/ledger';
import { pull } from '../../src/sync/pull';
import { copyExamples, labbookVsix, recordRun } from './fixtures';
import type { Locator } from 'playwright-core';
import { DEBIAN_PYTHON, inVsCode, openRunFromPalette, openRunsView, parkMouse, readStore, runPanelFrame } from './labbookUi';
import { waitUntil } from './waitUntil';

/** A run with `points` points of `loss`, finished. */
function recordBigRun(store: Store, name: string, points: number): void {
  const run = store.createRun({ experimentName: 'sync-demo', name });
  for (let from = 0; from < points; from += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, points - from) }, (_, i) => ({
      key: 'loss',
      value: 1 / (from + i + 1),
      step: from + i,
      timestamp: 1_700_000_000_000 + from + i,
    }));
    store.logMetrics(run.id, batch);
  }
  store.finishRun(run.id, 'FINISHED', { endTime: Date.now(), exitCode: 0 });
}

const TOKEN = 'team-secret';

/** Clicks a row's inline action (the row is hovered first, as the action shows on hover). */
async function inlineAction(row: Locator, action: string): Promise<void> {
  await row.hover();
  await row.locator(`.action-label[aria-label="${action}"]`).click();
}

test('remote runs in the tree with their sync state, pull and push from the editor, push on run end', { timeout: 480_000 }, async () => {
  const teamDir = mkdtempSync(path.join(os.tmpdir(), 'labbook-e2e-team-'));
  const team = Store.open(path.join(teamDir, '.labbook'));
  recordBigRun(team, 'teammate-run', 100);
  recordBigRun(team, 'long-history', 20_000);
  recordBigRun(team, 'never-pulled', 50);
  const server = await startTrackingServer({ store: team, port: 0, token: TOKEN, log: () => {} });
  const workspace = copyExamples();
  const idOf = (name: string): string => team.listRuns({ filter: `attributes.run_name = '${name}'` })[0].id;
  try {
    recordRun(workspace.dir, 'my-run');
    const local = Store.open(path.join(workspace.dir, '.labbook'));
    try {
      recordBigRun(local, 'big-local-run', 300_000); // long enough to see the push's progress
      const client = new MlflowClient(server.url, { token: TOKEN });
      const runIds = [idOf('teammate-run'), idOf('long-history')];
      const pulled = await pull(local, client, new Ledger(local.dir, server.url), { runIds, lazyAbove: 10_000 });
      assert.equal(pulled.deferred, 1, "long-history's 20,000 points stay on the remote");
    } finally {
      local.close();
    }
    const options = {
      testName: 'sync',
      workspace: workspace.dir,
      extensionVsix: labbookVsix(),
      viewport: { width: 1400, height: 900 },
      settings: { 'labbook.python.path': DEBIAN_PYTHON, 'labbook.sync.pushOnRunEnd': true },
    };
    await inVsCode(options, workspace, async (vscode) => {
      await openRunsView(vscode);
      // Add Remote, the token kept in SecretStorage: labbook.yaml names only the variable, which nobody sets here.
      await vscode.runCommand('Labbook: Add Remote…', { waitForClose: false });
      await vscode.answerQuickInput('Name of the remote', 'team');
      await vscode.answerQuickInput('URL of the MLflow tracking server', server.url);
      await vscode.pickQuickItem('Store the token in VS Code');
      await vscode.answerQuickInput('Name of the environment variable', 'TEAM_TOKEN');
      await vscode.answerQuickInput(`Token for ${server.url}`, TOKEN);
      await vscode.page.locator('.notifications-toasts', { hasText: /Remote 'team' is/ }).waitFor({ timeout: 60_000 });
      assert.doesNotMatch(readFileSync(path.join(workspace.dir, 'labbook.yaml'), 'utf8'), new RegExp(TOKEN));

      // Room for the Remotes tree: the side bar's other sections are folded (a virtualized tree draws only what shows).
      for (const section of ['Runs', 'Models', 'Queue', 'Metrics', 'Monitoring']) {
        const header = vscode.page.locator(`.pane-header[aria-label="${section} Section"]`);
        // On the title: the header's middle may be one of its actions (the Runs view's Filter).
        if ((await header.getAttribute('aria-expanded')) === 'true') await header.locator('.title').click();
      }
      await vscode.page.locator('.pane-header', { hasText: 'Remotes' }).click();
      const remotes = await vscode.treeView('Remotes', 60_000);
      const row = (name: string) => remotes.locator('.monaco-list-row', { hasText: name });
      const state = (name: string, words: RegExp) => row(name).locator('.label-description', { hasText: words }).waitFor({ timeout: 60_000 });
      await state('teammate-run', /^pulled/);
      // Listed from the remote (read with the SecretStorage token): never pulled, so only there.
      await state('never-pulled', /^remote only/);
      await state('my-run', /^local only/);
      await row('sync-demo').first().waitFor({ timeout: 30_000 });
      await parkMouse(vscode);
      await vscode.screenshot('sync-states-remote-only');

      await inlineAction(row('never-pulled'), 'Pull Run');
      await vscode.page.locator('.notifications-toasts', { hasText: /Pulled 1 run from team \(1 new\)/ }).waitFor({ timeout: 120_000 });
      await state('never-pulled', /^pulled/);
      await parkMouse(vscode);
      await vscode.screenshot('sync-pulled-remote-only');
      // A click on a run that is here previews it.
      await row('teammate-run').click();
      await runPanelFrame(vscode, 'teammate-run');

      // Opening the run whose history was left on the remote fetches it (with the SecretStorage token).
      await openRunFromPalette(vscode, 'long-history');
      await waitUntil(() => (readStore(workspace.dir, (s) => s.history(idOf('long-history'), 'loss').length) === 20_000 ? true : undefined), {
        timeoutMs: 60_000,
        what: "long-history's whole history fetched on open",
      });
      await runPanelFrame(vscode, 'long-history');
      await vscode.screenshot('sync-lazy-history-opened');

      await vscode.runCommand('Labbook: Push Workspace');
      await vscode.page.locator('.notifications-toasts', { hasText: /Pushing to team/ }).waitFor({ timeout: 60_000 });
      await vscode.page.locator('.statusbar', { hasText: /Push team: / }).waitFor({ timeout: 60_000 });
      await vscode.screenshot('sync-push-progress');
      await vscode.page.locator('.notifications-toasts', { hasText: /Pushed 2 runs to team \(2 created/ }).waitFor({ timeout: 120_000 });
      await state('my-run', /^pushed/);
      await state('big-local-run', /^pushed/);
      await parkMouse(vscode);
      await vscode.screenshot('sync-pushed');

      // labbook.sync.pushOnRunEnd is on: a run launched here is pushed when it ends.
      const before = team.listRuns({}).length;
      await vscode.openFile('iris/train.py');
      await vscode.runCommand('Labbook: Run and Track Current File');
      await waitUntil(() => (team.listRuns({}).length === before + 1 ? true : undefined), {
        timeoutMs: 180_000,
        what: 'the run launched from the window pushed when it ended',
      });
      await vscode.page.locator('.notifications-toasts', { hasText: /Pushed 1 run to team \(1 created/ }).waitFor({ timeout: 60_000 });
      await vscode.screenshot('sync-pushed-on-run-end');
      assert.equal(team.getRunDetail(team.listRuns({ limit: 1 })[0].id).tags['labbook.source_file']?.endsWith('train.py'), true);
    });
    assert.equal(team.listRuns({ filter: "attributes.run_name = 'big-local-run'" }).length, 1);
  } finally {
    await server.close();
    team.close();
    rmSync(teamDir, { recursive: true, force: true });
  }
});
