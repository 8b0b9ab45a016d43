// Sweeps in the Runs view (issue 19): a sweep's runs under one row with its run count and best run, and Compare
// Sweep opening the Compare panel on all of them.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/sweep.e2e.ts

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { copyExamples, labbookVsix } from './fixtures';
import { chooseMenuItem, DEBIAN_PYTHON, inVsCode, openRunsView, parkMouse, runRow } from './labbookUi';

const ROOT = path.resolve(__dirname, '..', '..');

/** A three-run sweep over lr whose best run is lr=0.01 (loss = (lr - 0.01)^2). */
function seedSweep(workspace: string): void {
  writeFileSync(
    path.join(workspace, 'sweep_target.py'),
    'import argparse\np = argparse.ArgumentParser()\np.add_argument("--lr", type=float)\nprint(f"loss: {(p.parse_args().lr - 0.01) ** 2}")\n',
  );
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const args = [cli, 'sweep', '--name', 'lr-sweep', '--grid', 'lr=0.1,0.01,0.001', '--', DEBIAN_PYTHON, 'sweep_target.py'];
  execFileSync(process.execPath, args, { cwd: workspace, stdio: 'pipe', timeout: 120_000 });
}

test('a sweep is one row in the Runs view, its best run marked; Compare Sweep compares all its runs', { timeout: 240_000 }, async () => {
  const workspace = copyExamples();
  seedSweep(workspace.dir);
  const options = { testName: 'sweep', workspace: workspace.dir, extensionVsix: labbookVsix() };
  await inVsCode({ ...options, viewport: { width: 1400, height: 900 } }, workspace, async (vscode) => {
    const tree = await openRunsView(vscode);
    const sweep = runRow(tree, 'lr-sweep');
    await sweep.waitFor({ timeout: 60_000 });
    assert.match(await sweep.locator('.label-description').innerText(), /^3 runs · best lr-sweep-2 loss=0\b/);
    await sweep.click();
    await runRow(tree, 'lr-sweep-3').waitFor({ timeout: 30_000 });
    assert.match(await runRow(tree, 'lr-sweep-2').locator('.label-description').innerText(), /^★ best · /);
    await parkMouse(vscode);
    await vscode.screenshot('sweep-group');
    await sweep.click({ button: 'right' });
    await chooseMenuItem(vscode, 'Compare Sweep');
    const frame = await vscode.webviewFrame('main[aria-busy="false"] h1.compare-title', 60_000);
    assert.equal(await frame.locator('h1.compare-title').textContent(), 'Compare 3 runs');
    await parkMouse(vscode);
    await vscode.screenshot('sweep-compare');
  });
});

test('Run Sweep… from the palette: the form shows the number of runs, Start runs the sweep in a terminal', { timeout: 240_000 }, async () => {
  const workspace = copyExamples();
  seedSweep(workspace.dir);
  const options = { testName: 'sweep-form', workspace: workspace.dir, extensionVsix: labbookVsix() };
  await inVsCode({ ...options, viewport: { width: 1400, height: 900 } }, workspace, async (vscode) => {
    const tree = await openRunsView(vscode);
    await vscode.runCommand('Labbook: Run Sweep…');
    const form = await vscode.webviewFrame('main[aria-busy="false"] textarea[name="grid"]', 60_000);
    await form.locator('input[name="command"]').fill(`${DEBIAN_PYTHON} sweep_target.py`);
    await form.locator('textarea[name="grid"]').fill('lr=0.2,0.02');
    await form.locator('input[name="name"]').fill('form-sweep');
    await form.getByText('This sweep makes 2 runs, 1 at a time.').waitFor({ timeout: 10_000 });
    await parkMouse(vscode);
    await vscode.screenshot('sweep-form');
    await form.locator('vscode-button').click();
    const sweep = runRow(tree, 'form-sweep');
    await sweep.locator('.label-description', { hasText: /^2 runs · best form-sweep-2/ }).waitFor({ timeout: 90_000 });
    await parkMouse(vscode);
    await vscode.screenshot('sweep-form-started');
  });
});
