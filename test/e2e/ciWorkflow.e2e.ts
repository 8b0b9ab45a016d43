// Issue 14 item 5 in a real VS Code: "Labbook: Add CI Workflow" asks what to train and gate, shows the workflow,
// and writes .github/workflows/labbook.yml only after the user confirms.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { copyExamples, labbookVsix } from './fixtures';
import { EXTENSION_ID, inVsCode, openRunsView } from './labbookUi';
import { waitUntil } from './waitUntil';

test('Add CI Workflow shows the workflow, then writes it on confirmation', { timeout: 300_000 }, async () => {
  const workspace = copyExamples();
  await inVsCode({ testName: 'add-ci-workflow', workspace: workspace.dir, extensionVsix: labbookVsix() }, workspace, async (vscode) => {
    // The extension activates when its view opens (or one of its commands runs).
    await openRunsView(vscode);
    await vscode.waitForActivation(EXTENSION_ID, 60_000);
    await vscode.runCommand('Labbook: Add CI Workflow', { waitForClose: false });
    await vscode.answerQuickInput('Training command', 'python iris/train.py --epochs 5');
    await vscode.answerQuickInput('Registered model', 'iris');
    await vscode.answerQuickInput('Metric the new model must improve', 'val_acc');

    const { page } = vscode;
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    assert.match(await dialog.innerText(), /Write \.github\/workflows\/labbook\.yml\?/);
    await page
      .locator('.view-lines', { hasText: 'labbook gate --model iris --metric val_acc --higher-is-better' })
      .first()
      .waitFor({ timeout: 30_000 });
    await vscode.screenshot('workflow-shown-before-writing');
    const target = join(workspace.dir, '.github', 'workflows', 'labbook.yml');
    assert.equal(existsSync(target), false, 'nothing is written before the user confirms');

    await dialog.locator('.monaco-button', { hasText: 'Write' }).click();
    await waitUntil(() => (existsSync(target) ? true : undefined), { timeoutMs: 30_000, what: 'the workflow file' });
    const workflow = parse(readFileSync(target, 'utf8')) as { jobs: Record<string, { steps: { name?: string; run?: string }[] }> };
    const train = workflow.jobs['train-and-gate'].steps.find((step) => step.name === 'Train');
    assert.match(train?.run ?? '', /labbook run .* -- python iris\/train\.py --epochs 5/);
    await page.locator('.tab', { hasText: 'labbook.yml' }).first().waitFor({ timeout: 30_000 });
    await vscode.moveMouseAway();
    await vscode.screenshot('workflow-written');
  });
});
