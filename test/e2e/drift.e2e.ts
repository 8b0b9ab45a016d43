// Issue 15: the Drift panel on two CSVs from the command palette (Check Data Drift…, reference then current) and
// from a data file's explorer context menu (Check Drift Against…), and the drifted column as a warning on the
// current file's header in the Problems panel, gone once the panel is closed; a window reload brings the panel back.
// Run: LABBOOK_VSIX=… node --import tsx --test test/e2e/drift.e2e.ts

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import { labbookVsix } from './fixtures';
import type { VsCode } from './harness';
import { chooseMenuItem, EXTENSION_ID, inVsCode, openRunsView, parkMouse } from './labbookUi';
import { waitUntil } from './waitUntil';

/** data/train.csv and data/live.csv: 300 rows each; live's age is shifted by 15 years, income and city are not. */
function dataWorkspace(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-e2e-drift-'));
  mkdirSync(path.join(dir, 'data'));
  const rows = (shift: number): string =>
    [
      'customer_id,age,income,city',
      ...Array.from(
        { length: 300 },
        (_, i) => `${i},${20 + ((i * 7) % 40) + shift},${30000 + ((i * 131) % 50000)},${['Paris', 'Oslo', 'Rome'][i % 3]}`,
      ),
    ].join('\n') + '\n';
  writeFileSync(path.join(dir, 'data', 'train.csv'), rows(0));
  writeFileSync(path.join(dir, 'data', 'live.csv'), rows(15));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function driftPanel(vscode: VsCode): Promise<Frame> {
  return vscode.webviewFrame('main[aria-busy="false"] table.columns', 60_000);
}

async function tableRows(frame: Frame): Promise<string[][]> {
  return frame.locator('table.columns tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => cell.textContent ?? '')));
}

/** The Problems panel's rows (focused with its keyboard shortcut). */
async function problems(vscode: VsCode): Promise<string> {
  await vscode.runCommand('Problems: Focus on Problems View');
  return vscode.page.locator('.markers-panel').innerText();
}

test('the Drift panel on two CSVs, its warnings in the Problems panel, and Check Drift Against… in the Explorer', { timeout: 240_000 }, async () => {
  const workspace = dataWorkspace();
  const options = { testName: 'drift', workspace: workspace.dir, extensionVsix: labbookVsix(), viewport: { width: 1400, height: 900 } };
  await inVsCode(options, workspace, async (vscode) => {
    // The extension activates when its view opens (or one of its commands runs).
    await openRunsView(vscode);
    await vscode.waitForActivation(EXTENSION_ID, 60_000);
    await vscode.runCommand('Labbook: Check Data Drift…', { waitForClose: false });
    await vscode.answerQuickInput('(1/2)', 'train.csv');
    await vscode.answerQuickInput('(2/2)', 'live.csv');
    const frame = await driftPanel(vscode);
    assert.equal(await frame.locator('.verdict').textContent(), 'No dataset drift: 1 of 4 columns drifted (share 0.25, threshold 0.5).');
    const rows = await tableRows(frame);
    assert.deepEqual(
      rows.map(([column, type, method, , , verdict]) => [column, type, method, verdict]),
      [
        ['age', 'numeric', 'ks', 'Drift'],
        ['customer_id', 'numeric', 'ks', 'No drift'],
        ['income', 'numeric', 'ks', 'No drift'],
        ['city', 'categorical', 'chisquare', 'No drift'],
      ],
    );
    const charts = await frame.evaluate(() =>
      (window as unknown as { labbookDriftPanel: { charts(): { column: string; reference: number[] }[] } }).labbookDriftPanel.charts(),
    );
    assert.deepEqual(
      charts.map((c) => c.column),
      ['age', 'customer_id', 'income', 'city'],
    );
    assert.equal(charts[0].reference.length, 20);
    await parkMouse(vscode);
    await vscode.screenshot('drift-panel');

    // The drifted column on live.csv's header line, at its position; nothing for the others.
    const listed = await waitUntil(
      async () => {
        const text = await problems(vscode);
        return text.includes("Data drift in column 'age'") ? text : undefined;
      },
      { timeoutMs: 30_000, what: 'the drift warning in the Problems panel' },
    );
    assert.match(listed, /live\.csv/);
    assert.match(listed, /\[Ln 1, Col 13\]/);
    assert.doesNotMatch(listed, /column 'income'/);
    await vscode.screenshot('drift-problems');

    // Closing the panel takes its warnings away.
    await frame.locator('h1').click();
    await vscode.runCommand('View: Close Editor');
    await waitUntil(async () => (!(await problems(vscode)).includes('Data drift') ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the drift warning to go with the panel',
    });

    // Explorer: right-click live.csv, Check Drift Against…, pick train.csv.
    await vscode.runCommand('View: Show Explorer');
    const explorer = vscode.page.locator('.explorer-folders-view');
    await explorer.locator('.monaco-list-row', { hasText: /^data$/ }).click();
    await explorer.locator('.monaco-list-row', { hasText: /^live\.csv$/ }).click({ button: 'right' });
    await chooseMenuItem(vscode, 'Check Drift Against…');
    await vscode.answerQuickInput('Against…: pick the reference data', 'train.csv');
    const again = await driftPanel(vscode);
    assert.deepEqual((await tableRows(again))[0].slice(0, 1), ['age']);
    assert.match((await again.locator('.files').textContent()) ?? '', /^Reference data\/train\.csv · current data\/live\.csv$/);

    // A window reload brings the panel back comparing the same two files, with the warning in the Problems panel.
    await vscode.reloadWindow();
    const restored = await driftPanel(vscode);
    assert.deepEqual((await tableRows(restored))[0].slice(0, 1), ['age']);
    assert.match((await restored.locator('.files').textContent()) ?? '', /^Reference data\/train\.csv · current data\/live\.csv$/);
    await vscode.screenshot('drift-restored');
    await waitUntil(async () => ((await problems(vscode)).includes("Data drift in column 'age'") ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the drift warning after the reload',
    });
  });
});
