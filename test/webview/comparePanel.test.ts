// The Compare panel webview in headless chromium, under the host's real HTML and CSP, fed the shared fixture
// snapshot (the one test/unit/compare.test.ts proves the host sends) and, for sampling, the real feed.
// Run: node esbuild.mjs && node --import tsx --test test/webview/comparePanel.test.ts

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CompareFeed } from '../../src/extension/panels/compareFeed';
import { parseCompareMessage } from '../../src/protocol/comparePanel';
import { Store } from '../../src/store/store';
import { BROWSER_IDS, HOSTILE_NAME, RUNS, expectedSnapshot } from '../fixtures/compare/runs';
import type { ThemeKind, WebviewPage } from './harness';
import { webviewSuite } from './pageSuite';

type Inspection = ReturnType<NonNullable<Window['labbookComparePanel']>['charts']>[number];

const snapshot = expectedSnapshot(BROWSER_IDS);
const suite = webviewSuite('comparePanel');

async function open(theme: ThemeKind = 'dark', savedState?: unknown): Promise<WebviewPage> {
  return suite.open({ theme, savedState });
}

async function chartOf(page: WebviewPage, key: string, datasets: number): Promise<NonNullable<Inspection['chart']>> {
  await page.page.waitForFunction(
    ({ key, datasets }) => window.labbookComparePanel?.charts().find((c) => c.key === key)?.chart?.datasets.length === datasets,
    { key, datasets },
    { timeout: 10_000 },
  );
  const charts = await page.page.evaluate(() => window.labbookComparePanel!.charts());
  return charts.find((c) => c.key === key)!.chart!;
}

async function tableRows(page: WebviewPage, selector: string): Promise<string[][]> {
  return page.page
    .locator(selector)
    .evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].filter((c) => !(c as HTMLElement).hidden).map((c) => c.textContent ?? '')),
    );
}

