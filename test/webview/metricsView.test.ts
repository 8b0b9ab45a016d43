// The sidebar Metrics view page in headless chromium, under the host's real HTML and CSP, fed by the real host
// feed (src/extension/metricsViewFeed.ts) over a temporary store: snapshot, increments, empty states, text-only
// run data and the Open Run message. Saves screenshots per theme at a sidebar's width.
// Run: node esbuild.mjs && node --import tsx --test test/webview/metricsView.test.ts

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { MetricsViewFeed } from '../../src/extension/metricsViewFeed';
import type { MetricsViewToWebview } from '../../src/protocol/metricsView';
import { Store } from '../../src/store/store';
import { WebviewHarness } from './harness';
import type { ThemeKind, WebviewPage } from './harness';

const HOSTILE = '<img src=x onerror="window.__pwned=1"> run';
const START = Date.UTC(2026, 10, 28, 12, 0, 0);
const SIDEBAR = { width: 320, height: 720 };

let harness: WebviewHarness;
let current: WebviewPage | undefined;
let store: Store;
let dir: string;

before(async () => {
  harness = await WebviewHarness.start();
  dir = mkdtempSync(join(tmpdir(), 'labbook-metrics-view-page-'));
  store = Store.open(join(dir, '.labbook'));
});

after(async () => {
  await harness?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  if (!current) return;
  const { csp, errors } = await current.recorded();
  await current.page.context().close();
  current = undefined;
  assert.deepEqual(csp, [], 'CSP violations');
  assert.deepEqual(errors, [], 'page errors');
});

async function open(theme: ThemeKind = 'dark'): Promise<WebviewPage> {
  current = await harness.open('metricsView', { theme, viewport: SIDEBAR, fixedTime: START + 60_000 });
  return current;
}

function liveRun(): string {
  const run = store.createRun({ name: HOSTILE, cwd: '/ws', argv: ['python3', 'train.py'], startTime: START });
  store.logMetrics(
    run.id,
    Array.from({ length: 10 }, (_, step) => [
      { key: 'loss', value: 1 / (step + 1), step, timestamp: START + step * 1000 },
      { key: 'acc', value: 0.5 + step / 25, step, timestamp: START + step * 1000 },
    ]).flat(),
  );
  return run.id;
}

async function send(page: WebviewPage, messages: MetricsViewToWebview[]): Promise<void> {
  for (const message of messages) await page.send(message);
}

/** Waits until the chart of `key` draws `points` points (charts redraw on the next animation frame). */
async function waitForChartPoints(page: WebviewPage, key: string, points: number): Promise<void> {
  await page.page.waitForFunction(
    ([k, n]) => window.labbookMetricsView!.charts().find((c) => c.key === k)?.chart?.datasets[0].data.length === n,
    [key, points] as const,
    { timeout: 10_000 },
  );
}

describe('Metrics view page', () => {
  it('says what to do when there is nothing to show', async () => {
    const page = await open();
    const feed = new MetricsViewFeed();
    await send(page, feed.update(undefined, []));
    await page.page.waitForSelector('main[aria-busy="false"]');
    assert.match(await page.page.locator('.empty').innerText(), /No runs in this workspace yet.*Run and Track/);
    await page.screenshot('metricsView-no-store');
    await send(page, feed.update(store, []));
    assert.match(await page.page.locator('.empty').innerText(), /Select a run in the Runs view/);
    assert.ok(await page.page.locator('.run-header').isHidden());
  });

  for (const theme of ['dark', 'light', 'high-contrast'] as const) {
    it(`draws the live run and grows its charts with increments (${theme})`, async () => {
      const id = liveRun();
      const page = await open(theme);
      const feed = new MetricsViewFeed();
      await send(page, feed.update(store, []));
      await page.page.waitForSelector('main[aria-busy="false"]');
      // Run data is text: the name shows as typed and no element came from it.
      assert.equal(await page.page.locator('.run-name').innerText(), HOSTILE);
      assert.equal(await page.page.locator('main img').count(), 0);
      assert.match(await page.page.locator('.run-status').innerText(), /Running · the live run/);
      assert.deepEqual(await page.page.locator('.metric-key').allInnerTexts(), ['acc', 'loss']);
      await waitForChartPoints(page, 'loss', 10);
      store.logMetrics(id, [
        { key: 'loss', value: 0.05, step: 10, timestamp: START + 10_000 },
        { key: 'f1', value: 0.7, step: 10, timestamp: START + 10_000 },
      ]);
      await send(page, feed.update(store, []));
      await waitForChartPoints(page, 'loss', 11);
      await waitForChartPoints(page, 'f1', 1);
      assert.deepEqual(await page.page.locator('.metric-key').allInnerTexts(), ['acc', 'f1', 'loss']);
      assert.equal(await page.page.locator('.metric-card', { hasText: 'loss' }).locator('.metric-last').innerText(), '0.05');
      assert.equal(await page.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
      await page.screenshot(`metricsView-live-${theme}`);
      store.finishRun(id, 'FINISHED', { exitCode: 0 });
      await page.page.locator('.open-run').click();
      assert.deepEqual(await page.waitForPosted('metricsView/openRun'), { type: 'metricsView/openRun', runId: id });
    });
  }
});
