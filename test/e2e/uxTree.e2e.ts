// Issue 12's Runs tree in a real VS Code, in light, dark and high contrast at 1400x900 and 1024x768 (a fresh VS Code
// each): rows that tell a sweep's runs apart (differing params, primary metric), Set Primary Metric…, Rename, Add Tag
// and Edit Note (from the Run panel's header), single click previews / double click and Enter pin, Compare Runs from
// the palette with runs selected in the tree, and a failed run's terminal that stays open with its output.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/uxTree.e2e.ts

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Locator } from 'playwright-core';
import { Store } from '../../src/store/store';
import { copyExamples, labbookVsix } from './fixtures';
import type { VsCode } from './harness';
import { chooseMenuItem, inVsCode, openRunsView, parkMouse, readStore, runPanelFrame, runRow } from './labbookUi';
import { waitUntil } from './waitUntil';

const THEMES = [
  ['light', 'Default Light Modern'],
  ['dark', 'Default Dark Modern'],
  ['hc', 'Default High Contrast'],
] as const;
const SIZES = [
  { width: 1400, height: 900 },
  { width: 1024, height: 768 },
] as const;
/** The combinations where the behaviour is exercised too; the others only show the tree and a panel. */
const EXERCISED = new Set(['light-1400x900', 'dark-1024x768']);

const START = Date.UTC(2026, 0, 5, 9, 0, 0);
// A sweep over lr and bs; seed and epochs are the same in every run, so the rows must not name them.
const SWEEP = [
  { lr: '0.1', bs: '32' },
  { lr: '0.1', bs: '64' },
  { lr: '0.01', bs: '32' },
  { lr: '0.01', bs: '64' },
  { lr: '0.001', bs: '64' },
];

function seedSweep(workspace: string): void {
  const store = Store.open(path.join(workspace, '.labbook'));
  SWEEP.forEach((params, i) => {
    const run = store.createRun({ name: `train-${i + 1}`, experimentName: 'sweep', startTime: START + i * 60_000 });
    store.logParams(run.id, { ...params, seed: '1', epochs: '10' });
    const quality = Number(params.lr) * 2 + Number(params.bs) / 1000;
    const metrics = { loss: 1 - quality, val_loss: 1.1 - quality, acc: quality, val_acc: quality - 0.05, 'system/memory_mb': 300 + i };
    store.logMetrics(
      run.id,
      Object.entries(metrics).map(([key, value]) => ({ key, value: Math.round(value * 1000) / 1000, step: 0, timestamp: START + i * 60_000 + 1000 })),
    );
    store.finishRun(run.id, 'FINISHED', { exitCode: 0, endTime: START + i * 60_000 + 30_000 });
  });
  store.close();
}

const description = (row: Locator): Promise<string> => row.locator('.label-description').innerText();

/** The editor tabs' labels, in order. */
async function tabs(vscode: VsCode): Promise<string[]> {
  return vscode.page.locator('.tabs-container .tab .label-name').allInnerTexts();
}

async function waitForTabs(vscode: VsCode, expected: string[]): Promise<void> {
  await waitUntil(async () => (JSON.stringify(await tabs(vscode)) === JSON.stringify(expected) ? true : undefined), {
    timeoutMs: 30_000,
    what: `editor tabs ${expected.join(', ')} (now ${(await tabs(vscode)).join(', ')})`,
  });
}

/** True when keyboard focus is inside the Runs tree. */
function treeHasFocus(tree: Locator): Promise<boolean> {
  return tree.evaluate((element) => element.contains(document.activeElement) || element === document.activeElement);
}

async function showTree(vscode: VsCode, label: string): Promise<Locator> {
  const tree = await openRunsView(vscode);
  const first = runRow(tree, 'train-1');
  await waitUntil(async () => ((await description(first).catch(() => '')).includes('val_loss') ? true : undefined), {
    timeoutMs: 60_000,
    what: 'train-1 described',
  });
  await parkMouse(vscode);
  await vscode.screenshot(`tree-${label}`);
  return tree;
}

