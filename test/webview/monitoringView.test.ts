// The Monitoring view webview in headless chromium under the host's HTML and CSP: the empty state that says how to
// serve a model, a running server's figures and live charts, and the Open Drift Panel button.
// Run: node esbuild.mjs && node --import tsx --test test/webview/monitoringView.test.ts

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServingFigures } from '../../src/core/servingMetrics';
import type { MonitoredServer, MonitoringToWebview } from '../../src/protocol/monitoringView';
import { webviewSuite } from './pageSuite';

const START = Date.UTC(2026, 11, 6, 12, 0, 0);
const figures = (k: number): ServingFigures => ({
  at: START + k * 2000,
  requestRate: 10 + (k % 5),
  errorRate: k % 7 === 0 ? 0.1 : 0,
  p50: 0.004 + k * 0.0001,
  p95: 0.02 + k * 0.0002,
  driftShare: k < 20 ? 0.1 : 0.45,
});
const server = (points: number): MonitoredServer => ({
  id: '4242',
  model: '<b>churn</b>',
  version: 2,
  stage: 'Production',
  url: 'http://127.0.0.1:5001',
  startedAt: new Date(START).toISOString(),
  points: Array.from({ length: points }, (_, k) => figures(k)),
  alertShare: 0.3,
});
const suite = webviewSuite('monitoringView');

describe('Monitoring view webview', () => {
  it('says how to start serving when no model is served', async () => {
    const page = await suite.open({ theme: 'dark', viewport: { width: 360, height: 500 } });
    await page.send({ type: 'monitoringView/update', servers: [] } satisfies MonitoringToWebview);
    await page.page.waitForSelector('main[aria-busy="false"] .empty:not([hidden])');
    assert.match((await page.page.locator('.empty').textContent())!, /labbook serve-model NAME@alias/);
    await page.screenshot('monitoring-empty-dark');
  });

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`charts a server's figures live and opens its drift panel (${theme})`, async () => {
      const page = await suite.open({ theme, viewport: { width: 380, height: 700 } });
      await page.send({ type: 'monitoringView/update', servers: [server(1)] } satisfies MonitoringToWebview);
      await page.page.waitForSelector('main[aria-busy="false"] canvas');
      assert.equal(await page.page.locator('h3').textContent(), '<b>churn</b> v2Production');
      assert.equal(await page.page.evaluate(() => document.querySelectorAll('b').length), 0, 'names are text');
      await page.send({ type: 'monitoringView/update', servers: [server(30)] } satisfies MonitoringToWebview);
      await page.page.waitForFunction(() => window.labbookMonitoringView!.charts()[0]?.datasets[0].points === 30);
      const charts = await page.page.evaluate(() => window.labbookMonitoringView!.charts());
      assert.deepEqual(
        charts.map((c) => [c.chart, c.datasets.map((d) => [d.label, d.points, d.last])]),
        [
          ['requests', [['requests/s', 30, 14]]],
          [
            'latency',
            [
              ['p50', 30, figures(29).p50],
              ['p95', 30, figures(29).p95],
            ],
          ],
          ['errors', [['errors', 30, 0]]],
          [
            'drift',
            [
              ['drift share', 30, 0.45],
              ['alert threshold', 30, 0.3],
            ],
          ],
        ],
      );
      assert.equal(await page.page.locator('.figures').textContent(), '14.0/s · p50 6.90 ms · p95 25.8 ms · errors 0.0% · drift 0.45');
      // A chart with two lines names them beside its title, each in its line's colour.
      const captions = await page.page
        .locator('figcaption')
        .evaluateAll((cs) =>
          cs.map((c) => [c.textContent, [...c.querySelectorAll('.swatch')].map((s) => getComputedStyle(s).backgroundColor)] as const),
        );
      assert.deepEqual(
        captions.map(([text]) => text),
        ['Requests', 'Latencyp50p95', 'Error rate', 'Drift sharedrift sharealert threshold'],
      );
      const [p50, p95] = captions[1][1];
      assert.notEqual(p50, p95, 'p50 and p95 differ in colour');
      assert.deepEqual(
        charts[1].datasets.map((d) => d.color),
        [p50, p95],
        'each key has its line’s colour',
      );
      await page.screenshot(`monitoring-${theme}`);
      await page.page.locator('vscode-button').click();
      assert.deepEqual(await page.waitForPosted('monitoringView/openDrift'), { type: 'monitoringView/openDrift', id: '4242' });
    });
  }

  it('shows a failed scrape and drops a server that stopped', async () => {
    const page = await suite.open({ theme: 'light' });
    await page.send({
      type: 'monitoringView/update',
      servers: [{ ...server(3), error: 'Cannot read http://127.0.0.1:5001/metrics: fetch failed' }],
    } satisfies MonitoringToWebview);
    await page.page.waitForSelector('.problem:not([hidden])');
    assert.equal(await page.page.getByRole('alert').filter({ hasText: 'fetch failed' }).count(), 1);
    await page.send({ type: 'monitoringView/update', servers: [] } satisfies MonitoringToWebview);
    await page.page.waitForSelector('.empty:not([hidden])');
    assert.equal(await page.page.locator('section.server').count(), 0);
    assert.deepEqual(await page.page.evaluate(() => window.labbookMonitoringView!.charts()), []);
  });
});
