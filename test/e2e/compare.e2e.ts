// Compare in a real VS Code: select three runs in the Runs tree, compare them, change smoothing and axis, then
// open a code diff between two of them (each run's commit + its stored uncommitted patch), then the lineage of the
// model the second baseline made (registered as clf v1, read by the third run).
// Run: node --import tsx --test test/e2e/compare.e2e.ts (LABBOOK_VSIX=… to reuse a packed .vsix).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ModelRegistry } from '../../src/store/registry';
import { Store } from '../../src/store/store';
import { HOSTILE_NAME, seedCompareRuns } from '../fixtures/compare/runs';
import { copyExamples, labbookVsix } from './fixtures';
import { chooseMenuItem, inVsCode, openRunsView, parkMouse, runRow } from './labbookUi';
import { waitUntil } from './waitUntil';

interface CompareChart {
  key: string;
  runs: number;
  chart: { datasets: { label: string; color: string; points: number }[]; x: { type: string }; y: { type: string } } | null;
}

/** A git repository in the workspace: model.py at two commits, and an uncommitted edit of the first as a patch. */
function commitCode(dir: string): { first: string; second: string; patch: string } {
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'e2e',
        GIT_AUTHOR_EMAIL: 'e2e@example.com',
        GIT_COMMITTER_NAME: 'e2e',
        GIT_COMMITTER_EMAIL: 'e2e@example.com',
      },
    });
  const model = path.join(dir, 'model.py');
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, '.gitignore'), '.labbook/\n');
  writeFileSync(model, 'lr = 0.1\nlayers = 2\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'first');
  const first = git('rev-parse', 'HEAD').trim();
  writeFileSync(model, 'lr = 0.01\nlayers = 2\n');
  const patch = git('diff', '--binary', 'HEAD');
  writeFileSync(model, 'lr = 0.1\nlayers = 4\ndropout = 0.2\n');
  git('commit', '-q', '-am', 'second');
  return { first, second: git('rev-parse', 'HEAD').trim(), patch };
}

