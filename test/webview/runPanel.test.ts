// The Run panel webview in headless chromium, under the host's real HTML and CSP, fed the shared fixture
// messages (the ones test/unit/runPanelFeed.test.ts proves the host sends) and, for sampling, the real feed.
// Checks the DOM, the data inside the charts and the messages the page posts; saves screenshots per theme.
// Run: node esbuild.mjs && node --import tsx --test test/webview/runPanel.test.ts

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { smoothEma } from '../../src/core/series';
import type { HistoryPoint } from '../../src/core/types';
import { RunPanelFeed } from '../../src/extension/panels/runPanelFeed';
import { decodeNumber, parseRunPanelMessage } from '../../src/protocol/runPanel';
import type { RunPanelPoints, RunPanelSnapshotMessage } from '../../src/protocol/runPanel';
import { Store } from '../../src/store/store';
import {
  BROWSER_ENV,
  METRICS_ACT1,
  METRICS_ACT2,
  RUN_NAME,
  START,
  expectedFinish,
  expectedIncrement,
  expectedSnapshot,
} from '../fixtures/runPanel/liveRun';
import { THEMES, WebviewHarness } from './harness';
import type { ThemeKind, WebviewPage } from './harness';

type Inspection = ReturnType<NonNullable<Window['labbookRunPanel']>['charts']>[number];
type XY = { x: number; y: number };

const snapshot = expectedSnapshot(BROWSER_ENV);
let harness: WebviewHarness;
let current: WebviewPage | undefined;

before(async () => {
  harness = await WebviewHarness.start();
});

after(async () => {
  await harness?.close();
});

// Every page must load and run without a CSP violation, an error or a warning.
afterEach(async () => {
  if (!current) return;
  const { csp, errors } = await current.recorded();
  await current.page.context().close();
  current = undefined;
  assert.deepEqual(csp, [], 'CSP violations');
  assert.deepEqual(errors, [], 'page errors');
});

async function open(options: Parameters<WebviewHarness['open']>[1] = {}): Promise<WebviewPage> {
  current = await harness.open('runPanel', { fixedTime: START + 83_000, ...options });
  return current;
}

function xy(points: readonly HistoryPoint[], x: (p: HistoryPoint) => number = (p) => p.step): XY[] {
  return points.map((p) => ({ x: x(p), y: Number.isFinite(p.value) ? p.value : Number.NaN }));
}

function smoothedXY(points: readonly HistoryPoint[], weight: number, x: (p: HistoryPoint) => number = (p) => p.step): XY[] {
  const values = smoothEma(
    points.map((p) => p.value),
    weight,
  );
  return points.map((p, i) => ({ x: x(p), y: Number.isFinite(values[i]) ? values[i] : Number.NaN }));
}

function decode(points: RunPanelPoints): HistoryPoint[] {
  return points.steps.map((step, i) => ({ step, timestamp: points.timestamps[i], value: decodeNumber(points.values[i]) }));
}

