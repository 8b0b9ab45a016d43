// The window's MLflow-compatible tracking server (labbook.trackingServer.enabled), in a real VS Code: a new
// terminal gets MLFLOW_TRACKING_URI / _TOKEN / MLFLOW_DISABLE_TELEMETRY, the server answers with that token, and
// a run created through it shows in the Runs view.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyExamples, labbookVsix, recordRun } from './fixtures';
import { inVsCode } from './labbookUi';
import { waitUntil } from './waitUntil';

const EXTENSION_ID = 'labbook.labbook';

test('new terminals reach the tracking server the window runs', { timeout: 300_000 }, async () => {
  const vsix = labbookVsix();
  const workspace = copyExamples();
  recordRun(workspace.dir, 'first-run');
  await inVsCode(
    {
      testName: 'tracking-server',
      workspace: workspace.dir,
      extensionVsix: vsix,
      settings: { 'labbook.trackingServer.enabled': true },
    },
    workspace,
    async (vscode) => {
      const session = vscode;
      await session.waitForActivation(EXTENSION_ID, 60_000);
      await session.runCommand('Terminal: Create New Terminal');
      const terminal = session.page.locator('.terminal-wrapper.active .xterm-rows, .terminal .xterm-rows').first();
      await terminal.waitFor({ timeout: 30_000 });
      const create = `{"experiment_id": "0", "run_name": "from-terminal"}`;
      await session.page.keyboard.type(
        `echo "telemetry=$MLFLOW_DISABLE_TELEMETRY uri=\${MLFLOW_TRACKING_URI%%:*}"; curl -s -H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN" $MLFLOW_TRACKING_URI/health; echo; ` +
          `curl -s -o /dev/null -w "created=%{http_code}\\n" -H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN" -H "Content-Type: application/json" -d '${create}' $MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/create; ` +
          `curl -s -o /dev/null -w "anonymous=%{http_code}\\n" $MLFLOW_TRACKING_URI/health\n`,
      );
      const text = await waitUntil(
        async () => {
          const shown = await session.terminalText();
          return /anonymous=\d+/.test(shown) ? shown : undefined;
        },
        { timeoutMs: 30_000, what: 'the curl output in the terminal' },
      );
      assert.match(text, /telemetry=true uri=http/);
      assert.match(text, /^OK$/m);
      assert.match(text, /created=200/);
      assert.match(text, /anonymous=401/);
      await session.page.locator('.activitybar a.action-label[aria-label^="Labbook"]').click();
      const runs = await session.treeView('Runs', 30_000);
      await runs.locator('.monaco-list-row', { hasText: 'from-terminal' }).first().waitFor({ timeout: 30_000 });
      await session.moveMouseAway();
      await session.screenshot('terminal-and-runs');
    },
  );
});
