// Track This Notebook in a real VS Code with no Jupyter extension: the built-in notebook editor opens the .ipynb and
// shows Labbook's toolbar button, but cannot run cells (Select Kernel only offers to install extensions). The
// command says so and, when asked, creates the run and copies the track line; run in a real IPython kernel started
// outside VS Code (as JupyterLab or jupyter console would), with nothing on its PYTHONPATH, that line records the
// kernel's printed metrics and cells into the run, which the Runs tree shows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { labbookVsix } from './fixtures';
import type { VsCode } from './harness';
import { DEBIAN_PYTHON, inVsCode, openRunsView, parkMouse, readStore, runRow, statusIcon } from './labbookUi';
import { waitUntil } from './waitUntil';

const ROOT = path.resolve(__dirname, '..', '..');
const CELL = 'for loss in [0.5, 0.25, 0.125]:\n    print(f"epoch | loss: {loss}")';
const NOTEBOOK = {
  cells: [{ cell_type: 'code', execution_count: null, id: 'c1', metadata: {}, outputs: [], source: CELL.split(/(?<=\n)/) }],
  metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
};

function notebookWorkspace(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-e2e-notebook-'));
  writeFileSync(path.join(dir, 'explore.ipynb'), JSON.stringify(NOTEBOOK, null, 1));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The toast whose message contains `text`. */
function toast(vscode: VsCode, text: string): ReturnType<VsCode['page']['locator']> {
  return vscode.page.locator('.notifications-toasts .notification-list-item').filter({ hasText: text });
}

/** Runs `cells` in a fresh IPython kernel through jupyter_client, with no PYTHONPATH, and shuts it down. */
function runInOutsideKernel(cwd: string, cells: string[]): string {
  const cellsFile = path.join(cwd, 'cells.json');
  writeFileSync(cellsFile, JSON.stringify(cells));
  const env = { ...process.env };
  delete env.PYTHONPATH;
  const driver = spawnSync(DEBIAN_PYTHON, [path.join(ROOT, 'test', 'fixtures', 'scripts', 'notebook_driver.py'), cellsFile], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(driver.status, 0, driver.stderr);
  return driver.stdout;
}

test(
  'Track This Notebook without the Jupyter extension: says cells cannot run here, then tracks a kernel run elsewhere',
  { timeout: 300_000 },
  async () => {
    const workspace = notebookWorkspace();
    const options = {
      testName: 'notebook-track',
      workspace: workspace.dir,
      extensionVsix: labbookVsix(),
      settings: { 'labbook.python.path': DEBIAN_PYTHON },
    };
    await inVsCode(options, workspace, async (vscode) => {
      const { page } = vscode;
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: vscode.baseUrl });
      const tree = await openRunsView(vscode);
      await vscode.openFile('explore.ipynb');
      const toolbar = page.locator('.notebook-toolbar-container').first();
      await toolbar.getByText('Track This Notebook').waitFor({ timeout: 30_000 });

      // What the built-in notebook UI allows: editing and looking, but Run All only asks for a kernel it does not have.
      await toolbar.getByText('Run All').click();
      const picker = page.locator('.quick-input-widget');
      await picker.getByText('Install/Enable suggested extensions').waitFor({ timeout: 30_000 });
      assert.match(await picker.innerText(), /Select Kernel/);
      await vscode.screenshot('run-all-asks-for-a-kernel-extension');
      await page.keyboard.press('Escape');
      await picker.waitFor({ state: 'hidden', timeout: 10_000 });

      await toolbar.getByText('Track This Notebook').click();
      const warning = toast(vscode, 'cannot run notebook cells');
      await warning.waitFor({ timeout: 30_000 });
      const runsSoFar = existsSync(path.join(workspace.dir, '.labbook')) ? readStore(workspace.dir, (store) => store.listRuns({}).length) : 0;
      assert.equal(runsSoFar, 0, 'no run before the user chooses to track a kernel elsewhere');
      await parkMouse(vscode);
      await vscode.screenshot('no-kernel-here-warning');

      await warning.getByRole('button', { name: 'Track a Kernel Elsewhere' }).click();
      await toast(vscode, 'copied the line that starts recording').waitFor({ timeout: 30_000 });
      const run = await waitUntil(() => readStore(workspace.dir, (store) => store.listRuns({})[0]), { timeoutMs: 30_000, what: 'the notebook run' });
      const row = runRow(tree, run.name);
      await statusIcon(row, 'loading~spin').waitFor({ timeout: 30_000 });
      const line = await page.evaluate(() => navigator.clipboard.readText());
      assert.match(line, /^import sys; .* in sys\.path or sys\.path\.append\(.*\); import labbook\.notebook; labbook\.notebook\.track\(\{/);
      await parkMouse(vscode);
      await vscode.screenshot('run-created-line-copied');

      const printed = runInOutsideKernel(workspace.dir, [line, CELL]);
      assert.match(printed, /epoch \| loss: 0\.125/, 'the kernel still prints its output');
      await statusIcon(row, 'pass').waitFor({ timeout: 60_000 });
      const detail = readStore(workspace.dir, (store) => store.getRunDetail(run.id));
      assert.equal(detail.status, 'FINISHED', 'the kernel shut down, so the session ended');
      assert.equal(detail.sourceFile, 'explore.ipynb');
      assert.deepEqual(
        readStore(workspace.dir, (store) => store.history(run.id, 'loss').map((point) => point.value)),
        [0.5, 0.25, 0.125],
      );
      assert.deepEqual(
        (JSON.parse(detail.tags['labbook.notebook.cells']) as { n: number }[]).map((cell) => cell.n),
        [1, 2],
      );
      await parkMouse(vscode);
      await vscode.screenshot('kernel-session-recorded');
    });
  },
);
