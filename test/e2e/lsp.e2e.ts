// Metrics in the editor, in a real VS Code: after two tracked runs of examples/iris/train.py (recorded with the
// CLI before the window opens), the language server's code lens above the print line shows loss and acc, a hover
// on the print line (on `print`, off its keys) shows the closest key's chart image, "Run with lr=0.1" on the
// argparse option starts a tracked run, and the sidebar Metrics view charts the run selected in the Runs view.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { copyExamples, labbookVsix } from './fixtures';
import type { VsCode } from './harness';
import { inVsCode, textPosition } from './labbookUi';
import { waitUntil } from './waitUntil';

const EXTENSION_ID = 'labbook.labbook';
const PYTHON = '/usr/bin/python3';
const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TRAIN_LINES = readFileSync(path.join(ROOT, 'examples', 'iris', 'train.py'), 'utf8').split('\n');
const PRINT_LINE = TRAIN_LINES.findIndex((line) => line.includes('print(f"epoch')) + 1;
const LR_LINE = TRAIN_LINES.findIndex((line) => line.includes('"--lr"')) + 1;

function recordIrisRun(workspace: string, name: string, lr: string): void {
  const args = [CLI, 'run', '--name', name, '--', PYTHON, 'iris/train.py', '--epochs', '6', '--lr', lr];
  execFileSync(process.execPath, args, { cwd: workspace, stdio: 'pipe', timeout: 120_000 });
}

/** Moves the cursor to a line of the active editor (Go to Line), which scrolls it into view. */
async function goToLine(vscode: VsCode, line: number): Promise<void> {
  await vscode.page.locator('.monaco-editor textarea').first().focus();
  await vscode.page.keyboard.press('Control+g');
  await vscode.page.keyboard.type(`${line}`);
  await vscode.page.keyboard.press('Enter');
}

test('code lenses, hovers and the Metrics view show tracked runs of iris/train.py', { timeout: 600_000 }, async () => {
  const vsix = labbookVsix();
  const workspace = copyExamples();
  recordIrisRun(workspace.dir, 'iris-slow', '0.01');
  recordIrisRun(workspace.dir, 'iris-fast', '0.1');
  await inVsCode(
    {
      testName: 'lsp',
      workspace: workspace.dir,
      extensionVsix: vsix,
      settings: { 'labbook.python.path': PYTHON, 'editor.hover.delay': 200 },
    },
    workspace,
    async (vscode) => {
      const { page } = vscode;
      await vscode.openFile('iris/train.py');
      await vscode.waitForActivation(EXTENSION_ID, 60_000);
      // Bring the print line into view: Monaco renders only the lines on screen.
      await goToLine(vscode, PRINT_LINE);

      // The lens above the print line: values of the newest run, and the best.
      const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: 'loss' }).first();
      await lens.waitFor({ timeout: 60_000 });
      const lensText = await lens.innerText();
      assert.match(lensText, /loss \d/);
      assert.match(lensText, /acc \d/);
      await vscode.moveMouseAway();
      await vscode.screenshot('code-lens');

      // A hover on the print line, off its keys (on `print`): the closest key's chart image and the runs' values.
      const at = await textPosition(vscode, 'print(f"epoch', 'print');
      await page.mouse.move(at.x - 40, at.y);
      await page.mouse.move(at.x, at.y, { steps: 4 });
      const hover = page.locator('.monaco-hover:not(.hidden)', { has: page.locator('img') }).first();
      await hover.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match(await hover.innerText(), /iris-fast/);
      const image = hover.locator('img').first();
      assert.match((await image.getAttribute('src')) ?? '', /^data:image\/svg\+xml/);
      await page.waitForFunction(
        (element) => element instanceof HTMLImageElement && element.complete && element.naturalWidth > 0,
        await image.elementHandle(),
        { timeout: 10_000 },
      );
      await vscode.screenshot('hover');

      // "Run with lr=0.1" on the argparse option: labbook.runWithParams runs the script with --lr 0.1, tracked.
      await vscode.moveMouseAway();
      await goToLine(vscode, LR_LINE);
      const option = await textPosition(vscode, 'add_argument("--lr"', '--lr');
      await page.mouse.click(option.x, option.y);
      await page.keyboard.press('Control+.');
      const action = page.locator('.action-widget .monaco-list-row', { hasText: 'Run with lr=0.1' }).first();
      await action.waitFor({ timeout: 30_000 });
      await vscode.screenshot('code-action');
      // The menu animates in, so it is driven from the keyboard: the best value comes first and is focused.
      assert.equal(await page.locator('.action-widget .monaco-list-row.focused').getAttribute('aria-label'), 'Run with lr=0.1');
      await page.keyboard.press('Enter');
      await page.locator('.activitybar a.action-label[aria-label^="Labbook"]').click();
      const tree = await vscode.treeView('Runs', 30_000);
      await tree.locator('.monaco-list-row', { hasText: '3 runs' }).first().waitFor({ timeout: 120_000 });
      await waitUntil(async () => ((await vscode.terminalText()).includes('saved model to') ? true : undefined), {
        timeoutMs: 120_000,
        what: 'the run started by the code action to finish',
      });
      const newest = (
        JSON.parse(execFileSync(process.execPath, [CLI, 'ls', '--json'], { cwd: workspace.dir, encoding: 'utf8' })) as { argv: string[] }[]
      )[0];
      assert.deepEqual(newest.argv.slice(1), ['iris/train.py', '--lr', '0.1']);

      // The sidebar: select a run, the Metrics view charts it.
      await vscode.moveMouseAway();
      await tree.locator('.monaco-list-row', { hasText: 'iris-slow' }).first().click();
      // The click also opens the run's preview Run panel, whose page has metric cards too: ask for the Metrics view's.
      // The click also opens the run's preview Run panel, whose page has metric cards too: ask for the Metrics view's.
      const frame = await vscode.webviewFrame('main.metrics-view[aria-busy="false"] .metric-card', 60_000);
      await frame.locator('.run-name', { hasText: 'iris-slow' }).waitFor({ timeout: 30_000 });
      const keys = await frame.locator('.metric-key').allInnerTexts();
      for (const key of ['acc', 'loss', 'val_acc', 'val_loss']) assert.ok(keys.includes(key), `${key} in ${keys.join(', ')}`);
      // The script's metrics have one point per epoch; system metrics are sampled by time, so they are left out.
      await frame.waitForFunction(() => {
        const view = (window as unknown as { labbookMetricsView: { charts(): { key: string; chart: { datasets: { data: unknown[] }[] } | null }[] } })
          .labbookMetricsView;
        return view
          .charts()
          .filter((chart) => !chart.key.startsWith('system/'))
          .every((chart) => (chart.chart?.datasets[0]?.data.length ?? 0) === 6);
      });
      await vscode.moveMouseAway();
      await vscode.screenshot('metrics-view');
    },
  );
});