// Chromium's Math.pow may differ from Node's in the last bit, so smoothed values are compared closely, not exactly.
function assertClose(actual: readonly XY[], expected: readonly XY[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((point, i) => {
    const want = expected[i];
    assert.equal(point.x, want.x, `x of point ${i}`);
    const close = Number.isNaN(want.y) ? Number.isNaN(point.y) : Math.abs(point.y - want.y) <= 1e-12 * Math.max(1, Math.abs(want.y));
    assert.ok(close, `point ${i}: ${point.y} instead of ${want.y}`);
  });
}

async function charts(page: WebviewPage): Promise<Inspection[]> {
  return page.page.evaluate(() => window.labbookRunPanel!.charts());
}

/** Waits until the chart of `key` draws `points` raw points (and `datasets` datasets), and returns it. */
async function chartOf(page: WebviewPage, key: string, points: number, datasets = 2): Promise<NonNullable<Inspection['chart']>> {
  await page.page.waitForFunction(
    ({ key, points, datasets }) => {
      const chart = window.labbookRunPanel?.charts().find((c) => c.key === key)?.chart;
      return chart && chart.datasets.length === datasets && chart.datasets[0].data.length === points;
    },
    { key, points, datasets },
    { timeout: 10_000 },
  );
  return (await charts(page)).find((c) => c.key === key)!.chart!;
}

function card(page: WebviewPage, key: string) {
  return page.page
    .locator('article.metric-card')
    .filter({ has: page.page.locator('h3.metric-key', { hasText: new RegExp(`^${key.replace(/[/]/g, '\\/')}$`) }) });
}

/** Drags across the middle of a chart from `from` to `to` (fractions of its width), as a user zooms. */
async function dragZoom(page: WebviewPage, key: string, from: number, to: number): Promise<void> {
  const box = await card(page, key).locator('canvas').boundingBox();
  assert.ok(box, `chart of ${key} is on screen`);
  const y = box.y + box.height / 2;
  await page.page.mouse.move(box.x + box.width * from, y);
  await page.page.mouse.down();
  await page.page.mouse.move(box.x + box.width * to, y, { steps: 5 });
  await page.page.mouse.up();
}

async function texts(page: WebviewPage, selector: string): Promise<string[]> {
  return page.page.locator(selector).allTextContents();
}

async function rows(page: WebviewPage, table: string, index = 0): Promise<string[][]> {
  return page.page
    .locator(table)
    .nth(index)
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

async function facts(page: WebviewPage): Promise<Record<string, string>> {
  const pairs = await page.page
    .locator('.facts')
    .evaluate((dl) => [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? '']));
  return Object.fromEntries(pairs);
}

function hexToRgb(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

describe('Run panel webview: the fixture run', () => {
  it('says ready first, then shows the snapshot, every run string as text', async () => {
    const page = await open();
    assert.deepEqual((await page.recorded()).posted, [{ type: 'runPanel/ready', smoothing: 0.6 }], 'ready first, and nothing else');
    await page.send(snapshot);
    await page.page.waitForFunction((name) => document.querySelector('h1.run-name')?.textContent === name, RUN_NAME);

    const markup = await page.page.evaluate(() => ({
      images: document.querySelectorAll('img').length,
      bold: document.querySelectorAll('b').length,
      scripts: document.querySelectorAll('script').length,
      pwned: (window as unknown as { __pwned?: number }).__pwned,
    }));
    assert.deepEqual(markup, { images: 0, bold: 0, scripts: 1, pwned: undefined }, 'no run string became markup');
    assert.deepEqual(await texts(page, '.status-badge'), ['Running']);
    assert.equal(await page.page.locator('.status').getAttribute('data-status'), 'RUNNING');
    assert.deepEqual(await texts(page, '.duration'), ['running for 1m 23s']);
    assert.deepEqual(await facts(page), {
      Command: "python train.py --lr 0.001 --note 'first <try> & more'",
      Git: '3f2a9c1e0b on main (uncommitted changes)',
      Experiment: 'vision',
      Started: await page.page.evaluate((start) => {
        const d = new Date(start);
        const pad = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
      }, START),
      Directory: '/work/project',
      Host: 'ada@gpu-box-01',
      'Run ID': BROWSER_ENV.runId,
    });
    assert.deepEqual(
      await rows(page, '.entries', 0),
      snapshot.params.map((p) => [p.key, p.value]),
    );
    assert.deepEqual(
      await rows(page, '.entries', 1),
      snapshot.tags.map((p) => [p.key, p.value]),
    );
    assert.deepEqual(await rows(page, '.artifacts'), [
      ['data/train.csv', 'input · data', '8 B', 'OpenReveal'],
      ['outputs/<model>.pt', 'output · model', '12 B', 'OpenReveal'],
    ]);
    assert.equal(await page.page.locator('.console-output').textContent(), [...snapshot.console.lines, snapshot.console.partial].join('\n'));
    assert.equal(await page.page.locator('.console-note').isVisible(), false);

    // The duration of a live run ticks in the page.
    await page.page.clock.setFixedTime(START + 85_000);
    await page.page.waitForFunction(() => document.querySelector('.duration')?.textContent === 'running for 1m 25s', undefined, { timeout: 5000 });
  });

  it('draws every point of each series, raw and smoothed, with gaps for NaN and Infinity', async () => {
    const page = await open();
    await page.send(snapshot);
    const loss = await chartOf(page, 'loss', 60);
    assert.deepEqual(
      loss.datasets.map((d) => d.label),
      ['loss', 'loss (smoothed)'],
    );
    assert.deepEqual(loss.datasets[0].data, xy(METRICS_ACT1.loss));
    assert.ok(Number.isNaN(loss.datasets[0].data[30].y) && Number.isNaN(loss.datasets[0].data[45].y));
    assertClose(loss.datasets[1].data, smoothedXY(METRICS_ACT1.loss, 0.6));
    assert.deepEqual(loss.x, { min: null, max: null, axis: 'step' });
    assert.deepEqual((await chartOf(page, 'accuracy', 12)).datasets[0].data, xy(METRICS_ACT1.accuracy));

    // Logged without steps: drawn against time since the start, not stacked on step 0.
    const gpu = await chartOf(page, 'system/gpu_memory_gb', 20);
    assert.equal(gpu.x.axis, 'relative');
    assert.deepEqual(
      gpu.datasets[0].data,
      xy(METRICS_ACT1['system/gpu_memory_gb'], (p) => p.timestamp - START),
    );

    assert.equal(await card(page, 'loss').locator('.metric-stats').textContent(), 'last 0.162686 · min 0.109832 · max Infinity · 60 points');
    assert.equal(await card(page, 'loss').locator('.metric-note').textContent(), '1 NaN and 1 infinite not drawn.');
    assert.equal(await card(page, 'system/gpu_memory_gb').locator('.metric-note').textContent(), 'Logged without steps: drawn against time.');
    assert.equal(await card(page, 'accuracy').locator('.metric-note').isVisible(), false);
  });

  it('applies increments in place: same canvases, zoom and scroll kept, only new points added', async () => {
    const page = await open({ viewport: { width: 1280, height: 600 } });
    await page.send(snapshot);
    await chartOf(page, 'loss', 60);
    await page.page.evaluate(() => document.querySelectorAll('canvas').forEach((canvas, i) => canvas.setAttribute('data-test-mark', String(i))));

    await dragZoom(page, 'loss', 0.4, 0.7);
    await page.page.waitForFunction(() => window.labbookRunPanel?.charts().find((c) => c.key === 'loss')?.chart?.x.min !== null);
    const zoomed = (await chartOf(page, 'loss', 60)).x;
    assert.ok(zoomed.min !== null && zoomed.max !== null && zoomed.min > 15 && zoomed.max < 50 && zoomed.min < zoomed.max, JSON.stringify(zoomed));
    assert.equal(await card(page, 'loss').locator('.reset-zoom').isVisible(), true);
    await page.page.evaluate(() => window.scrollTo(0, 150));
    const scrollY = await page.page.evaluate(() => window.scrollY);
    assert.equal(scrollY, 150);

    for (const message of expectedIncrement()) await page.send(message);
    const loss = await chartOf(page, 'loss', 70);
    assert.deepEqual(loss.datasets[0].data, xy([...METRICS_ACT1.loss, ...METRICS_ACT2.loss]));
    assert.deepEqual(loss.x, zoomed, 'the zoom stays');
    assert.deepEqual((await chartOf(page, 'val/loss', 3)).datasets[0].data, xy(METRICS_ACT2['val/loss']));
    assert.deepEqual(
      await texts(page, 'h3.metric-key'),
      ['accuracy', 'loss', 'val/loss', 'system/gpu_memory_gb'],
      'a new key takes its place in order, system metrics in their own section after',
    );
    assert.equal(await page.page.evaluate(() => window.scrollY), scrollY, 'the scroll stays');
    const marks = await page.page.evaluate(() => [...document.querySelectorAll('canvas')].map((c) => c.getAttribute('data-test-mark')));
    assert.deepEqual(marks, ['0', '1', null, '2'], 'the old charts were updated, not rebuilt');
    assert.equal(
      await page.page.locator('.console-output').textContent(),
      ['Loading data...', 'Epoch 1/3', '<script>alert("log")</script>', 'Training: 100%|██████████| 60/60', 'Epoch 2/3'].join('\n'),
      'the finished progress line replaced the unfinished one',
    );
    const posted = (await page.recorded()).posted as { type: string }[];
    assert.ok(!posted.some((m) => m.type === 'runPanel/requestRange'), 'a full-resolution chart needs no detail from the host');

    for (const message of expectedFinish(BROWSER_ENV)) await page.send(message);
    await page.page.waitForFunction(() => document.querySelector('.status-badge')?.textContent === 'Finished');
    assert.deepEqual(await texts(page, '.duration'), ['took 1m 35s']);
    assert.equal((await facts(page))['Exit code'], '0');
    assert.equal((await rows(page, '.artifacts')).length, 3);

    await card(page, 'loss').locator('.reset-zoom').click();
    await page.page.waitForFunction(() => window.labbookRunPanel?.charts().find((c) => c.key === 'loss')?.chart?.x.min === null);
    assert.equal(await card(page, 'loss').locator('.reset-zoom').isVisible(), false);
  });

  it('follows the controls: x axis, log scale and smoothing, and remembers them', async () => {
    const page = await open();
    await page.send(snapshot);
    await chartOf(page, 'loss', 60);

    await page.page.locator('vscode-radio', { hasText: 'Relative time' }).click();
    await page.page.waitForFunction(() => window.labbookRunPanel?.charts().find((c) => c.key === 'loss')?.chart?.x.axis === 'relative');
    assert.deepEqual(
      (await chartOf(page, 'loss', 60)).datasets[0].data,
      xy(METRICS_ACT1.loss, (p) => p.timestamp - START),
    );

    await page.page.locator('vscode-checkbox.log-scale').click();
    await page.page.waitForFunction(() => window.labbookRunPanel?.charts().every((c) => c.chart?.y.type === 'logarithmic'));

    await page.page.locator('input.smoothing-slider').fill('0');
    await chartOf(page, 'loss', 60, 1);
    assert.deepEqual(await page.waitForPosted('runPanel/setSmoothing'), { type: 'runPanel/setSmoothing', smoothing: 0 });
    await page.page.locator('input.smoothing-slider').fill('0.9');
    const smoothed = await chartOf(page, 'loss', 60, 2);
    assertClose(
      smoothed.datasets[1].data,
      smoothedXY(METRICS_ACT1.loss, 0.9, (p) => p.timestamp - START),
    );
    assert.deepEqual(await page.waitForPosted('runPanel/setSmoothing'), { type: 'runPanel/setSmoothing', smoothing: 0.9 });
    assert.equal(await page.page.locator('.smoothing-value').textContent(), '0.90');

    const saved = await page.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    // runId: what the host's panel serializer reopens after a window reload.
    assert.deepEqual(saved, { smoothing: 0.9, axis: 'relative', logScale: true, zoom: [], scrollY: 0, runId: '0123456789abcdef0123456789abcdef' });
    await current!.page.context().close();

    // VS Code discards a hidden page and keeps its state: the next page starts where this one was.
    const again = await open({ savedState: saved });
    assert.deepEqual((await again.recorded()).posted, [{ type: 'runPanel/ready', smoothing: 0.9 }]);
    assert.equal(await again.page.locator('input.smoothing-slider').inputValue(), '0.9');
    assert.equal(await again.page.locator('vscode-checkbox.log-scale').evaluate((box) => (box as HTMLElement & { checked: boolean }).checked), true);
    await again.send(snapshot);
    const restored = await chartOf(again, 'loss', 60);
    assert.equal(restored.x.axis, 'relative');
    assert.equal(restored.y.type, 'logarithmic');
  });

  it('restores the zoom and the scroll position of a page VS Code discarded', async () => {
    const page = await open({
      viewport: { width: 1280, height: 500 },
      savedState: {
        smoothing: 0.6,
        axis: 'step',
        logScale: false,
        zoom: [
          ['loss', { axis: 'step', min: 10, max: 20 }],
          ['bogus', 'not a zoom'],
        ],
        scrollY: 120,
      },
    });
    await page.send(snapshot);
    const loss = await chartOf(page, 'loss', 60);
    assert.deepEqual(loss.x, { min: 10, max: 20, axis: 'step' });
    await page.page.waitForFunction(() => window.scrollY === 120, undefined, { timeout: 5000 });
  });

  it('asks the host to open or reveal an artifact by reference', async () => {
    const page = await open();
    await page.send(snapshot);
    const model = page.page.locator('.artifacts tbody tr', { hasText: 'outputs/<model>.pt' });
    await model.locator('vscode-button', { hasText: 'Open' }).click();
    const open_ = await page.waitForPosted('runPanel/openArtifact');
    assert.deepEqual(open_, { type: 'runPanel/openArtifact', sha256: snapshot.artifacts[1].sha256, path: 'outputs/<model>.pt', direction: 'output' });
    assert.equal(parseRunPanelMessage(open_).ok, true, 'the host accepts it');
    await page.page.locator('.artifacts tbody tr', { hasText: 'data/train.csv' }).locator('vscode-button', { hasText: 'Reveal' }).click();
    assert.deepEqual(await page.waitForPosted('runPanel/revealArtifact'), {
      type: 'runPanel/revealArtifact',
      sha256: snapshot.artifacts[0].sha256,
      path: 'data/train.csv',
      direction: 'input',
    });
  });

  it('says when the run is gone and keeps what it shows', async () => {
    const page = await open();
    await page.send(snapshot);
    await chartOf(page, 'loss', 60);
    await page.send({ type: 'runPanel/runMissing', message: 'This run no longer exists in the store (it was deleted).' });
    await page.page.locator('.banner').waitFor({ state: 'visible' });
    assert.equal(await page.page.locator('.banner').textContent(), 'This run no longer exists in the store (it was deleted).');
    assert.equal((await charts(page)).length, 3);
  });
});

describe('Run panel webview: a long series sampled by the host feed', () => {
  let dir: string;
  let store: Store;
  let runId: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'labbook-webview-'));
    store = Store.open(join(dir, '.labbook'));
    runId = store.createRun({ name: 'long run', startTime: START }).id;
    const noisy = (step: number): number => 2 * Math.exp(-step / 8000) + 0.2 * Math.sin(step / 7) + ((step * 7919) % 17) / 40;
    store.logMetrics(
      runId,
      Array.from({ length: 30_000 }, (_, step) => ({ key: 'loss', step, timestamp: START + step * 50, value: noisy(step) })),
    );
    store.finishRun(runId, 'FINISHED', { exitCode: 0, endTime: START + 1_500_000 });
  });

  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws the sample and the host-smoothed line, and fetches detail for a zoomed window', async () => {
    const feed = new RunPanelFeed(runId);
    const page = await open();
    const first = feed.snapshot(store, 0.6) as RunPanelSnapshotMessage;
    await page.send(first);
    const sample = decode(first.metrics[0].points);
    assert.ok(sample.length <= 2000);
    const chart = await chartOf(page, 'loss', sample.length);
    assert.deepEqual(chart.datasets[0].data, xy(sample));
    assert.deepEqual(chart.datasets[1].data, xy(decode(first.metrics[0].smoothed!)), 'smoothed by the host at full resolution, not on the sample');
    assert.equal(
      await card(page, 'loss').locator('.metric-note').textContent(),
      `Showing ${sample.length} of 30000 points (each stretch's min and max).`,
    );

    await dragZoom(page, 'loss', 0.45, 0.5);
    const request = parseRunPanelMessage(await page.waitForPosted('runPanel/requestRange'));
    assert.ok(request.ok && request.message.type === 'runPanel/requestRange', 'a valid request');
    if (!request.ok || request.message.type !== 'runPanel/requestRange') return;
    const { key, axis, xMin, xMax } = request.message;
    assert.deepEqual([key, axis], ['loss', 'step']);
    const detail = feed.rangeDetail(store, key, axis, xMin, xMax);
    await page.send(detail);
    const inWindow = (points: readonly XY[]) => points.filter((p) => p.x >= xMin && p.x <= xMax);
    const detailed = decode(detail.points).filter((p) => p.step >= xMin && p.step <= xMax);
    await page.page.waitForFunction(
      ({ n, xMin, xMax }) => {
        const data = window.labbookRunPanel?.charts()[0].chart?.datasets[0].data ?? [];
        return data.filter((p) => p.x >= xMin && p.x <= xMax).length === n;
      },
      { n: detailed.length, xMin, xMax },
    );
    const zoomed = (await charts(page))[0].chart!;
    assert.deepEqual(inWindow(zoomed.datasets[0].data), xy(detailed));
    assert.ok(detailed.length > inWindow(xy(sample)).length * 4, `${detailed.length} points in the window instead of ${inWindow(xy(sample)).length}`);
    assert.deepEqual(inWindow(zoomed.datasets[1].data), inWindow(xy(decode(detail.smoothed!))));
    await page.screenshot('runPanel-sampled-zoomed');
  });
});

