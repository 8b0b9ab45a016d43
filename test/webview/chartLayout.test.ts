// Chart layout in the Run panel, the Metrics view and Compare (issue 12, items 5 and 10b): system metrics in a
// collapsed section of their own, whole-step ticks and a real range for a one-point series, log-y labels that do
// not overlap, and Compare's toolbar that never covers a chart. Screenshots per theme at 1400x900 and 1024x768.
// Run: node esbuild.mjs && node --import tsx --test test/webview/chartLayout.test.ts

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HistoryPoint } from '../../src/core/types';
import type { CompareMetric } from '../../src/protocol/comparePanel';
import { BROWSER_IDS, expectedSnapshot as compareSnapshot } from '../fixtures/compare/runs';
import { BROWSER_ENV, START, expectedSnapshot as runSnapshot, fullSeries } from '../fixtures/runPanel/liveRun';
import type { OpenOptions, ThemeKind, WebviewPage } from './harness';
import { webviewPages } from './pageSuite';

type TickBox = { label: string; top: number; bottom: number };

const THEMES: ThemeKind[] = ['light', 'dark', 'high-contrast'];
const VIEWPORTS = [
  { width: 1400, height: 900 },
  { width: 1024, height: 768 },
];

const pages = webviewPages();

function open(name: string, options: OpenOptions): Promise<WebviewPage> {
  return pages.open(name, options);
}

function points(values: readonly number[]): HistoryPoint[] {
  return values.map((value, step) => ({ step, timestamp: START + step * 1000, value }));
}

/** A learning rate decaying over ten decades, one system metric logged once, one logged twice (the fixture has a third). */
const EXTRA_SERIES = [
  fullSeries('lr', points(Array.from({ length: 61 }, (_, step) => 10 ** (-step / 6)))),
  fullSeries('system/cpu_percent', points([33])),
  fullSeries('system/rss_mb', points([512, 530])),
];

function assertApart(boxes: readonly TickBox[], what: string): void {
  assert.ok(boxes.length >= 2, `${what}: ${boxes.length} labels`);
  for (let i = 1; i < boxes.length; i++)
    assert.ok(boxes[i].top >= boxes[i - 1].bottom, `${what}: "${boxes[i - 1].label}" and "${boxes[i].label}" overlap`);
}

/** True when every label reads as 1, 2 or 5 times a power of ten. */
function oneTwoFive(boxes: readonly TickBox[]): boolean {
  return boxes.every(({ label }) => {
    const mantissa = Number(label) / 10 ** Math.floor(Math.log10(Number(label)));
    return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9);
  });
}

/** The chart of `key` once drawn at its size (at least three y labels). */
async function runPanelChart(
  page: WebviewPage,
  key: string,
): Promise<{ x: { min: number | null; max: number | null }; y: { type: string; ticks: TickBox[] } }> {
  const handle = await page.page.waitForFunction(
    (k) => window.labbookRunPanel?.charts().find((c) => c.key === k && c.chart && c.chart.y.ticks.length >= 3)?.chart,
    key,
    { timeout: 10_000 },
  );
  return (await handle.jsonValue()) as Awaited<ReturnType<typeof runPanelChart>>;
}

describe('Run panel charts', () => {
  it('keeps system metrics in a collapsed System section, with whole-step ticks and a real range for one point', async () => {
    const page = await open('runPanel', { theme: 'dark', fixedTime: START + 83_000, viewport: VIEWPORTS[0] });
    const snapshot = runSnapshot(BROWSER_ENV);
    await page.send({ ...snapshot, metrics: [...snapshot.metrics, ...EXTRA_SERIES] });
    await page.page.waitForSelector('.metric-card');
    const userKeys = await page.page.locator('.section:not(.system-section) > .charts .metric-key').allTextContents();
    assert.ok(userKeys.includes('lr') && !userKeys.some((key) => key.startsWith('system/')), userKeys.join());
    const system = page.page.locator('vscode-collapsible.system-section');
    assert.deepEqual(await system.evaluate((s: HTMLElement & { open?: boolean; description?: string }) => [s.open, s.description, s.hidden]), [
      false,
      '3',
      false,
    ]);
    assert.deepEqual(await system.locator('.metric-key').allTextContents(), ['system/cpu_percent', 'system/gpu_memory_gb', 'system/rss_mb']);
    assert.equal(
      await page.page
        .locator('vscode-collapsible.section:not(.system-section)')
        .first()
        .evaluate((s: Element & { description?: string }) => s.description),
      '3',
      'Metrics counts the user metrics',
    );
    await system.evaluate((s: Element & { open?: boolean }) => (s.open = true));

    const cpu = await runPanelChart(page, 'system/cpu_percent');
    assert.deepEqual([cpu.x.min, cpu.x.max], [-1, 1], 'one step: whole steps either side');
    const labels = cpu.y.ticks.map((t) => t.label);
    assert.equal(new Set(labels).size, labels.length, `a flat series gets distinct y labels: ${labels.join(' / ')}`);
    assert.ok(Number(labels[0]) > 33 && Number(labels.at(-1)) < 33, labels.join(' / '));
    await page.page.locator('vscode-collapsible.system-section').scrollIntoViewIfNeeded();
    await page.screenshot('layout-run-system-linear-dark');
  });

  it('draws log-y ticks at 1-2-5 or powers of ten that never overlap, in every theme and size', async () => {
    for (const viewport of VIEWPORTS) {
      const page = await open('runPanel', { theme: 'light', fixedTime: START + 83_000, viewport, savedState: { logScale: true, smoothing: 0 } });
      const snapshot = runSnapshot(BROWSER_ENV);
      await page.send({ ...snapshot, metrics: [...snapshot.metrics, ...EXTRA_SERIES] });
      const lr = await runPanelChart(page, 'lr');
      assert.equal(lr.y.type, 'logarithmic');
      assertApart(lr.y.ticks, `lr at ${viewport.width}`);
      assert.ok(oneTwoFive(lr.y.ticks), lr.y.ticks.map((t) => t.label).join());
      await page.page.locator('vscode-collapsible.system-section').evaluate((s: Element & { open?: boolean }) => (s.open = true));
      for (const theme of THEMES) {
        await page.setTheme(theme);
        await page.page.locator('article.metric-card:has(h3:text-is("lr"))').scrollIntoViewIfNeeded();
        await page.screenshot(`layout-run-${theme}-${viewport.width}`);
      }
      await pages.discard();
    }
  });
});