async function exerciseRows(vscode: VsCode, tree: Locator, label: string): Promise<void> {
  // Item 3: the params that differ (not seed or epochs) and the experiment's primary metric (val_loss, not system/*).
  for (const [i, params] of SWEEP.entries()) {
    const text = await description(runRow(tree, `train-${i + 1}`));
    assert.match(text, new RegExp(`^bs=${params.bs} lr=${params.lr} · val_loss [0-9.]+ · `), text);
  }
  await tree.locator('.monaco-list-row', { hasText: 'sweep' }).first().click({ button: 'right' });
  await chooseMenuItem(vscode, 'Set Primary Metric…');
  await vscode.pickQuickItem('val_acc');
  await waitUntil(async () => ((await description(runRow(tree, 'train-1'))).includes('val_acc') ? true : undefined), {
    timeoutMs: 30_000,
    what: 'rows showing val_acc',
  });

  await runRow(tree, 'train-1').click({ button: 'right' });
  await chooseMenuItem(vscode, 'Rename Run…');
  await vscode.answerQuickInput('Rename train-1', 'baseline-lr0.1');
  await runRow(tree, 'baseline-lr0.1').waitFor({ timeout: 30_000 });
  await runRow(tree, 'train-2').click({ button: 'right' });
  await chooseMenuItem(vscode, 'Add Tag…');
  await vscode.answerQuickInput('Add Tag to train-2', 'keep=yes');
  await waitUntil(() => (readStore(vscode.workspace, (store) => store.listRuns({ filter: "tags.keep = 'yes'" })).length === 1 ? true : undefined), {
    timeoutMs: 30_000,
    what: 'train-2 tagged keep=yes',
  });
  await parkMouse(vscode);
  await vscode.screenshot(`tree-renamed-primary-val-acc-${label}`);
}

/**
 * Clicks a run's row with the pointer coming from where nothing hovers: the tooltip of the row clicked before
 * can cover its neighbour, and a click landing on that tooltip opens nothing.
 */
async function clickRow(vscode: VsCode, tree: Locator, name: string): Promise<void> {
  await parkMouse(vscode);
  await runRow(tree, name).click();
}

async function exercisePreview(vscode: VsCode, tree: Locator, label: string): Promise<void> {
  // Item 7: a click previews and leaves focus in the tree; the next click replaces the preview.
  await clickRow(vscode, tree, 'train-2');
  await runPanelFrame(vscode, 'train-2');
  assert.ok(await treeHasFocus(tree), 'focus stays in the tree after a single click');
  await clickRow(vscode, tree, 'train-3');
  await runPanelFrame(vscode, 'train-3');
  await waitForTabs(vscode, ['train-3']);
  assert.ok(await treeHasFocus(tree));
  // A double click pins: the next click opens a second tab beside it.
  await runRow(tree, 'train-3').dblclick();
  await clickRow(vscode, tree, 'train-4');
  await waitForTabs(vscode, ['train-3', 'train-4']);
  // Enter pins too and moves focus to the panel.
  await vscode.page.keyboard.press('Enter');
  await waitUntil(async () => (!(await treeHasFocus(tree)) ? true : undefined), { timeoutMs: 30_000, what: 'focus to leave the tree after Enter' });
  await clickRow(vscode, tree, 'train-5');
  await waitForTabs(vscode, ['train-3', 'train-4', 'train-5']);
  const frame = await runPanelFrame(vscode, 'train-5');
  await parkMouse(vscode);
  await vscode.screenshot(`preview-and-pinned-${label}`);

  // The note, from the panel's header (stored as MLflow's note tag).
  await frame.locator('.header-actions vscode-button', { hasText: 'Edit Note…' }).click();
  await vscode.answerQuickInput('Note on train-5', 'lr too small: loss barely moved');
  await frame.locator('.run-note', { hasText: 'lr too small' }).waitFor({ timeout: 30_000 });
  const note = readStore(
    vscode.workspace,
    (store) => store.tags(store.listRuns({ filter: "attributes.run_name = 'train-5'" })[0].id)['mlflow.note.content'],
  );
  assert.equal(note, 'lr too small: loss barely moved');
  await parkMouse(vscode);
  await vscode.screenshot(`run-panel-note-${label}`);
}

