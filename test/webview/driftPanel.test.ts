// The Drift panel webview in headless chromium under the host's HTML and CSP, fed the report the host builds from
// two generated datasets (test/unit/driftView.test.ts checks that mapping).
// Run: node esbuild.mjs && node --import tsx --test test/webview/driftPanel.test.ts

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeDrift, type DatasetSample } from '../../src/core/drift';
import { driftPanelReport } from '../../src/core/driftView';
import type { DriftToWebview } from '../../src/protocol/driftPanel';
import { webviewSuite } from './pageSuite';

const HOSTILE = '<img src=x onerror=alert(1)>';

function dataset(name: string, from: number, cities: string[]): DatasetSample {
  const counts = new Map<string, number>();
  for (let i = 0; i < 300; i++) counts.set(cities[i % cities.length], (counts.get(cities[i % cities.length]) ?? 0) + 1);
  const numbers = Float64Array.from({ length: 300 }, (_, i) => from + (i % 100) / 10);
  return {
    name,
    rows: 300,
    columns: new Map([
      ['age', { numbers: numbers.sort(), sorted: true, missing: 0, integerDtype: false }],
      [HOSTILE, { counts, missing: 0, integerDtype: false }],
    ]),
  };
}

const saved = { reference: 'file:///w/data/train.csv', current: 'file:///w/data/live.csv' };
const files = { reference: 'data/train.csv', current: 'data/live.csv', saved };
const report = driftPanelReport(computeDrift(dataset('train.csv', 0, ['a', 'b', 'c']), dataset('live.csv', 4, ['a', 'b', 'c'])));
const suite = webviewSuite('driftPanel');

describe('Drift panel webview', () => {
  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`shows the verdict, a row per column and both histograms overlaid (${theme})`, async () => {
      const page = await suite.open({ theme, viewport: { width: 900, height: 800 } });
      await page.send({ type: 'driftPanel/loading', files } satisfies DriftToWebview);
      await page.page.waitForSelector('main[aria-busy="true"]');
      assert.deepEqual(await page.page.evaluate(() => (window as unknown as { __state: unknown }).__state), saved, 'kept for a window reload');
      assert.equal(await page.page.locator('.verdict').textContent(), 'Reading data/train.csv and data/live.csv…');
      await page.send({ type: 'driftPanel/report', files, report } satisfies DriftToWebview);
      await page.page.waitForSelector('main[aria-busy="false"]');
      assert.equal(
        await page.page.locator('.verdict').textContent(),
        'No dataset drift: 1 of 2 columns drifted (share 0.5, threshold 0.5).'.replace('No dataset drift', 'Dataset drift'),
      );
      const rows = await page.page
        .locator('table.columns tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      assert.deepEqual(rows, [
        ['age', 'numeric', 'ks', `${report.columns[0].score} p-value`, '0.05', 'Drift'],
        [HOSTILE, 'categorical', 'chisquare', '1 p-value', '0.05', 'No drift'],
      ]);
      assert.equal(await page.page.evaluate(() => document.querySelectorAll('img').length), 0, 'names are text, never HTML');
      const charts = await page.page.evaluate(() => window.labbookDriftPanel!.charts());
      assert.deepEqual(
        charts.map((c) => [c.column, c.labels.length, c.reference, c.current]),
        report.columns.map((c) => [c.column, c.histogram.labels.length, c.histogram.reference, c.histogram.current]),
      );
      assert.notEqual(charts[0].colors[0], charts[0].colors[1], 'reference and current differ in colour');
      await page.screenshot(`drift-${theme}`);
    });
  }

  it('moves to a column’s histogram from its name with the keyboard, and asks to open a file or check again', async () => {
    const page = await suite.open({ theme: 'dark' });
    await page.send({ type: 'driftPanel/report', files, report } satisfies DriftToWebview);
    await page.page.waitForSelector('main[aria-busy="false"]');
    await page.page.locator('table.columns tbody th button').nth(1).focus();
    await page.page.keyboard.press('Enter');
    assert.equal(await page.page.evaluate(() => document.activeElement?.id), 'chart-1');
    await page.page.getByRole('button', { name: 'data/live.csv' }).click();
    assert.deepEqual(await page.waitForPosted('driftPanel/openFile'), { type: 'driftPanel/openFile', which: 'current' });
    await page.page.locator('vscode-button').click();
    assert.deepEqual(await page.waitForPosted('driftPanel/rerun'), { type: 'driftPanel/rerun' });
  });

  it('shows an error (mismatched schemas) in an alert and drops the old report', async () => {
    const page = await suite.open({ theme: 'light' });
    await page.send({ type: 'driftPanel/report', files, report } satisfies DriftToWebview);
    await page.page.waitForSelector('main[aria-busy="false"] canvas');
    const message = 'The two datasets share no column: reference has a, b; current has x, y.';
    await page.send({ type: 'driftPanel/error', message, files } satisfies DriftToWebview);
    await page.page.waitForSelector('main[aria-busy="false"] .banner:not([hidden])');
    assert.equal(await page.page.getByRole('alert').textContent(), message);
    assert.equal(await page.page.locator('canvas').count(), 0);
    assert.deepEqual(await page.page.evaluate(() => window.labbookDriftPanel!.charts()), []);
    await page.screenshot('drift-error-light');
  });
});
