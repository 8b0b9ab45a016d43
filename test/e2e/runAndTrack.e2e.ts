// Run and Track Current File from the command palette on examples/iris/train.py, with Debian's python3: the run shows
// live (spinning) in the Runs tree, then finished, and its Run panel charts exactly the values the script printed.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { copyExamples, labbookVsix } from './fixtures';
import { startVsCode } from './harness';
import type { VsCode } from './harness';
import {
  DEBIAN_PYTHON,
  openRunFromPalette,
  openRunsView,
  parkMouse,
  panelCharts,
  rawPoints,
  readStore,
  runPanelFrame,
  runRow,
  statusIcon,
} from './labbookUi';

const METRICS = ['loss', 'acc', 'val_loss', 'val_acc'];
const EPOCH_LINE = /epoch (\d+) \| loss: (\S+) \| acc: (\S+) \| val_loss: (\S+) \| val_acc: (\S+)/g;

// The iris script finishes in about a second: too quickly to look at it live without racing it. A sitecustomize on
// the interpreter's PYTHONPATH holds the process at exit (after every metric was printed) until the test creates the
// release file, so the live state is there for as long as the test looks at it, and nothing in the test sleeps.
function holdAtExit(): { env: Record<string, string>; release: () => void; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-e2e-hold-'));
  const hook = path.join(dir, 'hook');
  const releaseFile = path.join(dir, 'release');
  mkdirSync(hook, { recursive: true });
  writeFileSync(
    path.join(hook, 'sitecustomize.py'),
    [
      'import atexit, os, time',
      'def _hold(path=os.environ.get("LABBOOK_E2E_RELEASE")):',
      '    while path and not os.path.exists(path):',
      '        time.sleep(0.05)',
      'atexit.register(_hold)',
      '',
    ].join('\n'),
  );
  return {
    env: { PYTHONPATH: hook, LABBOOK_E2E_RELEASE: releaseFile },
    release: () => writeFileSync(releaseFile, ''),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test(
  'Run and Track Current File runs iris/train.py live in the Runs tree and the Run panel charts what it printed',
  { timeout: 240_000 },
  async (t) => {
    const vsix = labbookVsix();
    const workspace = copyExamples();
    const hold = holdAtExit();
    const started = Date.now();
    let vscode: VsCode | undefined;
    try {
      vscode = await startVsCode({
        testName: 'run-and-track',
        workspace: workspace.dir,
        extensionVsix: vsix,
        settings: { 'labbook.python.path': DEBIAN_PYTHON },
        env: hold.env,
      });
      const tree = await openRunsView(vscode);
      await vscode.screenshot('empty-runs-view');

      await vscode.openFile('iris/train.py');
      await vscode.screenshot('train-py-open');
      await vscode.runCommand('Labbook: Run and Track Current File');

      // The runner names the run; the tree has exactly this one run row, first spinning, then passed.
      const spinning = tree.locator('.monaco-list-row').filter({ has: vscode.page.locator('.codicon-loading.codicon-modifier-spin') });
      await spinning.first().waitFor({ timeout: 60_000 });
      const runs = readStore(workspace.dir, (store) => store.listRuns({}));
      assert.equal(runs.length, 1);
      const run = runs[0];
      assert.equal(run.status, 'RUNNING');
      assert.deepEqual(run.argv, [DEBIAN_PYTHON, 'iris/train.py']);
      const row = runRow(tree, run.name);
      // All 15 epochs are printed before the hold: the row's description shows a metric of the live run.
      await vscode.page.locator('.terminal-wrapper.active .xterm-rows', { hasText: 'saved model to' }).waitFor({ timeout: 60_000 });
      await parkMouse(vscode);
      await vscode.screenshot('running-in-tree-and-terminal');

      // From the palette rather than by clicking the row: a live run's row is redrawn as metrics arrive, and VS
      // Code drops a redrawn row's old command, so a click landing mid-redraw does nothing ("Actual command not found").
      await openRunFromPalette(vscode, run.name);
      const frame = await runPanelFrame(vscode, run.name);
      await frame.locator('.status[data-status="RUNNING"]').waitFor({ timeout: 30_000 });
      await vscode.screenshot('run-panel-live');

      hold.release();
      await statusIcon(row, 'pass').waitFor({ timeout: 60_000 });
      await frame.locator('.status[data-status="FINISHED"]').waitFor({ timeout: 30_000 });
      await parkMouse(vscode);
      await vscode.screenshot('finished-in-tree-and-panel');

      // What the script printed, as the panel's console section shows it, and what the store holds.
      const printed = [...(await frame.locator('pre.console-output').innerText()).matchAll(EPOCH_LINE)];
      assert.equal(printed.length, 15, 'all 15 epoch lines are in the console section');
      const history = readStore(workspace.dir, (store) => Object.fromEntries(METRICS.map((key) => [key, store.history(run.id, key)])));
      assert.equal(
        readStore(workspace.dir, (store) => store.getRun(run.id).status),
        'FINISHED',
      );

      const charts = await panelCharts(frame);
      // The runner also samples system/* metrics (memory, processes) of the run; the script's own are the rest.
      assert.deepEqual(
        charts
          .map((chart) => chart.key)
          .filter((key) => !key.startsWith('system/'))
          .sort(),
        [...METRICS].sort(),
      );
      METRICS.forEach((key, column) => {
        const fromScript = printed.map((line) => ({ x: Number(line[1]), y: Number(line[column + 2]) }));
        const fromStore = history[key].map((point) => ({ x: point.step, y: point.value }));
        const drawn = rawPoints(charts.find((chart) => chart.key === key));
        assert.deepEqual(drawn, fromScript, `${key}: the chart draws what the script printed`);
        assert.deepEqual(drawn, fromStore, `${key}: the chart draws what the store holds`);
      });
      // The validation charts come after acc and loss (cards are sorted by key).
      await frame.locator('.metric-card', { hasText: 'val_loss' }).first().scrollIntoViewIfNeeded();
      await vscode.screenshot('charts');
      t.diagnostic(`run ${run.name}: ${printed.length} epochs, 4 charts match; test took ${Date.now() - started} ms`);
    } finally {
      await vscode?.stop();
      workspace.remove();
      hold.remove();
    }
  },
);