describe('Run panel webview: themes', () => {
  for (const theme of ['light', 'dark', 'high-contrast'] as ThemeKind[]) {
    it(`draws in the ${theme} theme's colours (screenshot runPanel-${theme}.png)`, async () => {
      const page = await open({ theme, viewport: { width: 1280, height: 900 } });
      await page.send(snapshot);
      for (const message of expectedIncrement()) await page.send(message);
      const loss = await chartOf(page, 'loss', 70);
      assert.equal(loss.datasets[1].color, hexToRgb(THEMES[theme].colors['charts.blue']), 'the smoothed line is the theme blue');
      assert.equal(
        await page.page.evaluate(() => getComputedStyle(document.body).backgroundColor),
        hexToRgb(THEMES[theme].colors['editor.background']),
      );
      // Wait for the frame that draws the last update before taking the picture.
      await page.page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      await page.screenshot(`runPanel-${theme}`);
    });
  }

  it('recolours its charts when VS Code switches theme', async () => {
    const page = await open({ theme: 'dark' });
    await page.send(snapshot);
    assert.equal((await chartOf(page, 'loss', 60)).datasets[1].color, hexToRgb(THEMES.dark.colors['charts.blue']));
    await page.setTheme('light');
    const light = hexToRgb(THEMES.light.colors['charts.blue']);
    await page.page.waitForFunction((color) => window.labbookRunPanel?.charts().every((c) => c.chart?.datasets[1].color === color), light);
  });
});
