import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { buildLineage, layoutLineage, lineageSubgraph } from '../../src/core/lineage';
import type { LineageGraph } from '../../src/core/lineage';
import { ModelRegistry } from '../../src/store/registry';
import { lineageSnapshot } from '../../src/extension/panels/lineageFeed';
import { parseLineageMessage } from '../../src/protocol/lineagePanel';
import type { LineageSnapshotMessage } from '../../src/protocol/lineagePanel';
import { lineageRunIds, pathOfContent } from '../../src/store/lineage';
import { Store } from '../../src/store/store';
import { COMMITS, SHA, expectedGraph, seedPipeline } from '../fixtures/lineage/pipeline';

const sortBy = <T>(items: readonly T[], key: (item: T) => string): T[] => [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

describe('buildLineage', () => {
  it('joins runs through shared file contents, skips logs and unknown runs, and keeps edges unique', () => {
    const run = (id: string) => ({ id, name: id, status: 'FINISHED' as const, commit: null, branch: null });
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
        { name: 'm', version: 1, stage: 'Production', aliases: [], runId: 'r1' },
        { name: 'm', version: 2, stage: 'None', aliases: [], runId: null },
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

describe('buildLineage grouping and marks', () => {
  const run = (id: string, dirty = false) => ({ id, name: id, status: 'FINISHED' as const, commit: 'c1', branch: 'main', dirty });
  const sha = (n: number) => n.toString(16).padStart(64, '0');

  it('draws one node for the many files of one name a run wrote, listing them, and keeps edges to and from it', () => {
    const checkpoints = Array.from({ length: 30 }, (_, i) => ({
      runId: 'r1',
      path: `ckpt/epoch-${i}/model.pt`,
      sha256: sha(i + 1),
      role: 'model' as const,
      direction: 'output' as const,
    }));
    const graph = buildLineage({
      runs: [run('r1'), run('r2')],
      artifacts: [
        ...checkpoints,
        { runId: 'r1', path: 'metrics.json', sha256: sha(99), role: 'output', direction: 'output' },
        { runId: 'r2', path: 'model.pt', sha256: sha(30), role: 'model', direction: 'input' },
      ],
      versions: [],
    });
    const models = graph.nodes.filter((n) => n.kind === 'model');
    assert.equal(models.length, 1);
    assert.equal(models[0].id, `file:${sha(30)}`, 'the group stands for the last file written');
    assert.equal(models[0].label, 'model.pt ×30');
    assert.equal(models[0].detail, 'model · 30 files');
    assert.equal(models[0].members?.length, 30);
    assert.equal(models[0].members?.[0], `ckpt/epoch-0/model.pt · ${sha(1).slice(0, 8)}`);
    assert.deepEqual(
      graph.edges.filter((e) => e.from === models[0].id || e.to === models[0].id),
      [
        { from: 'run:r1', to: models[0].id },
        { from: models[0].id, to: 'run:r2' },
      ],
    );
    assert.equal(graph.nodes.find((n) => n.label === 'metrics.json')?.members, undefined, 'a single file stays itself');
  });

  it('marks a run started with uncommitted changes', () => {
    const graph = buildLineage({ runs: [run('clean'), run('edited', true)], artifacts: [], versions: [] });
    assert.equal(graph.nodes.find((n) => n.id === 'run:edited')?.dirty, true);
    assert.equal(graph.nodes.find((n) => n.id === 'run:clean')?.dirty, undefined);
  });
});

describe('buildLineage labels', () => {
  it('names the branches of a commit’s runs and a version’s stage and aliases', () => {
    const run = (id: string, commit: string, branch: string | null) => ({ id, name: id, status: 'FINISHED' as const, commit, branch });
    const graph = buildLineage({
      runs: [run('r1', 'c1', 'main'), run('r2', 'c1', 'dev'), run('r3', 'c1', 'main'), run('r4', 'c2', null)],
      artifacts: [],
      versions: [
        { name: 'm', version: 3, stage: 'Production', aliases: ['champion', 'prod'], runId: 'r1' },
        { name: 'm', version: 4, stage: 'None', aliases: [], runId: 'r2' },
      ],
    });
    const detail = (id: string) => graph.nodes.find((n) => n.id === id)?.detail;
    assert.equal(detail('commit:c1'), 'commit · main, dev');
    assert.equal(detail('commit:c2'), 'commit');
    assert.equal(detail('version:m/3'), 'Production · @champion @prod');
    assert.equal(detail('version:m/4'), 'None');
  });
});

describe('lineageSubgraph', () => {
  const node = (id: string, kind: 'run' | 'data' | 'commit' | 'version' = 'run') => ({ id, kind, label: id, detail: '' });
  const ids = (graph: LineageGraph) => graph.nodes.map((n) => n.id).sort();
  // raw -> a -> f -> b -> g, raw -> c (a sibling of a: same input, no path to or from a), commits ca -> a, cb -> b, cc -> c.
  const graph: LineageGraph = {
    nodes: [
      node('raw', 'data'),
      node('a'),
      node('f', 'data'),
      node('b'),
      node('g', 'data'),
      node('c'),
      node('ca', 'commit'),
      node('cb', 'commit'),
      node('cc', 'commit'),
    ],
    edges: [
      { from: 'raw', to: 'a' },
      { from: 'a', to: 'f' },
      { from: 'f', to: 'b' },
      { from: 'b', to: 'g' },
      { from: 'raw', to: 'c' },
      { from: 'ca', to: 'a' },
      { from: 'cb', to: 'b' },
      { from: 'cc', to: 'c' },
    ],
  };

  it('keeps what is upstream and downstream of the focus, transitively, with the commits of the runs kept', () => {
    const sub = lineageSubgraph(graph, 'a');
    assert.deepEqual(ids(sub), ['a', 'b', 'ca', 'cb', 'f', 'g', 'raw']);
    assert.deepEqual(
      sub.edges,
      graph.edges.filter((e) => e.to !== 'c'),
    );
  });

  it('from a downstream node, keeps only its ancestors', () => {
    assert.deepEqual(ids(lineageSubgraph(graph, 'g')), ['a', 'b', 'ca', 'cb', 'f', 'g', 'raw']);
    assert.deepEqual(ids(lineageSubgraph(graph, 'c')), ['c', 'cc', 'raw']);
  });

  it('follows a model version through the run that made it', () => {
    const withVersion: LineageGraph = { nodes: [...graph.nodes, node('v', 'version')], edges: [...graph.edges, { from: 'a', to: 'v' }] };
    assert.deepEqual(ids(lineageSubgraph(withVersion, 'v')), ['a', 'b', 'ca', 'cb', 'f', 'g', 'raw', 'v']);
  });

  it('ends on a cycle (a run that rewrites the file it read)', () => {
    const cyclic: LineageGraph = {
      nodes: [node('x', 'data'), node('f', 'data'), node('r'), node('s')],
      edges: [
        { from: 'x', to: 'r' },
        { from: 'f', to: 'r' },
        { from: 'r', to: 'f' },
        { from: 'f', to: 's' },
      ],
    };
    assert.deepEqual(ids(lineageSubgraph(cyclic, 'r')), ['f', 'r', 's', 'x']);
  });

  it('says so when the focus is not in the graph', () => {
    assert.throws(() => lineageSubgraph(graph, 'run:nope'), /The lineage graph has no node 'run:nope'/);
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
    assert.deepEqual(layout.edges[0].points, [
      { x: 100, y: 10 },
      { x: 150, y: 10 },
    ]);
    assert.deepEqual([layout.width, layout.height], [400, 50]);
  });

  it('puts what a run wrote level with the run, the rest just below, and draws edges as horizontal and vertical lines', () => {
    // A commit feeding two runs; r1 writes three files, r2 one; r2 also reads r1's first file.
    const graph = {
      nodes: ['c', 'r1', 'r2', 'f1', 'f2', 'f3', 'g'].map(node),
      edges: [
        { from: 'c', to: 'r1' },
        { from: 'r1', to: 'f1' },
        { from: 'r1', to: 'f2' },
        { from: 'r1', to: 'f3' },
        { from: 'f1', to: 'r2' },
        { from: 'c', to: 'r2' },
        { from: 'r2', to: 'g' },
      ],
    };
    const layout = layoutLineage(graph, sizes);
    const y = Object.fromEntries(layout.nodes.map((n) => [n.node.id, n.y]));
    assert.equal(y.f1, y.r1, 'the first output is level with its run');
    assert.deepEqual([y.f2, y.f3], [y.r1 + 30, y.r1 + 60], 'the others stack right below it');
    assert.equal(y.g, y.r2, 'and so is r2’s output');
    for (const edge of layout.edges) {
      for (let i = 1; i < edge.points.length; i++) {
        const [a, b] = [edge.points[i - 1], edge.points[i]];
        assert.ok(a.x === b.x || a.y === b.y, `${edge.from}->${edge.to} segment ${i} is horizontal or vertical`);
      }
    }
    const bent = layout.edges.find((e) => e.from === 'r1' && e.to === 'f2')!;
    assert.deepEqual(bent.points, [
      { x: 250, y: 10 },
      { x: 275, y: 10 },
      { x: 275, y: 40 },
      { x: 300, y: 40 },
    ]);
  });

  it('places nodes of a cycle (a run that rewrites the file it read) without looping', () => {
    const graph = {
      nodes: ['x', 'f', 'r'].map(node),
      edges: [
        { from: 'x', to: 'r' },
        { from: 'f', to: 'r' },
        { from: 'r', to: 'f' },
      ],
    };
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
    assert.deepEqual(
      sortBy(snapshot.graph.nodes, (n) => n.id),
      sortBy(expected.nodes, (n) => n.id),
    );
    assert.deepEqual(
      sortBy(snapshot.graph.edges, (e) => `${e.from}>${e.to}`),
      sortBy(expected.edges, (e) => `${e.from}>${e.to}`),
    );
  });

  it('shows only the newest runs and says how many are left out', () => {
    seedPipeline(store);
    const snapshot = lineageSnapshot(store, { maxRuns: 2 });
    assert.equal(snapshot.omittedRuns, 1);
    assert.equal(snapshot.graph.nodes.filter((n) => n.kind === 'run').length, 2);
  });

  it('shows a model version’s lineage as its run’s: the model file and the later eval run that read it', () => {
    const ids = seedPipeline(store);
    const snapshot = lineageSnapshot(store, { focus: 'version:clf/1' });
    assert.equal(snapshot.focus, 'version:clf/1');
    const nodeIds = (graph: LineageGraph) => graph.nodes.map((n) => n.id).sort();
    assert.deepEqual(nodeIds(snapshot.graph), nodeIds(lineageSnapshot(store, { focus: `run:${ids.train}` }).graph));
    assert.ok(nodeIds(snapshot.graph).includes(`run:${ids.eval}`));
    // eval read the model but made no version: its lineage leaves the version out.
    const evalLineage = lineageSnapshot(store, { focus: `run:${ids.eval}` }).graph;
    assert.deepEqual(
      nodeIds(evalLineage),
      nodeIds(expectedGraph(ids, SHA)).filter((id) => id !== 'version:clf/1'),
    );
    assert.equal(evalLineage.edges.length, 8);
  });

  it('walks a lineage in the store, however many newer runs there are, nearest first and capped', () => {
    const ids = seedPipeline(store);
    for (let i = 0; i < 5; i++) store.createRun({ name: `later-${i}`, startTime: 10_000 + i });
    assert.deepEqual(lineageRunIds(store, ids.train), [ids.train, ids.prep, ids.eval], 'itself, upstream, then downstream');
    const runsOf = (snapshot: LineageSnapshotMessage): string[] =>
      snapshot.graph.nodes
        .filter((n) => n.kind === 'run')
        .map((n) => n.id)
        .sort();
    const whole = lineageSnapshot(store, { focus: `run:${ids.prep}`, maxRuns: 3 });
    assert.deepEqual(runsOf(whole), [`run:${ids.prep}`, `run:${ids.train}`, `run:${ids.eval}`].sort(), 'the five newer runs do not crowd it out');
    assert.equal(whole.omittedRuns, 0);
    const capped = lineageSnapshot(store, { focus: `run:${ids.prep}`, maxRuns: 2 });
    assert.deepEqual(runsOf(capped), [`run:${ids.prep}`, `run:${ids.train}`].sort());
    assert.equal(capped.omittedRuns, 1);
    const version = lineageSnapshot(store, { focus: 'version:clf/1', maxRuns: 3 });
    for (const id of [`run:${ids.prep}`, `file:${SHA.raw}`, `commit:${COMMITS[0]}`, `run:${ids.eval}`])
      assert.ok(
        version.graph.nodes.some((n) => n.id === id),
        id,
      );
    assert.equal(pathOfContent(store, SHA.model), 'models/model.pt');
    assert.equal(pathOfContent(store, 'f'.repeat(64)), undefined);
  });

  it('refuses a version made by no run, an unknown run and other kinds with clear errors', () => {
    seedPipeline(store);
    new ModelRegistry(store).createVersion('clf', { source: 's3://bucket/model' });
    assert.throws(() => lineageSnapshot(store, { focus: 'version:clf/2' }), /Model clf v2 was not made by a run, so it has no lineage\./);
    assert.throws(() => lineageSnapshot(store, { focus: `run:${'9'.repeat(32)}` }), /No run with id 9{32}/);
    assert.throws(() => lineageSnapshot(store, { focus: `file:${SHA.raw}` }), /for a run or a model version/);
  });
});

describe('parseLineageMessage', () => {
  it('accepts node ids and rejects anything else', () => {
    assert.deepEqual(parseLineageMessage({ type: 'lineagePanel/open', nodeId: 'run:abc' }), {
      ok: true,
      message: { type: 'lineagePanel/open', nodeId: 'run:abc' },
    });
    for (const bad of [
      null,
      { type: 'x' },
      { type: 'lineagePanel/open', nodeId: '../etc' },
      { type: 'lineagePanel/open', nodeId: 'run:a\nb' },
      { type: 'lineagePanel/open' },
    ]) {
      assert.equal(parseLineageMessage(bad).ok, false, JSON.stringify(bad));
    }
  });
});