describe('Metrics view', () => {
  it('puts system metrics in a collapsed System section under the user metrics', async () => {
    const page = await open('metricsView', { theme: 'dark', viewport: { width: 320, height: 720 }, fixedTime: START + 60_000 });
    const snapshot = runSnapshot(BROWSER_ENV);
    const run = { id: BROWSER_ENV.runId, name: 'resnet', experimentName: 'vision', status: 'RUNNING', startTime: START, source: 'live' };
    await page.send({ type: 'metricsView/show', run, metrics: [...snapshot.metrics, ...EXTRA_SERIES] });
    const system = page.page.locator('vscode-collapsible.system-section');
    await system.waitFor();
    assert.deepEqual(await system.evaluate((s: Element & { open?: boolean; description?: string }) => [s.open, s.description]), [false, '3']);
    assert.deepEqual(await system.locator('.metric-key').allTextContents(), ['system/cpu_percent', 'system/gpu_memory_gb', 'system/rss_mb']);
    const userKeys = await page.page.locator('main > .charts .metric-key').allTextContents();
    assert.ok(userKeys.length > 0 && !userKeys.some((key) => key.startsWith('system/')), userKeys.join());
    for (const theme of THEMES) {
      await page.setTheme(theme);
      await page.screenshot(`layout-metrics-view-${theme}`);
    }
  });
});

function systemMetric(metric: CompareMetric): CompareMetric {
  return { ...metric, key: 'system/cpu_percent' };
}

describe('Compare charts', () => {
  it('keeps the toolbar off the first chart row, log-y labels apart, system metrics collapsed, missing values drawn', async () => {
    for (const viewport of VIEWPORTS) {
      const page = await open('comparePanel', {
        theme: 'dark',
        viewport,
        savedState: { smoothing: 0, axis: 'step', logY: true, logX: false, onlyDifferences: true },
      });
      const snapshot = compareSnapshot(BROWSER_IDS);
      const loss = snapshot.metrics.find((m) => m.key === 'loss')!;
      await page.send({ ...snapshot, metrics: [...snapshot.metrics, systemMetric(loss)] });
      await page.page.waitForFunction(() => window.labbookComparePanel?.charts().find((c) => c.key === 'loss')?.chart?.y.ticks.length);
      const charts = await page.page.evaluate(() => window.labbookComparePanel!.charts());
      assert.deepEqual(charts.map((c) => c.key).sort(), ['accuracy', 'loss', 'system/cpu_percent']);
      for (const chart of charts.filter((c) => c.key !== 'system/cpu_percent'))
        assertApart(chart.chart!.y.ticks, `${chart.key} at ${viewport.width}`);
      const system = page.page.locator('vscode-collapsible.system-section');
      assert.equal(await system.evaluate((s: Element & { open?: boolean }) => s.open), false);

      // Scrolled so the first chart row starts at the top of what scrolls: the toolbar is above it, not over it.
      const firstChart = page.page.locator('article.metric-card .chart-box').first();
      await firstChart.evaluate((box) => box.scrollIntoView({ block: 'start' }));
      const [toolbar, chart] = await Promise.all([page.page.locator('.chart-controls').boundingBox(), firstChart.boundingBox()]);
      // Half a pixel: scroll positions are whole pixels, layout boxes are not.
      assert.ok(chart!.y >= toolbar!.y + toolbar!.height - 0.5, `chart top ${chart!.y} under the toolbar bottom ${toolbar!.y + toolbar!.height}`);
      const covered = await page.page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('.chart-controls') !== null, {
        x: chart!.x + chart!.width / 2,
        y: chart!.y + 2,
      });
      assert.equal(covered, false, 'the top of the first chart is not under the toolbar');
      for (const theme of THEMES) {
        await page.setTheme(theme);
        await page.screenshot(`layout-compare-charts-${theme}-${viewport.width}`);
      }

      await page.page.locator('select.metric-select').selectOption('accuracy');
      await page.page.locator('svg.parallel').evaluate((svg) => svg.scrollIntoView({ block: 'center' }));
      assert.equal(await page.page.locator('svg.parallel circle.missing-mark').count(), 1);
      for (const theme of THEMES) {
        await page.setTheme(theme);
        await page.screenshot(`layout-compare-parallel-${theme}-${viewport.width}`);
      }
      await pages.discard();
    }
  });
});
