// Sync in the editor (issue 16): a remote (`labbook serve` on another store, in this process) with a run pulled
// from it and a local run, shown with their sync states in the Remotes view and badged in the Runs tree; then
// Push Workspace from the palette with its progress, after which the local run is pushed.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/sync.e2e.ts

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startTrackingServer } from '../../src/server/trackingServer';
import { Store } from '../../src/store/store';
import { MlflowClient } from '../../src/sync/client';
import { Ledger } from '../../src/sync/ledger';
import { pull } from '../../src/sync/pull';
import { addRemote } from '../../src/sync/remotes';
import { copyExamples, labbookVsix, recordRun } from './fixtures';
import { inVsCode, openRunsView, parkMouse } from './labbookUi';

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

test('remote runs in the tree with their sync state, and a push with its progress', { timeout: 300_000 }, async () => {
  const teamDir = mkdtempSync(path.join(os.tmpdir(), 'labbook-e2e-team-'));
  const team = Store.open(path.join(teamDir, '.labbook'));
  recordBigRun(team, 'teammate-run', 100);
  const server = await startTrackingServer({ store: team, port: 0, log: () => {} });
  const workspace = copyExamples();
  try {
    recordRun(workspace.dir, 'my-run');
    addRemote(workspace.dir, 'team', server.url);
    const local = Store.open(path.join(workspace.dir, '.labbook'));
    try {
      recordBigRun(local, 'big-local-run', 300_000); // long enough to see the push's progress
      await pull(local, new MlflowClient(server.url), new Ledger(local.dir, server.url), {});
    } finally {
      local.close();
    }
    const options = { testName: 'sync', workspace: workspace.dir, extensionVsix: labbookVsix(), viewport: { width: 1400, height: 900 } };
    await inVsCode(options, workspace, async (vscode) => {
      await openRunsView(vscode);
      await vscode.page.locator('.pane-header', { hasText: 'Remotes' }).click();
      const remotes = await vscode.treeView('Remotes', 60_000);
      const row = (name: string) => remotes.locator('.monaco-list-row', { hasText: name });
      await row('teammate-run')
        .locator('.label-description', { hasText: /^pulled/ })
        .waitFor({ timeout: 60_000 });
      await row('my-run')
        .locator('.label-description', { hasText: /^local only/ })
        .waitFor({ timeout: 30_000 });
      await row('team').first().waitFor({ timeout: 30_000 });
      await parkMouse(vscode);
      await vscode.screenshot('sync-states');

      await vscode.runCommand('Labbook: Push Workspace');
      await vscode.page.locator('.notifications-toasts', { hasText: /Pushing to team/ }).waitFor({ timeout: 60_000 });
      await vscode.page.locator('.statusbar', { hasText: /Push team: / }).waitFor({ timeout: 60_000 });
      await vscode.screenshot('sync-push-progress');
      await vscode.page.locator('.notifications-toasts', { hasText: /Pushed 2 runs to team \(2 created/ }).waitFor({ timeout: 120_000 });
      await row('my-run')
        .locator('.label-description', { hasText: /^pushed/ })
        .waitFor({ timeout: 30_000 });
      await row('big-local-run')
        .locator('.label-description', { hasText: /^pushed/ })
        .waitFor({ timeout: 30_000 });
      await parkMouse(vscode);
      await vscode.screenshot('sync-pushed');
    });
    assert.equal(team.listRuns({ filter: "attributes.run_name = 'big-local-run'" }).length, 1);
  } finally {
    await server.close();
    team.close();
    rmSync(teamDir, { recursive: true, force: true });
  }
});