test("compare three runs selected in the Runs tree, change smoothing and the x axis, then diff two runs' code", { timeout: 420_000 }, async () => {
  const vsix = labbookVsix();
  const workspace = copyExamples();
  const store = Store.open(path.join(workspace.dir, '.labbook'));
  const ids = seedCompareRuns(store);
  const code = commitCode(workspace.dir);
  store.setGitFacts(ids[0], { commit: code.first, branch: 'main', remote: null, dirty: true, patchSha: store.objects.putBuffer(code.patch) });
  store.setGitFacts(ids[1], { commit: code.second, branch: 'main', remote: null, dirty: false, patchSha: null });
  const model = store.objects.putBuffer('weights');
  store.addArtifact({ runId: ids[1], path: 'model.pt', sha256: model, size: 7, role: 'model', direction: 'output' });
  store.addArtifact({ runId: ids[2], path: 'model.pt', sha256: model, size: 7, role: 'model', direction: 'input' });
  const registry = new ModelRegistry(store);
  registry.createModel('clf');
  registry.createVersion('clf', { source: `runs:/${ids[1]}/model.pt`, runId: ids[1] });
  registry.transitionStage('clf', 1, 'Production');
  registry.setAlias('clf', 'champion', 1);
  store.close();
  await inVsCode(
    { testName: 'compare', workspace: workspace.dir, extensionVsix: vsix, viewport: { width: 1600, height: 1000 } },
    workspace,
    async (vscode) => {
      const { page } = vscode;
      const tree = await openRunsView(vscode);
      const baselines = runRow(tree, 'baseline');
      await waitUntil(async () => (await baselines.count()) === 2 || undefined, { timeoutMs: 60_000, what: 'both baseline runs listed' });
      await baselines.nth(0).click();
      await baselines.nth(1).click({ modifiers: ['Control'] });
      const hostile = runRow(tree, HOSTILE_NAME);
      await hostile.click({ modifiers: ['Control'] });
      await vscode.screenshot('three-runs-selected');
      await hostile.click({ button: 'right' });
      await chooseMenuItem(vscode, 'Compare Runs');

      const frame = await vscode.webviewFrame('main[aria-busy="false"] h1.compare-title', 60_000);
      assert.equal(await frame.locator('h1.compare-title').textContent(), 'Compare 3 runs');
      const charts = (): Promise<CompareChart[]> =>
        frame.evaluate(() => (window as unknown as { labbookComparePanel: { charts(): CompareChart[] } }).labbookComparePanel.charts());
      await waitUntil(async () => (await charts()).find((c) => c.key === 'loss')?.chart?.datasets.length === 6 || undefined, {
        timeoutMs: 30_000,
        what: 'loss drawn raw and smoothed for 3 runs',
      });
      const headers = await frame.locator('table.diff thead .run-label').allTextContents();
      assert.equal(headers.length, 3);
      assert.equal(new Set(headers).size, 3, 'labels tell the runs apart');
      assert.ok(headers.includes(HOSTILE_NAME));
      assert.deepEqual(
        await frame
          .locator('table.diff thead .run-label')
          .evaluateAll((buttons) => buttons.map((b) => b.getAttribute('title')?.split('\n')[1]))
          .then((list) => [...list].sort()),
        [...ids].sort(),
      );
      await parkMouse(vscode);
      await vscode.screenshot('compare-panel');

      // Smoothing off: one line per run.
      const slider = frame.locator('.smoothing-slider');
      await slider.fill('0');
      await slider.dispatchEvent('change');
      await waitUntil(async () => (await charts()).find((c) => c.key === 'loss')?.chart?.datasets.length === 3 || undefined, {
        timeoutMs: 30_000,
        what: 'unsmoothed lines',
      });
      // Relative time and log y.
      await frame.locator('vscode-radio', { hasText: 'Relative time' }).click();
      await frame.locator('vscode-checkbox', { hasText: 'Log y' }).click();
      await waitUntil(async () => (await charts()).find((c) => c.key === 'loss')?.chart?.y.type === 'logarithmic' || undefined, {
        timeoutMs: 30_000,
        what: 'log y',
      });
      await parkMouse(vscode);
      await vscode.screenshot('compare-relative-log');

      // Code diff between the two baselines: one file differs; it opens in the diff editor.
      await baselines.nth(0).click();
      await baselines.nth(1).click({ modifiers: ['Control'] });
      await baselines.nth(1).click({ button: 'right' });
      await chooseMenuItem(vscode, 'Code Diff Between Runs');
      const widget = page.locator('.quick-input-widget');
      const item = widget.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^model\.py$/ }) });
      await item.first().waitFor({ timeout: 60_000 });
      await vscode.screenshot('code-diff-files');
      assert.match(
        await page.locator('.quick-input-widget .quick-input-title').innerText(),
        /^Code diff: baseline · [0-9a-f]{7,} ↔ baseline · [0-9a-f]{7,} \(1 file\)$/,
      );
      await item.first().click();
      const diffTab = page.locator('.tab', { hasText: /model\.py \(baseline/ });
      await diffTab.waitFor({ timeout: 60_000 });
      await page.keyboard.press('Escape');
      const editor = page.locator('.monaco-diff-editor');
      await editor.waitFor({ timeout: 60_000 });
      // The editor draws spaces as no-break spaces.
      const side = async (which: 'original' | 'modified'): Promise<string> =>
        (await editor.locator(`.editor.${which} .view-lines`).innerText()).replace(/\u00a0/g, ' ');
      await waitUntil(async () => (await side('original')).includes('lr = 0.01') || undefined, {
        timeoutMs: 30_000,
        what: "the older run's model.py (its commit + its patch)",
      });
      assert.match(await side('modified'), /lr = 0\.1\s+layers = 4\s+dropout = 0\.2/);
      await parkMouse(vscode);
      await vscode.screenshot('code-diff');

      // Lineage of the model version, picked from the palette: its run's commit (on main), the run, the model file,
      // the version, and the third run that read the model, with its own commit. The first baseline is not in it.
      await vscode.runCommand('Labbook: Show Lineage', { waitForClose: false });
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'clf v1' }).waitFor({ timeout: 60_000 });
      await vscode.screenshot('lineage-pick');
      await vscode.pickQuickItem('clf v1');
      const lineage = await vscode.webviewFrame('main.lineage-panel[aria-busy="false"] svg', 60_000);
      const drawn = await lineage.evaluate(() =>
        (window as unknown as { labbookLineagePanel: { drawn(): { nodes: number; edges: number } } }).labbookLineagePanel.drawn(),
      );
      assert.deepEqual([drawn.nodes, drawn.edges], [6, 5], 'commit, run, model, version, the run that read the model and its commit');
      assert.equal(await lineage.locator('h1').textContent(), 'Lineage of clf v1');
      assert.equal(await lineage.locator('g.node.focus').getAttribute('data-id'), 'version:clf/1');
      assert.equal(await lineage.locator('g.node.focus title').textContent(), 'clf v1\nProduction · @champion');
      assert.equal(
        await lineage.locator(`g.node[data-id="commit:${code.second}"] title`).textContent(),
        `${code.second.slice(0, 10)}\ncommit · main`,
      );
      assert.equal(await lineage.locator(`g.node[data-id="run:${ids[0]}"]`).count(), 0, "the first baseline is not in the model's lineage");
      await parkMouse(vscode);
      await vscode.screenshot('lineage');
      await lineage.locator(`g.node[data-id="commit:${code.second}"]`).click();
      await page.locator('.tab', { hasText: `${code.second}.diff` }).waitFor({ timeout: 60_000 });
      await waitUntil(
        async () =>
          (await page.locator('.editor-instance .view-lines').last().innerText()).replace(/\u00a0/g, ' ').includes('dropout = 0.2') || undefined,
        {
          timeoutMs: 30_000,
          what: "the commit's diff opened from the lineage",
        },
      );
      await parkMouse(vscode);
      await vscode.screenshot('lineage-commit');

      // From the Runs tree: the third run's lineage goes back through the model it read to the baseline that made it,
      // and leaves out the version registered from that baseline (not upstream of the third run).
      await hostile.click({ button: 'right' });
      await chooseMenuItem(vscode, 'Show Lineage');
      const runLineage = await vscode.webviewFrame(`main.lineage-panel[aria-busy="false"] g.node.focus[data-id="run:${ids[2]}"]`, 60_000);
      const runDrawn = await runLineage.evaluate(() =>
        (window as unknown as { labbookLineagePanel: { drawn(): { nodes: number; edges: number } } }).labbookLineagePanel.drawn(),
      );
      assert.deepEqual([runDrawn.nodes, runDrawn.edges], [5, 4], 'both runs, their commits and the model between them');
      await parkMouse(vscode);
      await vscode.screenshot('lineage-of-run');
    },
  );
});
