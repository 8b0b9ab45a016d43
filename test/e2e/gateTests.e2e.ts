// The gates of labbook.yaml in VS Code's Testing view (issue 14, item 6): one passes (the candidate beats
// Production), one fails (it does not beat it by the asked margin) and shows the gate's report; nothing is promoted.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/gateTests.e2e.ts

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ModelRegistry } from '../../src/store/registry';
import { Store } from '../../src/store/store';
import { copyExamples, labbookVsix } from './fixtures';
import type { VsCode } from './harness';
import { inVsCode, openRunsView, parkMouse, readStore } from './labbookUi';

const GATES = `gates:
  - name: churn improves on Production
    model: churn
    metrics: [val_loss]
  - name: churn improves by 0.5
    model: churn
    metrics:
      - metric: val_loss
        minDelta: 0.5
`;

/** churn v1 (val_loss 0.30) in Production, and a newer candidate run with val_loss 0.20. */
function seed(workspace: string): void {
  writeFileSync(path.join(workspace, 'labbook.yaml'), GATES);
  const store = Store.open(path.join(workspace, '.labbook'));
  try {
    const now = Date.now();
    for (const [name, loss, at] of [
      ['production', 0.3, now - 60_000],
      ['candidate', 0.2, now],
    ] as const) {
      const run = store.createRun({ name, experimentName: 'churn', startTime: at });
      store.logMetrics(run.id, [{ key: 'val_loss', value: loss, step: 0, timestamp: at }]);
      store.finishRun(run.id, 'FINISHED', { exitCode: 0, endTime: at + 1000 });
      if (name === 'production') {
        const registry = new ModelRegistry(store);
        registry.createModel('churn');
        registry.createVersion('churn', { source: `runs:/${run.id}/model`, runId: run.id });
        registry.transitionStage('churn', 1, 'Production');
      }
    }
  } finally {
    store.close();
  }
}

function testRow(vscode: VsCode, name: string): ReturnType<VsCode['page']['locator']> {
  return vscode.page.locator('.test-explorer .monaco-list-row', { hasText: name });
}

test('gates of labbook.yaml run in the Testing view: pass, fail with the report, nothing promoted', { timeout: 240_000 }, async () => {
  const workspace = copyExamples();
  seed(workspace.dir);
  await inVsCode({ testName: 'gate-tests', workspace: workspace.dir, extensionVsix: labbookVsix() }, workspace, async (vscode) => {
    await openRunsView(vscode); // activates Labbook, which reads the gates
    await vscode.runCommand('Testing: Focus on Test Explorer View');
    // With one test controller, VS Code lists its items at the top level.
    await testRow(vscode, 'churn improves on Production').waitFor({ timeout: 60_000 });
    await vscode.runCommand('Test: Run All Tests');
    await testRow(vscode, 'churn improves on Production').locator('.codicon-testing-passed-icon').waitFor({ timeout: 60_000 });
    await testRow(vscode, 'churn improves by 0.5').locator('.codicon-testing-failed-icon').waitFor({ timeout: 60_000 });
    await parkMouse(vscode);
    await vscode.screenshot('gates-in-testing-view');
    // The failed gate's output is its report (the verdict per condition) without the chart's SVG source.
    await testRow(vscode, 'churn improves by 0.5').dblclick();
    const output = vscode.page.locator('.part.panel .xterm-rows');
    await output.filter({ hasText: 'val_loss' }).waitFor({ timeout: 30_000 });
    assert.doesNotMatch(await output.innerText(), /<svg/);
    await vscode.screenshot('gate-failure-report');
    const stages = readStore(workspace.dir, (store) => new ModelRegistry(store).listVersions('churn').map((v) => v.stage));
    assert.deepEqual(stages, ['Production'], 'a gate in the Testing view never promotes');
  });
});
