// Issue 15: the Monitoring view while a load loop POSTs to a real `labbook serve-model` (an sklearn model trained
// on data/train.csv and registered through the MLflow API under `labbook run`): live request rate, latency, error
// rate and drift share; shifted inputs raise the drift share past labbook.drift.alertShare and VS Code warns once
// with "Open Drift Panel", which compares the server's live window with the version's training data.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/monitoring.e2e.ts

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import { servedModels, type ServedModel } from '../../src/server/scoring/discovery';
import { labbookVsix } from './fixtures';
import { DEBIAN_PYTHON, EXTENSION_ID, inVsCode, openRunsView, parkMouse } from './labbookUi';
import { waitUntil } from './waitUntil';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TOKEN = 'e2e-monitoring-token';

interface ChartDump {
  chart: string;
  datasets: { label: string; points: number; last: number | null }[];
}

/** data/train.csv (a, b, c around 0; label a + b > 0), and model churn trained on it, in Production. */
function servingWorkspace(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-e2e-monitoring-'));
  mkdirSync(path.join(dir, 'data'));
  const rows = ['a,b,c,label'];
  for (let i = 0; i < 300; i++) {
    const [a, b, c] = [Math.sin(i * 1.7), Math.cos(i * 2.3), Math.sin(i * 0.9 + 1)];
    rows.push(`${a},${b},${c},${a + b > 0 ? 1 : 0}`);
  }
  writeFileSync(path.join(dir, 'data', 'train.csv'), `${rows.join('\n')}\n`);
  const train = path.join(ROOT, 'test', 'fixtures', 'python', 'serving_train.py');
  const trained = spawnSync(process.execPath, [CLI, 'run', '--', DEBIAN_PYTHON, train, 'churn'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  if (trained.status !== 0) throw new Error(`training failed: ${trained.stderr}`);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** POSTs a few rows every 100 ms (a share of them malformed); `shift` moves a and b away from the training data. */
function loadLoop(served: ServedModel): { shift: () => void; stop: () => void } {
  let offset = 0;
  let k = 0;
  const timer = setInterval(() => {
    k++;
    const data = Array.from({ length: 5 }, (_, i) => [Math.sin((k * 5 + i) * 1.3) + offset, Math.cos((k * 5 + i) * 0.7) + offset, Math.sin(k + i)]);
    const body = k % 10 === 0 ? '{"instances": "not rows"}' : JSON.stringify({ dataframe_split: { columns: ['a', 'b', 'c'], data } });
    void fetch(`${served.url}/invocations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body,
    }).catch(() => undefined);
  }, 100);
  return { shift: () => (offset = 3), stop: () => clearInterval(timer) };
}

function charts(frame: Frame): Promise<ChartDump[]> {
  return frame.evaluate(() => (window as unknown as { labbookMonitoringView: { charts(): ChartDump[] } }).labbookMonitoringView.charts());
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

test('the Monitoring view charts a served model under load, and the drift alert opens the Drift panel', { timeout: 360_000 }, async () => {
  const workspace = servingWorkspace();
  const server = spawn(
    process.execPath,
    [CLI, 'serve-model', 'churn/Production', '--port', '0', '--python', DEBIAN_PYTHON, '--window', '200', '--drift-interval', '0.5'],
    {
      cwd: workspace.dir,
      env: { ...process.env, LABBOOK_DIR: '', LABBOOK_SERVE_TOKEN: TOKEN },
      stdio: 'ignore',
    },
  );
  let load: ReturnType<typeof loadLoop> | undefined;
  try {
    const served = await waitUntil(async () => servedModels(path.join(workspace.dir, '.labbook'))[0], {
      timeoutMs: 60_000,
      what: 'serve-model to announce itself',
    });
    load = loadLoop(served);
    const options = {
      testName: 'monitoring',
      workspace: workspace.dir,
      extensionVsix: labbookVsix(),
      viewport: { width: 1400, height: 900 },
      settings: { 'labbook.drift.alertShare': 0.3 },
    };
    await inVsCode(options, { remove: () => undefined }, async (vscode) => {
      // The extension activates when its view opens (or one of its commands runs).
      await openRunsView(vscode);
      await vscode.waitForActivation(EXTENSION_ID, 60_000);
      await vscode.runCommand('Labbook: Focus on Monitoring View');
      const frame = await vscode.webviewFrame('main[aria-busy="false"] section.server', 60_000);
      assert.equal(await frame.locator('h3').textContent(), 'churn v1Production');
      // Live: the request rate and latency lines grow while the loop runs, with errors from the malformed posts.
      const live = await waitUntil(
        async () => {
          const drawn = await charts(frame);
          const requests = drawn.find((c) => c.chart === 'requests')?.datasets[0];
          return requests && requests.points >= 5 && (requests.last ?? 0) > 0 ? drawn : undefined;
        },
        { timeoutMs: 60_000, what: 'five points of request rate' },
      );
      const latency = live.find((c) => c.chart === 'latency')!.datasets;
      assert.ok((latency[1].last ?? 0) >= (latency[0].last ?? 0) && (latency[0].last ?? 0) > 0, 'p95 ≥ p50 > 0');
      assert.ok(live.find((c) => c.chart === 'errors')!.datasets[0].points > 0);
      // Room for all four charts: the other Labbook views folded away.
      for (const title of ['Runs', 'Models', 'Metrics']) {
        // The title itself: the header's middle may hold the view's action buttons (Filter Runs…).
        await vscode.page.locator('.pane-header[aria-expanded="true"] h3.title', { hasText: new RegExp(`^${title}$`, 'i') }).click();
      }
      await parkMouse(vscode);
      await vscode.screenshot('monitoring-live');

      // Shifted inputs: the drift share passes 0.3 and VS Code warns, once, with Open Drift Panel.
      load!.shift();
      const toast = vscode.page.locator('.notification-toast', { hasText: 'the drift share of churn version 1' });
      await toast.waitFor({ timeout: 90_000 });
      await vscode.screenshot('monitoring-alert');
      assert.equal(await toast.count(), 1);
      await toast.getByRole('button', { name: 'Open Drift Panel' }).click();
      const panel = await vscode.webviewFrame('main[aria-busy="false"] table.columns', 60_000);
      assert.match(
        (await panel.locator('.files').textContent()) ?? '',
        /^Reference churn v1 training data \(data\/train\.csv\) · current churn v1 live window/,
      );
      const drifted = await panel.locator('table.columns tbody tr.drifted th').allTextContents();
      assert.ok(drifted.includes('a') && drifted.includes('b'), `a and b drifted (${drifted.join(', ')})`);
      await parkMouse(vscode);
      await vscode.screenshot('monitoring-drift-panel');
    });
  } finally {
    load?.stop();
    await stopServer(server);
    workspace.remove();
  }
});
