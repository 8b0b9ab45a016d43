// The Lineage panel webview in headless chromium under the host's HTML and CSP, fed the fixture pipeline's
// snapshot (test/unit/lineage.test.ts proves the host builds that graph).
// Run: node esbuild.mjs && node --import tsx --test test/webview/lineagePanel.test.ts

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildLineage } from '../../src/core/lineage';
import type { LineageSnapshotMessage } from '../../src/protocol/lineagePanel';
import { BROWSER_IDS, EVAL_NAME, SHA, expectedSnapshot } from '../fixtures/lineage/pipeline';
import type { ThemeKind, WebviewPage } from './harness';
import { webviewSuite } from './pageSuite';

const snapshot = expectedSnapshot(BROWSER_IDS, SHA);
const suite = webviewSuite('lineagePanel');

async function open(theme: ThemeKind): Promise<WebviewPage> {
  return suite.open({ theme });
}

describe('Lineage panel webview', () => {
  for (const theme of ['dark', 'light'] as const) {
    it(`lays the pipeline out left to right, names as text, and opens a clicked node (${theme})`, async () => {
      const page = await open(theme);
      await page.send(snapshot);
      await page.page.waitForSelector('main[aria-busy="false"] svg');
      assert.deepEqual(await page.page.evaluate(() => ({ ...window.labbookLineagePanel!.drawn(), layoutMs: 0 })), {
        nodes: 9,
        edges: 9,
        layoutMs: 0,
      });
      assert.equal(await page.page.evaluate(() => document.querySelectorAll('img').length), 0);
      const evalNode = page.page.locator(`g.node[data-id="run:${BROWSER_IDS.eval}"]`);
      assert.equal(await evalNode.locator('title').textContent(), `${EVAL_NAME}\nrunning · cccccccc\n± started with uncommitted changes`);
      // Left to right: the commit before the run it built, the run before the file it wrote.
      const xOf = (id: string) => page.page.locator(`g.node[data-id="${id}"]`).evaluate((g) => g.getBoundingClientRect().x);
      assert.ok((await xOf(`commit:${'1'.repeat(40)}`)) < (await xOf(`run:${BROWSER_IDS.prep}`)));
      assert.ok((await xOf(`run:${BROWSER_IDS.train}`)) < (await xOf(`file:${SHA.model}`)));
      assert.ok((await xOf(`file:${SHA.model}`)) < (await xOf(`run:${BROWSER_IDS.eval}`)));
      await page.page.locator(`g.node[data-id="file:${SHA.model}"]`).click();
      assert.deepEqual(await page.waitForPosted('lineagePanel/open'), { type: 'lineagePanel/open', nodeId: `file:${SHA.model}` });
      await page.screenshot(`lineage-${theme}`);
    });
  }

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`highlights the focus of a model version's lineage and scrolls it into view (${theme})`, async () => {
      // Narrower than the graph, so the version (the last column) is off screen until the page scrolls to it.
      const page = await suite.open({ theme, viewport: { width: 520, height: 420 } });
      await page.send(expectedSnapshot(BROWSER_IDS, SHA, 'version:clf/1'));
      await page.page.waitForSelector('main[aria-busy="false"] svg');
      assert.equal(await page.page.locator('h1').textContent(), 'Lineage of clf v1');
      const focused = page.page.locator('g.node.focus');
      assert.equal(await focused.count(), 1);
      assert.equal(await focused.getAttribute('data-id'), 'version:clf/1');
      assert.equal(await focused.getAttribute('aria-current'), 'true');
      assert.equal(await focused.locator('title').textContent(), 'clf v1\nStaging · @champion');
      assert.equal(await page.page.locator(`g.node[data-id="commit:${'1'.repeat(40)}"] title`).textContent(), `${'1'.repeat(10)}\ncommit · main`);
      // Scrolled so the whole focus box is inside the graph's visible area, and drawn in the focus colour.
      const view = await page.page.evaluate(() => {
        const canvas = document.querySelector('.graph')!;
        const box = document.querySelector('g.node.focus')!.getBoundingClientRect();
        const visible = canvas.getBoundingClientRect();
        const inside =
          box.left >= visible.left &&
          box.right <= visible.right &&
          box.top >= Math.max(0, visible.top) &&
          box.bottom <= Math.min(innerHeight, visible.bottom);
        const stroke = (selector: string) => getComputedStyle(document.querySelector(selector)!).stroke;
        return { scrolled: canvas.scrollLeft > 0, inside, focus: stroke('g.node.focus rect:not(.ring)'), other: stroke('g.node:not(.focus) rect') };
      });
      assert.deepEqual([view.scrolled, view.inside], [true, true]);
      assert.notEqual(view.focus, view.other, 'the focus border differs from the others');
      await page.screenshot(`lineage-focus-${theme}`);
      // A live refresh of the same lineage redraws it but leaves the user's scroll alone.
      await page.page.evaluate(() => {
        document.querySelector('.graph')!.scrollLeft = 0;
        document.querySelector('.graph svg')!.setAttribute('data-stale', '');
      });
      await page.send(expectedSnapshot(BROWSER_IDS, SHA, 'version:clf/1'));
      await page.page.waitForSelector('.graph svg:not([data-stale])');
      assert.equal(await page.page.evaluate(() => document.querySelector('.graph')!.scrollLeft), 0);
    });
  }

  // The pipeline, with train also writing 30 checkpoints of one name, as buildLineage draws it.
  function checkpointSnapshot(): LineageSnapshotMessage {
    const hex = (n: number) => n.toString(16).padStart(64, '0');
    const run = (id: string, name: string, commit: string, dirty = false) => ({
      id,
      name,
      status: 'FINISHED' as const,
      commit,
      branch: 'main',
      dirty,
    });
    const graph = buildLineage({
      runs: [
        run(BROWSER_IDS.prep, 'prep', '1'.repeat(40)),
        run(BROWSER_IDS.train, 'train', '1'.repeat(40)),
        run(BROWSER_IDS.eval, 'eval', '2'.repeat(40), true),
      ],
      artifacts: [
        { runId: BROWSER_IDS.prep, path: 'data/raw.csv', sha256: SHA.raw, role: 'data', direction: 'input' },
        { runId: BROWSER_IDS.prep, path: 'out/train.npz', sha256: SHA.npz, role: 'data', direction: 'output' },
        { runId: BROWSER_IDS.train, path: 'out/train.npz', sha256: SHA.npz, role: 'data', direction: 'input' },
        ...Array.from({ length: 30 }, (_, i) => ({
          runId: BROWSER_IDS.train,
          path: `ckpt/${i}/model.pt`,
          sha256: i === 29 ? SHA.model : hex(i + 1),
          role: 'model' as const,
          direction: 'output' as const,
        })),
        { runId: BROWSER_IDS.train, path: 'metrics.json', sha256: hex(99), role: 'output', direction: 'output' },
        { runId: BROWSER_IDS.eval, path: 'model.pt', sha256: SHA.model, role: 'model', direction: 'input' },
      ],
      versions: [{ name: 'clf', version: 1, stage: 'Staging', aliases: ['champion'], runId: BROWSER_IDS.train }],
    });
    return { type: 'lineagePanel/snapshot', graph, focus: null, omittedRuns: 0 };
  }

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    for (const viewport of [
      { width: 1400, height: 900 },
      { width: 1024, height: 768 },
    ]) {
      it(`reads as a pipeline: neutral borders and a legend, outputs level with their run, square edges, uncommitted runs and checkpoint groups marked (${theme}, ${viewport.width}x${viewport.height})`, async () => {
        const page = await suite.open({ theme, viewport });
        await page.send(checkpointSnapshot());
        await page.page.waitForSelector('main[aria-busy="false"] svg');
        assert.deepEqual(await page.page.locator('.legend li').allTextContents(), [
          'commit',
          'run',
          'data',
          'model',
          'other file',
          'registered version',
          '± uncommitted changes',
          '×N many files of one name',
        ]);
        const node = (id: string) => page.page.locator(`g.node[data-id="${id}"]`);
        const look = (id: string) =>
          node(id).evaluate((g) => ({
            y: Math.round(g.getBoundingClientRect().y),
            stroke: getComputedStyle(g.querySelector('rect.box')!).stroke,
            dash: getComputedStyle(g.querySelector('rect.box')!).strokeDasharray,
          }));
        const [train, model, version, evalRun, prep] = await Promise.all(
          [`run:${BROWSER_IDS.train}`, `file:${SHA.model}`, 'version:clf/1', `run:${BROWSER_IDS.eval}`, `run:${BROWSER_IDS.prep}`].map(look),
        );
        assert.equal(model.stroke, train.stroke, 'a model is drawn like a run, not in an alarming colour');
        assert.equal(version.stroke, train.stroke);
        assert.equal(model.y, train.y, 'the checkpoints sit level with the run that wrote them');
        assert.equal(await node(`file:${SHA.npz}`).evaluate((g) => Math.round(g.getBoundingClientRect().y)), prep.y, 'and the features with prep');
        assert.notEqual(evalRun.dash, 'none', 'the run with uncommitted changes has a dashed border');
        assert.equal(train.dash, 'none');
        assert.equal(await node(`run:${BROWSER_IDS.eval}`).locator('.badge').textContent(), '±');
        assert.equal(await node(`file:${SHA.model}`).locator('.label').textContent(), 'model.pt ×30');
        const tooltip = (await node(`file:${SHA.model}`).locator('title').textContent()) ?? '';
        assert.equal(tooltip.split('\n').length, 32, 'the tooltip lists all 30 files');
        assert.ok(tooltip.includes('ckpt/0/model.pt · 00000000'));
        const curves = await page.page.evaluate(
          () => [...document.querySelectorAll('path.edge')].filter((p) => /[CS]/.test(p.getAttribute('d') ?? '')).length,
        );
        assert.equal(curves, 0, 'edges are horizontal and vertical lines with rounded corners');
        await page.screenshot(`lineage-pipeline-${theme}-${viewport.width}`);
      });
    }
  }

  it('shows the host’s error and an empty store', async () => {
    const page = await open('dark');
    await page.send({ type: 'lineagePanel/error', message: 'The Labbook store is closed.' });
    await page.page.waitForFunction(() => !(document.querySelector('.banner') as HTMLElement).hidden);
    await page.send({ type: 'lineagePanel/snapshot', graph: { nodes: [], edges: [] }, focus: null, omittedRuns: 0 });
    await page.page.waitForSelector('main[aria-busy="false"] .empty');
    assert.equal(await page.page.locator('.banner').isHidden(), true);
  });
});
