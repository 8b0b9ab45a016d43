// Live runs in a real VS Code: a run started with the CLI outside VS Code shows live in the Runs tree and the status
// bar; a run started with Run and Track… keeps going through a window reload, and its open Run panel comes back
// (restored by the panel serializer), still live, until the run finishes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { copyExamples, labbookVsix } from './fixtures';
import { startVsCode } from './harness';
import type { VsCode } from './harness';
import {
  DEBIAN_PYTHON,
  openRunFromPalette,
  openRunsView,
  panelCharts,
  parkMouse,
  readStore,
  runPanelFrame,
  runRow,
  statusIcon,
  writeHeldScript,
} from './labbookUi';
import { waitUntil } from './waitUntil';

// The CLI the .vsix installed, run as a user would from a terminal: `node <extension>/dist/cli.js run -- ...`.
function installedCli(vscode: VsCode): string {
  const extensions = path.join(path.dirname(vscode.userDataDir), 'extensions');
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return path.join(extensions, `labbook.labbook-${manifest.version}`, 'dist', 'cli.js');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function lossPoints(workspace: string, runId: string): number {
  return readStore(workspace, (store) => store.metricSummaries(runId).find((summary) => summary.key === 'loss')?.count ?? 0);
}

async function panelLossCount(vscode: VsCode, name: string): Promise<number> {
  const frame = await runPanelFrame(vscode, name);
  return (await panelCharts(frame)).find((chart) => chart.key === 'loss')?.count ?? 0;
}

test('live runs show in the tree and status bar, and survive a window reload with their Run panel', { timeout: 300_000 }, async (t) => {
  const vsix = labbookVsix();
  const workspace = copyExamples();
  const cliScript = writeHeldScript(path.join(workspace.dir, 'live'), 'cli_count.py');
  const ideScript = writeHeldScript(path.join(workspace.dir, 'live'), 'ide_count.py');
  const started = Date.now();
  let vscode: VsCode | undefined;
  let cli: ChildProcess | undefined;
  try {
    vscode = await startVsCode({ testName: 'live-run', workspace: workspace.dir, extensionVsix: vsix });
    const tree = await openRunsView(vscode);
    const session = vscode;

    await t.test('a run started with the CLI in a terminal shows live in the Runs tree and the status bar', async () => {
      const output: string[] = [];
      cli = spawn(process.execPath, [installedCli(session), 'run', '--name', 'cli-live', '--', DEBIAN_PYTHON, 'live/cli_count.py'], {
        cwd: workspace.dir,
        env: { ...process.env, LABBOOK_DIR: path.join(workspace.dir, '.labbook') },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      cli.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      cli.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      const row = runRow(tree, 'cli-live');
      await statusIcon(row, 'loading~spin').waitFor({ timeout: 60_000 });
      const status = session.page.locator('.statusbar-item', { hasText: 'cli-live' });
      await status.waitFor({ timeout: 30_000 });
      // Name, latest loss (once the first line was parsed) and elapsed time.
      const live = /^cli-live · loss (\d\.\d+) · (\d+\.\d)s$/;
      const first = await waitUntil(
        async () => {
          const text = (await status.innerText()).trim();
          return live.test(text) ? text : undefined;
        },
        { timeoutMs: 30_000, what: 'the status bar to show the run with its loss' },
      );
      // Elapsed time and the latest loss move while the run runs.
      await waitUntil(async () => ((await status.innerText()).trim() !== first ? true : undefined), {
        timeoutMs: 10_000,
        what: 'the status bar to tick',
      });
      assert.match((await status.innerText()).trim(), live);
      await parkMouse(session);
      await session.screenshot('cli-run-live-in-tree-and-status-bar');

      cliScript.finish();
      await statusIcon(row, 'pass').waitFor({ timeout: 60_000 });
      await status.waitFor({ state: 'detached', timeout: 30_000 });
      await waitUntil(() => (cli?.exitCode !== null ? true : undefined), { timeoutMs: 30_000, what: 'the CLI to exit' });
      assert.equal(cli?.exitCode, 0, output.join(''));
      await parkMouse(session);
      await session.screenshot('cli-run-finished');
    });

    await t.test('a run started with Run and Track… keeps going through a window reload, and its Run panel comes back', async () => {
      await session.runCommand('Labbook: Run and Track…', { waitForClose: false });
      await session.answerQuickInput('Run and Track', `${DEBIAN_PYTHON} live/ide_count.py`);
      const isIdeRun = (argv: string[]): boolean => argv[1] === 'live/ide_count.py';
      const run = await waitUntil(() => readStore(workspace.dir, (store) => store.listRuns({}).find((listed) => isIdeRun(listed.argv))), {
        timeoutMs: 60_000,
        what: 'the Run and Track… run to start',
      });
      assert.deepEqual(run.argv, [DEBIAN_PYTHON, 'live/ide_count.py']);
      const runnerPid = readStore(workspace.dir, (store) => store.runnerPid(run.id));
      assert.ok(runnerPid, 'the runner recorded its pid');
      const row = runRow(tree, run.name);
      await statusIcon(row, 'loading~spin').waitFor({ timeout: 60_000 });
      // From the palette rather than by clicking the row: a live run's row is redrawn every few hundred ms, and
      // VS Code drops a redrawn row's old command, so a click landing mid-redraw does nothing ("Actual command not found").
      await openRunFromPalette(session, run.name);
      await (await runPanelFrame(session, run.name)).locator('.status[data-status="RUNNING"]').waitFor({ timeout: 30_000 });
      await parkMouse(session);
      await session.screenshot('ide-run-panel-before-reload');
      const beforeReload = lossPoints(workspace.dir, run.id);

      await session.reloadWindow();
      await session.screenshot('reloaded');
      assert.ok(isAlive(runnerPid), 'the runner outlived the window');
      const treeAfter = await session.treeView('Runs', 60_000);
      await statusIcon(runRow(treeAfter, run.name), 'loading~spin').waitFor({ timeout: 60_000 });
      // The panel is back without being opened again, and it keeps receiving the run's new points.
      const restored = await runPanelFrame(session, run.name);
      await restored.locator('.status[data-status="RUNNING"]').waitFor({ timeout: 30_000 });
      const shown = await panelLossCount(session, run.name);
      assert.ok(shown > beforeReload, `the restored panel shows the points logged during the reload (${shown} > ${beforeReload})`);
      await waitUntil(async () => ((await panelLossCount(session, run.name)) > shown ? true : undefined), {
        timeoutMs: 20_000,
        what: 'new points in the restored panel',
      });
      assert.ok(lossPoints(workspace.dir, run.id) > shown - 1, 'the store keeps receiving points');
      await parkMouse(session);
      await session.screenshot('ide-run-live-after-reload');

      ideScript.finish();
      await statusIcon(runRow(treeAfter, run.name), 'pass').waitFor({ timeout: 60_000 });
      await restored.locator('.status[data-status="FINISHED"]').waitFor({ timeout: 30_000 });
      await waitUntil(() => (isAlive(runnerPid) ? undefined : true), { timeoutMs: 30_000, what: 'the runner to exit' });
      assert.equal(
        readStore(workspace.dir, (store) => store.getRun(run.id).exitCode),
        0,
      );
      await parkMouse(session);
      await session.screenshot('ide-run-finished-after-reload');
    });
    t.diagnostic(`test took ${Date.now() - started} ms`);
  } finally {
    if (cli?.pid !== undefined && cli.exitCode === null) process.kill(-cli.pid, 'SIGKILL');
    cliScript.finish();
    ideScript.finish();
    await vscode?.stop();
    workspace.remove();
  }
});
