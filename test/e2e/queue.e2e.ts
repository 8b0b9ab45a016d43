// The Queue view (issue 19): waiting, running and ended entries from the store's queue, with Move Up and Cancel
// acting on the store, and a click on a done entry opening its run; the empty state says how to queue a run.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/queue.e2e.ts

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { claimNext, endQueueEntry, enqueue, listQueue, setQueueRun } from '../../src/store/queue';
import { Store } from '../../src/store/store';
import { copyExamples, labbookVsix, recordRun } from './fixtures';
import { inVsCode, openRunsView, parkMouse, readStore, runPanelFrame } from './labbookUi';
import { waitUntil } from './waitUntil';
import type { Locator } from 'playwright-core';

/** One done entry (linked to a recorded run), one failed, one running (held by this test's process), three waiting. */
function seedQueue(workspace: string): void {
  recordRun(workspace, 'finished-run');
  const store = Store.open(path.join(workspace, '.labbook'));
  try {
    const runId = store.listRuns()[0].id;
    const me = { pid: process.pid, startTime: null };
    for (const name of ['lr-0.1', 'lr-0.01', 'lr-0.001', 'seed-1', 'seed-2', 'seed-3'])
      enqueue(store, { command: ['python3', 'train.py', `--${name.replace('-', '=')}`], cwd: workspace, name });
    const done = claimNext(store, me)!;
    setQueueRun(store, done.id, runId);
    endQueueEntry(store, done.id, 'done', null);
    const failed = claimNext(store, me)!;
    endQueueEntry(store, failed.id, 'failed', 'FAILED (exit 1)');
    claimNext(store, me);
  } finally {
    store.close();
  }
}

const row = (tree: Locator, name: string): Locator => tree.locator('.monaco-list-row', { hasText: name });

async function inlineAction(tree: Locator, name: string, action: string): Promise<void> {
  const target = row(tree, name);
  await target.hover();
  await target.locator(`.action-label[aria-label="${action}"]`).click();
}

const waitingNames = (workspace: string): (string | null)[] =>
  readStore(workspace, (store) =>
    listQueue(store)
      .filter((e) => e.state === 'waiting')
      .map((e) => e.name),
  );

test('the Queue view shows waiting, running and ended entries, and reorders and cancels them', { timeout: 240_000 }, async () => {
  const workspace = copyExamples();
  seedQueue(workspace.dir);
  const options = { testName: 'queue', workspace: workspace.dir, extensionVsix: labbookVsix(), viewport: { width: 1400, height: 900 } };
  await inVsCode(options, workspace, async (vscode) => {
    await openRunsView(vscode);
    const tree = await vscode.treeView('Queue', 60_000);
    await row(tree, 'seed-3').waitFor({ timeout: 60_000 });
    assert.match(await row(tree, 'lr-0.1').locator('.label-description').innerText(), /^done · /);
    assert.match(await row(tree, 'lr-0.01').locator('.label-description').innerText(), /^failed · FAILED \(exit 1\) · /);
    assert.match(await row(tree, 'lr-0.001').locator('.label-description').innerText(), /^running · /);
    await parkMouse(vscode);
    await vscode.screenshot('queue');
    await inlineAction(tree, 'seed-3', 'Move Up');
    await waitUntil(() => (waitingNames(workspace.dir).join() === 'seed-1,seed-3,seed-2' ? true : undefined), {
      timeoutMs: 30_000,
      what: 'seed-3 to move above seed-2 in the store',
    });
    await inlineAction(tree, 'seed-1', 'Cancel Queued Run');
    await row(tree, 'seed-1')
      .locator('.label-description', { hasText: /^cancelled/ })
      .waitFor({ timeout: 30_000 });
    assert.deepEqual(waitingNames(workspace.dir), ['seed-3', 'seed-2']);
    await parkMouse(vscode);
    await vscode.screenshot('queue-edited');
    // A click on an entry that started a run opens that run.
    await row(tree, 'lr-0.1').click();
    await runPanelFrame(vscode, 'finished-run');
  });
});

test('the Queue view with nothing queued says how to queue a run', { timeout: 240_000 }, async () => {
  const workspace = copyExamples();
  recordRun(workspace.dir, 'lonely');
  await inVsCode({ testName: 'queue-empty', workspace: workspace.dir, extensionVsix: labbookVsix() }, workspace, async (vscode) => {
    await openRunsView(vscode);
    await vscode.page.getByText('No queued runs.').waitFor({ timeout: 60_000 });
    await vscode.page.getByRole('button', { name: 'Start Queue Worker' }).waitFor({ timeout: 10_000 });
    await parkMouse(vscode);
    await vscode.screenshot('queue-empty');
  });
});
