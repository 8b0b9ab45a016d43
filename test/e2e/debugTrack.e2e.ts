// Debug and Track Current File in a real VS Code with no Python extension installed: a breakpoint set with F9 in a
// training script, the script stopped there under Labbook's own debug type (VS Code talking DAP to debugpy), the run
// live in the Runs tree with the metrics printed before the breakpoint, tagged debugged; stopping the debug session
// ends the run KILLED.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { labbookVsix } from './fixtures';
import { DEBIAN_PYTHON, inVsCode, openRunsView, parkMouse, readStore, runRow, statusIcon } from './labbookUi';
import { waitUntil } from './waitUntil';

const BREAK_STEP = 5;
// Prints a metric line every 50 ms; the breakpoint goes on the line after step 5's print.
const SCRIPT = [
  'import time',
  'for step in range(1, 400):',
  '    print(f"step {step} | loss: {1.0 / step:.4f}", flush=True)',
  `    if step == ${BREAK_STEP}:`,
  '        checkpoint = step  # breakpoint here',
  '    time.sleep(0.05)',
  '',
].join('\n');
const BREAK_LINE = SCRIPT.split('\n').findIndex((line) => line.includes('# breakpoint here')) + 1;

function scriptWorkspace(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-e2e-debug-'));
  writeFileSync(path.join(dir, 'train.py'), SCRIPT);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

test(
  'Debug and Track Current File stops at a breakpoint while the run records live, and stopping ends it KILLED',
  { timeout: 300_000 },
  async (t) => {
    const workspace = scriptWorkspace();
    const options = {
      testName: 'debug-track',
      workspace: workspace.dir,
      extensionVsix: labbookVsix(),
      settings: { 'labbook.python.path': DEBIAN_PYTHON },
    };
    await inVsCode(options, workspace, async (vscode) => {
      const { page } = vscode;
      const tree = await openRunsView(vscode);
      const installed = readdirSync(path.join(path.dirname(vscode.userDataDir), 'extensions')).filter(
        (name) => !name.startsWith('.') && name !== 'extensions.json',
      );
      assert.deepEqual(
        installed.map((name) => name.replace(/-[\d.]+$/, '')),
        ['labbook.labbook'],
        'Labbook is the only extension: no Python or Python Debugger extension',
      );

      await vscode.openFile('train.py');
      // Each key waits for what the last one opened: on a loaded machine, keys typed before Go to Line's box is up
      // land in the editor, and F9 before the cursor moved sets the breakpoint elsewhere.
      await page.keyboard.press('Control+G');
      await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 30_000 });
      await page.keyboard.type(String(BREAK_LINE));
      await page.keyboard.press('Enter');
      await page.locator('.statusbar-item', { hasText: `Ln ${BREAK_LINE},` }).waitFor({ timeout: 30_000 });
      await page.keyboard.press('F9');
      const editor = page.locator('.editor-instance .monaco-editor').first();
      // The glyph appears only because Labbook contributes breakpoints for Python (no other extension does here).
      await editor.locator('.codicon-debug-breakpoint').first().waitFor({ timeout: 30_000 });
      await parkMouse(vscode);
      await vscode.screenshot('breakpoint-set');

      await vscode.runCommand('Labbook: Debug and Track Current File');
      await page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 90_000 });
      await editor.locator('.codicon-debug-stackframe').first().waitFor({ timeout: 90_000 });
      // The Call Stack section's header shows the session's state.
      const callStack = page.locator('.pane').filter({ has: page.locator('.pane-header[aria-label^="Call Stack"]') });
      await callStack
        .getByText(/paused on breakpoint/i)
        .first()
        .waitFor({ timeout: 30_000 });
      // The header says paused a moment before the frames are listed under it.
      const topFrame = new RegExp(`train\\.py\\s+${BREAK_LINE}:1`);
      await waitUntil(async () => (topFrame.test(await callStack.innerText()) ? true : undefined), {
        timeoutMs: 30_000,
        what: `the top frame on the breakpoint's line ${BREAK_LINE}`,
      });
      await parkMouse(vscode);
      await vscode.screenshot('paused-at-breakpoint');

      // Paused: the run is live, debugged, and holds exactly the metric lines printed before the breakpoint.
      const run = readStore(workspace.dir, (store) => store.listRuns({})[0]);
      assert.ok(run, 'Debug and Track started a run');
      const expected = Array.from({ length: BREAK_STEP }, (_, i) => Number((1 / (i + 1)).toFixed(4)));
      const loss = await waitUntil(
        () => {
          const points = readStore(workspace.dir, (store) => store.history(run.id, 'loss').map((point) => point.value));
          return points.length === BREAK_STEP ? points : undefined;
        },
        { timeoutMs: 30_000, what: `the ${BREAK_STEP} loss values printed before the breakpoint in the store` },
      );
      assert.deepEqual(loss, expected);
      const detail = readStore(workspace.dir, (store) => store.getRunDetail(run.id));
      assert.equal(detail.status, 'RUNNING');
      assert.equal(detail.tags['labbook.debugged'], 'true');
      assert.equal(detail.sourceFile, 'train.py', 'the script is recorded, not debugpy');

      await page.locator('.activitybar a.action-label[aria-label^="Labbook"]').click();
      const row = runRow(tree, run.name);
      await statusIcon(row, 'loading~spin').waitFor({ timeout: 30_000 });
      await parkMouse(vscode);
      await vscode.screenshot('run-live-in-tree-while-paused');

      await page.keyboard.press('Shift+F5');
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
      await waitUntil(() => (readStore(workspace.dir, (store) => store.getRun(run.id).status) === 'KILLED' ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the run to end KILLED once the debug session stopped',
      });
      await statusIcon(row, 'circle-slash').waitFor({ timeout: 30_000 });
      // Stop resumes the script in debugpy (a disconnect) as Labbook interrupts the runner: the run keeps what was
      // printed before the breakpoint, and at most the few steps the script took before the interrupt reached it.
      const after = readStore(workspace.dir, (store) => store.history(run.id, 'loss').map((point) => point.value));
      assert.deepEqual(after.slice(0, BREAK_STEP), expected);
      t.diagnostic(`steps recorded after Stop: ${after.length - BREAK_STEP}`);
      await parkMouse(vscode);
      await vscode.screenshot('run-killed-after-stop');
    });
  },
);
