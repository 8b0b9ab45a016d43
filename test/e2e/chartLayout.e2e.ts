// Issue 12 in a real VS Code: a run recorded by `labbook run` from an argparse script given one option on argv has
// its defaults as params too (marked in labbook.param_sources), and its run panel keeps the system metrics in a
// collapsed System section under the user's metrics. Screenshot in Default Dark Modern at 1400x900.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/chartLayout.e2e.ts

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Store } from '../../src/store/store';
import { copyExamples, labbookVsix } from './fixtures';
import { DEBIAN_PYTHON, inVsCode, openRunFromPalette, openRunsView, panelCharts, parkMouse, runPanelFrame } from './labbookUi';
import { waitUntil } from './waitUntil';

const ROOT = path.resolve(__dirname, '..', '..');

const SCRIPT = `
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--epochs", type=int, default=4)
args = parser.parse_args()
for epoch in range(args.epochs):
    print(f"epoch {epoch} | loss: {1.0 / (epoch + 1):.4f} acc: {0.5 + epoch / 10:.2f}")
`;

/** Runs the script through the CLI in dist/, then adds the system samples a longer run would have. */
function recordArgparseRun(dir: string): string {
  const cli = path.join(ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  writeFileSync(path.join(dir, 'defaults.py'), SCRIPT);
  execFileSync(process.execPath, [cli, 'run', '--name', 'defaults-run', '--', DEBIAN_PYTHON, 'defaults.py', '--lr', '0.1'], {
    cwd: dir,
    stdio: 'pipe',
    timeout: 60_000,
  });
  const store = Store.open(path.join(dir, '.labbook'));
  try {
    const [run] = store.listRuns();
    const start = run.startTime;
    store.logMetrics(run.id, [
      { key: 'system/cpu_percent', value: 33, step: 0, timestamp: start + 5000 },
      { key: 'system/rss_mb', value: 512, step: 0, timestamp: start + 5000 },
      { key: 'system/rss_mb', value: 530, step: 1, timestamp: start + 10_000 },
      { key: 'system/processes', value: 1, step: 0, timestamp: start + 5000 },
    ]);
    return run.id;
  } finally {
    store.close();
  }
}

test('the run panel of an argparse run: defaults as params, system metrics collapsed apart', { timeout: 300_000 }, async () => {
  const vsix = labbookVsix();
  const workspace = copyExamples();
  const runId = recordArgparseRun(workspace.dir);
  const detail = (() => {
    const store = Store.open(path.join(workspace.dir, '.labbook'));
    try {
      return store.getRunDetail(runId);
    } finally {
      store.close();
    }
  })();
  assert.deepEqual(detail.params, { batch_size: '32', epochs: '4', lr: '0.1' });
  assert.deepEqual(JSON.parse(detail.tags['labbook.param_sources']), { batch_size: 'argparse default', epochs: 'argparse default' });

  await inVsCode(
    {
      testName: 'chart-layout',
      workspace: workspace.dir,
      extensionVsix: vsix,
      settings: { 'workbench.colorTheme': 'Default Dark Modern' },
      viewport: { width: 1400, height: 900 },
    },
    workspace,
    async (vscode) => {
      await openRunsView(vscode);
      await openRunFromPalette(vscode, 'defaults-run');
      const frame = await runPanelFrame(vscode, 'defaults-run');
      await waitUntil(async () => (await panelCharts(frame)).filter((c) => c.chart).length >= 2 || undefined, {
        timeoutMs: 30_000,
        what: 'the user charts drawn',
      });
      const userKeys = await frame.locator('vscode-collapsible.section:not(.system-section) > .charts .metric-key').allTextContents();
      assert.deepEqual(userKeys, ['acc', 'loss']);
      const system = frame.locator('vscode-collapsible.system-section');
      // CPU, memory, processes, disk and network: as many as the run recorded (/proc files a container may hide).
      const systemKeys = detail.metrics.filter((metric) => metric.key.startsWith('system/')).length;
      assert.ok(systemKeys >= 3, `${systemKeys} system metrics`);
      assert.deepEqual(await system.evaluate((s: HTMLElement & { open?: boolean; description?: string }) => [s.open, s.description, s.hidden]), [
        false,
        String(systemKeys),
        false,
      ]);
      const systemNames = detail.metrics
        .map((metric) => metric.key)
        .filter((key) => key.startsWith('system/'))
        .sort();
      assert.deepEqual(await system.locator('.metric-key').allTextContents(), systemNames);
      const params = await frame.locator('table.entries').first().locator('tbody tr').allTextContents();
      assert.ok(
        params.some((row) => row.includes('batch_size') && row.includes('32')),
        params.join(' | '),
      );
      await parkMouse(vscode);
      await vscode.screenshot('run-panel-system-collapsed');
      await system.evaluate((s: HTMLElement & { open?: boolean }) => (s.open = true));
      await system.scrollIntoViewIfNeeded();
      // The two script charts and the system charts in view (the rest draw when scrolled to).
      await waitUntil(async () => (await panelCharts(frame)).filter((c) => c.chart).length >= 5 || undefined, {
        timeoutMs: 30_000,
        what: 'system charts drawn once opened',
      });
      await vscode.screenshot('run-panel-system-open');
    },
  );
});