async function exerciseCompare(vscode: VsCode, tree: Locator, label: string): Promise<void> {
  // Item 10d: the palette's Compare Runs takes the two runs selected in the tree.
  await runRow(tree, 'train-3').click();
  await runRow(tree, 'train-4').click({ modifiers: ['Control'] });
  await vscode.runCommand('Labbook: Compare Runs');
  const frame = await vscode.webviewFrame('main[aria-busy="false"] h1.compare-title', 60_000);
  assert.equal(await frame.locator('h1.compare-title').textContent(), 'Compare 2 runs');
  assert.deepEqual((await frame.locator('table.diff thead .run-label').allTextContents()).sort(), ['train-3', 'train-4']);
  await parkMouse(vscode);
  await vscode.screenshot(`compare-from-palette-${label}`);
}

// Enter only once the typed line is offered: the host adds that item after the text arrives, and Enter before it
// accepts nothing.
async function runAndTrack(vscode: VsCode, commandLine: string): Promise<void> {
  await vscode.runCommand('Labbook: Run and Track…', { waitForClose: false });
  const widget = vscode.page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input[placeholder^="Type a command line"]');
  await input.waitFor({ timeout: 30_000 });
  await input.fill(commandLine);
  await widget.locator('.monaco-list-row.focused', { hasText: 'run this command line' }).waitFor({ timeout: 30_000 });
  await input.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: 30_000 });
}

async function exerciseTerminal(vscode: VsCode, label: string): Promise<void> {
  // Item 1: a finished run says so in the status bar, with its metric (first: the recent-commands list must not
  // offer it when the failing command line is typed).
  await runAndTrack(vscode, `python3 -c "print('val_loss: 0.5')"`);
  await vscode.page
    .locator('.statusbar-item', { hasText: /finished · val_loss 0\.5/ })
    .first()
    .waitFor({ timeout: 60_000 });
  await parkMouse(vscode);
  await vscode.screenshot(`finished-run-status-${label}`);

  // A failing run's terminal keeps its output, and Labbook says the run failed with the way to its output.
  await runAndTrack(vscode, `python3 -c "import sys; print('Traceback: boom'); sys.exit(3)"`);
  const toast = vscode.page.locator('.notification-toast', { hasText: /failed \(exit 3\)/ });
  await toast.waitFor({ timeout: 60_000 });
  await waitUntil(
    async () => {
      const text = await vscode.terminalText();
      return text.includes('Traceback: boom') && text.includes('Press any key to close') ? true : undefined;
    },
    { timeoutMs: 30_000, what: 'the terminal to keep the output and say how to close it' },
  );
  assert.equal(await toast.locator('.monaco-button', { hasText: 'Show Console Output' }).count(), 1);
  assert.equal(await toast.locator('.monaco-button', { hasText: 'Open Run' }).count(), 1);
  await parkMouse(vscode);
  await vscode.screenshot(`failed-run-terminal-${label}`);
  await toast.locator('.monaco-button', { hasText: 'Show Console Output' }).click();
  await vscode.page.locator('.monaco-editor .view-lines', { hasText: 'Traceback: boom' }).first().waitFor({ timeout: 30_000 });
}

for (const [themeName, theme] of THEMES) {
  for (const size of SIZES) {
    const label = `${themeName}-${size.width}x${size.height}`;
    test(`Runs tree UX (issue 12) in ${label}`, { timeout: 240_000 }, async () => {
      const vsix = labbookVsix();
      const workspace = copyExamples();
      seedSweep(workspace.dir);
      await inVsCode(
        {
          testName: `ux-tree-${label}`,
          workspace: workspace.dir,
          extensionVsix: vsix,
          viewport: size,
          settings: { 'workbench.colorTheme': theme, 'labbook.python.path': '/usr/bin/python3' },
        },
        workspace,
        async (vscode) => {
          const tree = await showTree(vscode, label);
          if (!EXERCISED.has(label)) {
            // At 1024x768 the Models view cuts train-1, the last row, in half, and a click there sometimes missed it:
            // scroll the list to its end first (the list scrolls on the wheel, not on scrollIntoView).
            await runRow(tree, 'train-2').hover();
            await vscode.page.mouse.wheel(0, 500);
            await runRow(tree, 'train-1').click();
            await runPanelFrame(vscode, 'train-1');
            await parkMouse(vscode);
            await vscode.screenshot(`run-panel-${label}`);
            return;
          }
          await exerciseRows(vscode, tree, label);
          await exercisePreview(vscode, tree, label);
          await exerciseCompare(vscode, tree, label);
          await exerciseTerminal(vscode, label);
        },
      );
    });
  }
}
