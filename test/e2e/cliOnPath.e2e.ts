// Issue 12 item 8 in a real VS Code: a new terminal has the bundled `labbook` on PATH, so the welcome text's advice
// (`labbook run -- python train.py`) works as typed. (Item 10f, the port-forward notification, does not happen in
// code-server even without Labbook's remote.portsAttributes default, so it is checked on the manifest instead:
// test/unit/extensionManifest.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyExamples, labbookVsix } from './fixtures';
import type { VsCode } from './harness';
import { EXTENSION_ID, inVsCode, openRunsView } from './labbookUi';
import { waitUntil } from './waitUntil';

const SCRIPT = "print('loss: 0.5'); print('loss: 0.25')";

async function trackFromTerminal(vscode: VsCode): Promise<string> {
  await vscode.runCommand('Terminal: Create New Terminal');
  await vscode.page.locator('.terminal-wrapper.active .xterm-rows, .terminal .xterm-rows').first().waitFor({ timeout: 30_000 });
  await vscode.page.keyboard.type(
    `command -v labbook; labbook --version; labbook run --name from-path -- /usr/bin/python3 -c "${SCRIPT}"; echo "exit=$?"\n`,
  );
  return waitUntil(
    async () => {
      const shown = await vscode.terminalText();
      return /exit=\d+/.test(shown) ? shown : undefined;
    },
    { timeoutMs: 90_000, what: 'the tracked run to end in the terminal' },
  );
}

for (const variant of [
  { name: 'dark-1400x900', theme: 'Default Dark Modern', viewport: { width: 1400, height: 900 } },
  { name: 'light-1024x768', theme: 'Default Light Modern', viewport: { width: 1024, height: 768 } },
  { name: 'hc-1400x900', theme: 'Default High Contrast', viewport: { width: 1400, height: 900 } },
]) {
  test(`a new terminal has labbook on PATH and tracks a run with it (${variant.name})`, { timeout: 300_000 }, async () => {
    const workspace = copyExamples();
    await inVsCode(
      {
        testName: `cli-on-path-${variant.name}`,
        workspace: workspace.dir,
        extensionVsix: labbookVsix(),
        viewport: variant.viewport,
        settings: { 'workbench.colorTheme': variant.theme },
      },
      workspace,
      async (vscode) => {
        const tree = await openRunsView(vscode);
        await vscode.waitForActivation(EXTENSION_ID, 60_000);
        await vscode.moveMouseAway();
        await vscode.screenshot('welcome');
        const text = await trackFromTerminal(vscode);
        assert.match(text, /\/labbook\/bin\/labbook|globalStorage.*\/bin\/labbook/);
        assert.match(text, /labbook \d+\.\d+\.\d+ \(Node v\d+/);
        assert.match(text, /exit=0/);
        assert.match(text, /run from-path finished/);
        await tree.locator('.monaco-list-row', { hasText: 'from-path' }).first().waitFor({ timeout: 30_000 });
        await vscode.moveMouseAway();
        await vscode.screenshot('terminal-and-run');
      },
    );
  });
}
