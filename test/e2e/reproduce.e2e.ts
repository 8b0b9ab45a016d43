// Reproduce Run (issue 17, point 4): a run made with an uncommitted change, checked out from the Runs tree's
// context menu through the bundled CLI; the notification offers the new window, and the worktree holds the change.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/reproduce.e2e.ts

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { copyExamples, labbookVsix, recordRun } from './fixtures';
import { chooseMenuItem, inVsCode, openRunsView, readStore, runRow } from './labbookUi';

/** examples/ as a git repository with one commit, then a change to iris/train.py left uncommitted. */
function repositoryWithChange(dir: string): string {
  const git = (...args: string[]): void =>
    void execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=Test', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'examples');
  const script = path.join(dir, 'iris', 'train.py');
  const changed = `${readFileSync(script, 'utf8')}\n# tried a smaller learning rate\n`;
  writeFileSync(script, changed);
  return changed;
}

test('Reproduce Run checks a run out with its uncommitted change and offers a new window', { timeout: 240_000 }, async () => {
  const workspace = copyExamples();
  const changed = repositoryWithChange(workspace.dir);
  recordRun(workspace.dir, 'original');
  const runId = readStore(workspace.dir, (store) => store.listRuns({})[0].id);
  const options = { testName: 'reproduce', workspace: workspace.dir, extensionVsix: labbookVsix(), viewport: { width: 1400, height: 900 } };
  await inVsCode(options, workspace, async (vscode) => {
    const tree = await openRunsView(vscode);
    await runRow(tree, 'original').click({ button: 'right' });
    await chooseMenuItem(vscode, 'Reproduce Run');
    const toast = vscode.page.locator('.notification-toast', { hasText: /Run original checked out at [0-9a-f]{8}/ });
    await toast.waitFor({ timeout: 60_000 });
    await toast.getByRole('button', { name: 'Open in New Window' }).waitFor({ timeout: 10_000 });
    await vscode.screenshot('checked-out');
    const checkout = path.join(workspace.dir, '.labbook', 'checkouts', runId.slice(0, 8));
    assert.equal(readFileSync(path.join(checkout, 'iris', 'train.py'), 'utf8'), changed);
    assert.ok(existsSync(path.join(checkout, '.labbook-reproduces')));
    assert.match(await toast.innerText(), new RegExp(`labbook run --reproduces ${runId} --`));
  });
});
