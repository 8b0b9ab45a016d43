import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { buildLineage, layoutLineage } from '../../src/core/lineage';
import { lineageSnapshot } from '../../src/extension/panels/lineageFeed';
import { parseLineageMessage } from '../../src/protocol/lineagePanel';
import { Store } from '../../src/store/store';
import { SHA, expectedGraph, seedPipeline } from '../fixtures/lineage/pipeline';

const sortBy = <T>(items: readonly T[], key: (item: T) => string): T[] => [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

describe('buildLineage', () => {
  it('joins runs through shared file contents, skips logs and unknown runs, and keeps edges unique', () => {
    const run = (id: string) => ({ id, name: id, status: 'FINISHED' as const, commit: null });
    const graph = buildLineage({
      runs: [run('r1'), run('r2')],
      artifacts: [
        { runId: 'r1', path: 'a/m.pt', sha256: 'f'.repeat(64), role: 'model', direction: 'output' },
        { runId: 'r1', path: 'again/m.pt', sha256: 'f'.repeat(64), role: 'model', direction: 'output' },
        { runId: 'r2', path: 'm.pt', sha256: 'f'.repeat(64), role: 'model', direction: 'input' },
        { runId: 'r2', path: 'console.log', sha256: 'e'.repeat(64), role: 'log', direction: 'output' },
        { runId: 'gone', path: 'x', sha256: 'd'.repeat(64), role: 'data', direction: 'input' },
      ],
      versions: [
        { name: 'm', version: 1, stage: 'Production', runId: 'r1' },
        { name: 'm', version: 2, stage: 'None', runId: null },
      ],
    });
    assert.deepEqual(
      graph.nodes.map((n) => n.id),
      ['run:r1', 'run:r2', `file:${'f'.repeat(64)}`, 'version:m/1'],
    );
    assert.deepEqual(graph.edges, [
      { from: 'run:r1', to: `file:${'f'.repeat(64)}` },
      { from: `file:${'f'.repeat(64)}`, to: 'run:r2' },
      { from: 'run:r1', to: 'version:m/1' },
    ]);
  });
});

describe('layoutLineage', () => {
  const sizes = { nodeWidth: 100, nodeHeight: 20, columnGap: 50, rowGap: 10 };
  const node = (id: string) => ({ id, kind: 'run' as const, label: id, detail: '' });

  it('puts each node one column after its furthest input, rows following their inputs', () => {
    const graph = {
      nodes: ['a', 'b', 'c', 'd', 'e'].map(node),
      edges: [
        { from: 'a', to: 'c' },
        { from: 'b', to: 'd' },
        { from: 'c', to: 'e' },
        { from: 'a', to: 'e' },
      ],
    };
    const layout = layoutLineage(graph, sizes);
    const at = Object.fromEntries(layout.nodes.map((n) => [n.node.id, [n.x, n.y]]));
    assert.deepEqual(at, { a: [50, 10], b: [50, 40], c: [200, 10], d: [200, 40], e: [350, 10] });
    assert.deepEqual(layout.edges[0].points, [{ x: 100, y: 10 }, { x: 150, y: 10 }]);
    assert.deepEqual([layout.width, layout.height], [400, 50]);
  });

  it('places nodes of a cycle (a run that rewrites the file it read) without looping', () => {
    const graph = { nodes: ['x', 'f', 'r'].map(node), edges: [{ from: 'x', to: 'r' }, { from: 'f', to: 'r' }, { from: 'r', to: 'f' }] };
    const layout = layoutLineage(graph, sizes);
    assert.equal(layout.nodes.length, 3);
    assert.ok(layout.nodes.every((n) => Number.isFinite(n.x) && Number.isFinite(n.y)));
  });

  it('lays out a chain of a thousand runs, each a column after the model it read', () => {
    const nodes = [];
    const edges = [];
    for (let r = 0; r < 1000; r++) {
      nodes.push(node(`r${r}`), node(`m${r}`));
      if (r % 50 === 0) nodes.push(node(`c${r / 50}`));
      edges.push({ from: `c${Math.floor(r / 50)}`, to: `r${r}` }, { from: `r${r}`, to: `m${r}` });
      if (r > 0) edges.push({ from: `m${r - 1}`, to: `r${r}` });
    }
    const layout = layoutLineage({ nodes, edges }, sizes);
    assert.equal(layout.nodes.length, 2020);
    assert.equal(layout.width, 2001 * 150 - 50);
    assert.equal(layout.nodes.find((n) => n.node.id === 'm999')?.x, 2000 * 150 + 50);
  });
});

describe('lineageSnapshot', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'labbook-lineage-'));
    store = Store.open(join(dir, '.labbook'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the fixture pipeline’s graph from the store', () => {
    const ids = seedPipeline(store);
    const snapshot = lineageSnapshot(store);
    const expected = expectedGraph(ids, SHA);
    assert.equal(snapshot.omittedRuns, 0);
    assert.deepEqual(sortBy(snapshot.graph.nodes, (n) => n.id), sortBy(expected.nodes, (n) => n.id));
    assert.deepEqual(sortBy(snapshot.graph.edges, (e) => `${e.from}>${e.to}`), sortBy(expected.edges, (e) => `${e.from}>${e.to}`));
  });

  it('shows only the newest runs and says how many are left out', () => {
    seedPipeline(store);
    const snapshot = lineageSnapshot(store, 2);
    assert.equal(snapshot.omittedRuns, 1);
    assert.equal(snapshot.graph.nodes.filter((n) => n.kind === 'run').length, 2);
  });
});

describe('parseLineageMessage', () => {
  it('accepts node ids and rejects anything else', () => {
    assert.deepEqual(parseLineageMessage({ type: 'lineagePanel/open', nodeId: 'run:abc' }), { ok: true, message: { type: 'lineagePanel/open', nodeId: 'run:abc' } });
    for (const bad of [null, { type: 'x' }, { type: 'lineagePanel/open', nodeId: '../etc' }, { type: 'lineagePanel/open', nodeId: 'run:a\nb' }, { type: 'lineagePanel/open' }]) {
      assert.equal(parseLineageMessage(bad).ok, false, JSON.stringify(bad));
    }
  });
});