describe('Compare panel webview', () => {
  it('shows the reproduction verdict, as text, only when one run reproduces another', async () => {
    const page = await open();
    await page.send(snapshot);
    await page.page.waitForSelector('main[aria-busy="false"]');
    assert.equal(await page.page.locator('p.verdict').isHidden(), true);
    const [original, , rerun] = snapshot.runs;
    const reproduction = { originalId: original.id, reproductionId: rerun.id, reproduced: false, summary: 'differs: loss 0.31 vs 0.35' };
    await page.send({ ...snapshot, reproduction });
    await page.page.waitForSelector('p.verdict.not-reproduced');
    assert.equal(await page.page.locator('p.verdict').textContent(), `${HOSTILE_NAME} reproduces ${original.label}: differs: loss 0.31 vs 0.35`);
    await page.send({ ...snapshot, reproduction: { ...reproduction, reproduced: true, summary: 'reproduced: all 2 metrics match' } });
    await page.page.waitForSelector('p.verdict.reproduced');
  });

  it("shows each run's environment differences from the first run, as text, and hides the section without any", async () => {
    const page = await open();
    await page.send(snapshot);
    await page.page.waitForSelector('main[aria-busy="false"]');
    const environmentSection = page.page.locator('vscode-collapsible.environment-section');
    assert.equal(await environmentSection.isHidden(), true);
    const [first, second, third] = snapshot.runs;
    await page.send({
      ...snapshot,
      environment: [
        { runId: second.id, differences: [] },
        {
          runId: third.id,
          differences: [
            { field: 'python.version', first: '3.11.2', other: '3.12.1' },
            { field: 'package <img src=x onerror="window.__pwned=1">', first: null, other: '1.0' },
          ],
        },
      ],
    });
    await page.page.waitForSelector('table.environment-diff');
    assert.equal(await environmentSection.locator('p.empty').textContent(), `${second.label}: same environment as ${first.label}`);
    assert.deepEqual(await environmentSection.locator('table.environment-diff tbody tr').allTextContents(), [
      'python.version3.11.23.12.1',
      'package <img src=x onerror="window.__pwned=1">—1.0',
    ]);
    assert.equal(await page.page.evaluate(() => document.querySelectorAll('img').length), 0);
  });

  it('says ready, then shows every run string as text with labels that tell runs apart', async () => {
    const page = await open();
    const ready = (await page.recorded()).posted[0];
    assert.deepEqual(parseCompareMessage(ready), { ok: true, message: { type: 'comparePanel/ready', axis: 'step', smoothing: 0.6 } });
    await page.send(snapshot);
    await page.page.waitForSelector('main[aria-busy="false"]');
    assert.equal(await page.page.locator('h1').textContent(), 'Compare 3 runs');
    const markup = await page.page.evaluate(() => ({
      images: document.querySelectorAll('img').length,
      pwned: (window as unknown as { __pwned?: number }).__pwned,
    }));
    assert.deepEqual(markup, { images: 0, pwned: undefined });
    const labels = snapshot.runs.map((run) => run.label);
    assert.deepEqual(await page.page.locator('table.diff thead .run-label').allTextContents(), labels);
    assert.equal(labels[2], HOSTILE_NAME);
    assert.notEqual(labels[0], labels[1]);
    // Only differences (the default): lr, optimizer, the metrics and the commit; seed is the same everywhere.
    const diff = await tableRows(page, 'table.diff tbody tr');
    assert.deepEqual(
      diff.map((row) => row[0]),
      ['commit', 'paramlr', 'paramoptimizer', 'metricaccuracy', 'metricloss'],
    );
    assert.deepEqual(diff[2].slice(1), ['sgd', 'sgd', '<script>alert(1)</script>']);
    await page.page.locator('vscode-checkbox', { hasText: 'Only differences' }).click();
    await page.page.waitForFunction(() => document.querySelectorAll('table.diff tbody tr').length === 8);
    const swatch = await page.page
      .locator('table.diff thead .swatch')
      .first()
      .evaluate((e) => getComputedStyle(e).backgroundColor);
    const expected = await page.page.evaluate((color) => {
      const probe = document.createElement('span');
      probe.style.color = color;
      document.body.append(probe);
      const resolved = getComputedStyle(probe).color;
      probe.remove();
      return resolved;
    }, snapshot.runs[0].color);
    assert.equal(swatch, expected, 'the swatch has the colour the host gave the run');
    await page.screenshot('compare-dark');
  });

  it('overlays one line per run in its colour, faint raw under smoothed, with stats per run', async () => {
    const page = await open('light', { smoothing: 0, axis: 'step', logY: false, logX: false, onlyDifferences: true });
    await page.send(snapshot);
    const loss = await chartOf(page, 'loss', 3);
    assert.deepEqual(
      loss.datasets.map((d) => [d.label, d.color, d.points]),
      snapshot.runs.map((run, i) => [run.label, run.color, RUNS[i].metrics.loss.length]),
    );
    assert.deepEqual(loss.datasets[0].first, { x: 0, y: RUNS[0].metrics.loss[0].value });
    const stats = await tableRows(page, 'article.metric-card:has(h3:text-is("accuracy")) table.stats tbody tr');
    assert.deepEqual(stats, [
      [snapshot.runs[0].label, '0.85', '0.5', '0.85'],
      [HOSTILE_NAME, '0.75', '0.6', '0.75'],
    ]);
    // Value at a step: the page asks the host, then shows the answer in its own column.
    await page.page.locator('.step-input').fill('5');
    await page.page.locator('.step-input').dispatchEvent('change');
    assert.deepEqual(await page.waitForPosted('comparePanel/valuesAtStep'), { type: 'comparePanel/valuesAtStep', step: 5 });
    await page.send({
      type: 'comparePanel/stepValues',
      step: 5,
      values: [
        { key: 'accuracy', runId: BROWSER_IDS[0], value: 0.55 },
        { key: 'accuracy', runId: BROWSER_IDS[2], value: 0.6 },
      ],
    });
    await page.page.waitForFunction(() => document.querySelector('article.metric-card th:nth-child(5)')?.textContent === 'at step 5');
    const withStep = await tableRows(page, 'article.metric-card:has(h3:text-is("accuracy")) table.stats tbody tr');
    assert.deepEqual(
      withStep.map((row) => row.at(-1)),
      ['0.55', '0.6'],
    );
    await page.screenshot('compare-light');
  });

  it('draws a run that logged a metric once as a dot, and longer series as bare lines', async () => {
    const page = await open('dark', { smoothing: 0, axis: 'step', logY: false, logX: false, onlyDifferences: true });
    const once = (points: (typeof snapshot.metrics)[number]['series'][number]['points']) => ({
      steps: points.steps.slice(0, 1),
      timestamps: points.timestamps.slice(0, 1),
      values: points.values.slice(0, 1),
    });
    const metrics = snapshot.metrics.map((metric) =>
      metric.key === 'accuracy' ? { ...metric, series: metric.series.map((s, i) => (i === 0 ? { ...s, points: once(s.points) } : s)) } : metric,
    );
    await page.send({ ...snapshot, metrics });
    const accuracy = await chartOf(page, 'accuracy', 2);
    assert.deepEqual(
      accuracy.datasets.map((d) => [d.points, d.pointRadius > 0]),
      [
        [1, true],
        [RUNS[2].metrics.accuracy.length, false],
      ],
    );
  });

  it('gives the smoothing slider the focus colour in both high-contrast themes, where button colours vanish', async () => {
    const page = await open('high-contrast');
    await page.send(snapshot);
    const slider = page.page.locator('.smoothing-slider');
    const accents = [];
    for (const themeClass of ['vscode-high-contrast', 'vscode-high-contrast-light', 'vscode-dark']) {
      accents.push(
        await slider.evaluate((input, themeClass) => {
          document.body.className = themeClass;
          const probe = document.createElement('span');
          probe.style.color = 'var(--vscode-focusBorder)';
          document.body.append(probe);
          const focus = getComputedStyle(probe).color;
          probe.remove();
          return getComputedStyle(input).accentColor === focus;
        }, themeClass),
      );
    }
    assert.deepEqual(accents, [true, true, false]);
  });

  it('relates params to a metric: parallel coordinates and a scatter, one mark per run in its colour', async () => {
    const page = await open();
    await page.send(snapshot);
    await page.page.waitForSelector('svg.parallel');
    assert.deepEqual(await page.page.locator('svg.parallel .axis-name').allTextContents(), ['lr', 'optimizer', 'accuracy']);
    const lines = await page.page.locator('svg.parallel g.run').evaluateAll((groups) =>
      groups.map((g) => {
        const links = (selector: string): string[] =>
          (g.querySelector(selector)?.getAttribute('d') ?? '')
            .split('M')
            .map((l) => l.trim())
            .filter(Boolean);
        const solid = links('path.run-line:not(.missing-link)');
        const dashed = links('path.missing-link');
        const vertices = new Set([...solid, ...dashed].flatMap((link) => link.split(' L')));
        return {
          color: g.querySelector('path')?.getAttribute('stroke'),
          label: g.querySelector('title')?.textContent,
          vertices: vertices.size,
          solid: solid.length,
          dashed: dashed.length,
          marks: g.querySelectorAll('circle.missing-mark').length,
        };
      }),
    );
    // The second run logged no accuracy: its line still reaches the metric axis, dashed into a hollow "missing" mark.
    assert.deepEqual(
      lines,
      snapshot.runs.map((run, i) => ({
        color: run.color,
        label: run.label,
        vertices: 3,
        solid: i === 1 ? 1 : 2,
        dashed: i === 1 ? 1 : 0,
        marks: i === 1 ? 1 : 0,
      })),
    );
    assert.deepEqual(await page.page.locator('svg.parallel .missing-label').allTextContents(), ['missing']);
    await page.page.waitForFunction(() => window.labbookComparePanel!.scatter().length === 2);
    assert.deepEqual(await page.page.evaluate(() => window.labbookComparePanel!.scatter()), [
      { x: 0.1, y: 0.85, color: snapshot.runs[0].color },
      { x: 0.1, y: 0.75, color: snapshot.runs[2].color },
    ]);
    await page.page.locator('select.metric-select').selectOption('loss');
    await page.page.locator('select.param-select').selectOption('optimizer');
    await page.page.waitForFunction(() => window.labbookComparePanel!.scatter().length === 3);
    // A text param: one tick per distinct value, spread over [0, 1] in sorted order.
    assert.deepEqual(
      (await page.page.evaluate(() => window.labbookComparePanel!.scatter())).map((p) => p.x),
      [1, 1, 0],
    );
    await page.page.locator('svg.parallel').scrollIntoViewIfNeeded();
    await page.screenshot('compare-relations');
  });

  it('asks the host for new series when axis or smoothing change, and remembers them', async () => {
    const page = await open('high-contrast');
    await page.send(snapshot);
    await chartOf(page, 'loss', 3);
    await page.page.locator('vscode-radio', { hasText: 'Wall time' }).click();
    assert.deepEqual(await page.waitForPosted('comparePanel/setView'), { type: 'comparePanel/setView', axis: 'timestamp', smoothing: 0.6 });
    const slider = page.page.locator('.smoothing-slider');
    await slider.fill('0.9');
    await slider.dispatchEvent('change');
    await page.page.waitForFunction(() =>
      (window as unknown as { __posted: { type: string; smoothing?: number }[] }).__posted.some(
        (m) => m.type === 'comparePanel/setView' && m.smoothing === 0.9,
      ),
    );
    await page.page.locator('vscode-checkbox', { hasText: 'Log y' }).click();
    const state = await page.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    assert.deepEqual(state, { smoothing: 0.9, axis: 'timestamp', logY: true, logX: false, onlyDifferences: true });
    const chart = await chartOf(page, 'loss', 3);
    assert.equal(chart.y.type, 'logarithmic');
    await page.screenshot('compare-high-contrast');
  });

  it('draws the real feed’s sampled, smoothed series and asks for detail on zoom', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labbook-compare-web-'));
    const store = Store.open(join(dir, '.labbook'));
    try {
      const ids = [0, 1, 2].map((i) => {
        const run = store.createRun({ name: `run ${i}`, startTime: 0 });
        store.logMetrics(
          run.id,
          Array.from({ length: 30_000 }, (_, step) => ({
            key: 'loss',
            step,
            timestamp: step,
            value: Math.exp(-step / 5000) + i / 10 + Math.sin(step) / 20,
          })),
        );
        return run.id;
      });
      const feed = new CompareFeed(ids);
      const page = await open('dark', { smoothing: 0.9, axis: 'step', logY: false, logX: false, onlyDifferences: true });
      await page.send(JSON.parse(JSON.stringify(await feed.snapshot(store, { axis: 'step', smoothing: 0.9 }))));
      const chart = await chartOf(page, 'loss', 6);
      assert.deepEqual(
        chart.datasets.map((d) => d.label),
        ['run 0', 'run 0 (smoothed)', 'run 1', 'run 1 (smoothed)', 'run 2', 'run 2 (smoothed)'],
      );
      assert.ok(
        chart.datasets.every((d) => d.points > 1000 && d.points <= 2004),
        'sampled, not every point',
      );
      const box = await page.page.locator('article.metric-card canvas').first().boundingBox();
      assert.ok(box);
      await page.page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
      await page.page.mouse.down();
      await page.page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 4 });
      await page.page.mouse.up();
      const request = parseCompareMessage(await page.waitForPosted('comparePanel/requestRange'));
      assert.ok(request.ok && request.message.type === 'comparePanel/requestRange');
      const { key, xMin, xMax } = request.message;
      await page.send(JSON.parse(JSON.stringify(await feed.rangeDetail(store, key, { axis: 'step', smoothing: 0.9 }, xMin, xMax))));
      await page.page.waitForFunction(() => !(document.querySelector('.reset-zoom') as HTMLElement).hidden);
      // The zoom and then the detail are each drawn on a later animation frame than the button shows: wait for the
      // detail's points (read at once, CI saw the overview).
      await page.page.waitForFunction(
        (overview) => (window.labbookComparePanel?.charts().find((c) => c.key === 'loss')?.chart?.datasets[0]?.points ?? 0) > overview,
        chart.datasets[0].points,
        { timeout: 10_000 },
      );
      const zoomed = await chartOf(page, 'loss', 6);
      assert.equal(zoomed.x.min, xMin);
      assert.ok(zoomed.datasets[0].points > chart.datasets[0].points, 'the window is drawn finer');
      await page.screenshot('compare-sampled-zoomed');
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
