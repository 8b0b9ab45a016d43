// The lineage graph: commits -> runs -> the data and models they wrote (by content hash) -> registered model
// versions, and on to the later runs that read the same data or model. Pure: the host gathers the facts, the
// webview lays the graph out. Files are identified by sha256, so one file written by a run and read by another
// is one node however its paths differ.

import type { ArtifactDirection, ArtifactRole, RunStatus } from './types';

/** What a node stands for. */
export type LineageKind = 'commit' | 'run' | 'data' | 'model' | 'file' | 'version';

/** One node of the graph. */
export interface LineageNode {
  /** `<kind>:<key>`: commit sha, run id, file sha256 or `<model name>/<version>`. */
  id: string;
  kind: LineageKind;
  label: string;
  /** A second line: status, path, stage. */
  detail: string;
  /** A run started with uncommitted changes (git.dirty); absent otherwise. */
  dirty?: true;
  /** For files of one name that one run wrote many of: each file's `path · sha` (the node is the last one). */
  members?: string[];
}

/** A directed edge: `from` produced or fed `to`. */
export interface LineageEdge {
  from: string;
  to: string;
}

/** The graph. */
export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** A run as the lineage needs it. */
export interface LineageRun {
  id: string;
  name: string;
  status: RunStatus;
  commit: string | null;
  branch: string | null;
  /** The working tree had uncommitted changes when the run started. */
  dirty?: boolean;
}

/** A file a run read or wrote. */
export interface LineageArtifact {
  runId: string;
  path: string;
  sha256: string;
  role: ArtifactRole;
  direction: ArtifactDirection;
  /** DVC's md5 when DVC tracks the file (its bytes are in DVC's cache, not Labbook's store). */
  dvcMd5?: string;
}

/** A registered model version and the run it came from. */
export interface LineageVersion {
  name: string;
  version: number;
  stage: string;
  aliases: readonly string[];
  runId: string | null;
}

/** Everything the graph is built from. */
export interface LineageFacts {
  runs: readonly LineageRun[];
  artifacts: readonly LineageArtifact[];
  versions: readonly LineageVersion[];
}

function fileKind(role: ArtifactRole): LineageKind {
  return role === 'model' ? 'model' : role === 'data' ? 'data' : 'file';
}

function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

// A commit's second line names the branches its runs were on (usually one), so "main" and "exp/lr" tell apart.
function commitDetails(runs: readonly LineageRun[]): Map<string, string> {
  const branches = new Map<string, Set<string>>();
  for (const run of runs) {
    if (!run.commit) continue;
    const known = branches.get(run.commit) ?? new Set<string>();
    if (run.branch) known.add(run.branch);
    branches.set(run.commit, known);
  }
  return new Map([...branches].map(([commit, names]) => [commit, names.size ? `commit · ${[...names].join(', ')}` : 'commit']));
}

function versionDetail(version: LineageVersion): string {
  return version.aliases.length ? `${version.stage} · ${version.aliases.map((alias) => `@${alias}`).join(' ')}` : version.stage;
}

/** Files of one name written by one run, in the order written: one node for them all (30 checkpoints: one node). */
interface FileGroup {
  name: string;
  role: ArtifactRole;
  members: LineageArtifact[];
}

/** Most files a group's tooltip lists. */
const MAX_GROUP_MEMBERS_LISTED = 50;

/**
 * Groups every run's outputs by name and kind; a content belongs to the first group that has it. Returns the
 * content each grouped content is drawn as (the group's last) and the groups of more than one content by it.
 */
function fileGroups(artifacts: readonly LineageArtifact[]): { drawnAs: Map<string, string>; groups: Map<string, FileGroup> } {
  const byName = new Map<string, FileGroup>();
  const grouped = new Set<string>();
  for (const artifact of artifacts) {
    if (artifact.direction !== 'output' || artifact.role === 'log' || grouped.has(artifact.sha256)) continue;
    const name = baseName(artifact.path);
    const key = `${artifact.runId}\n${artifact.role}\n${name}`;
    const group = byName.get(key) ?? { name, role: artifact.role, members: [] };
    group.members.push(artifact);
    byName.set(key, group);
    grouped.add(artifact.sha256);
  }
  const drawnAs = new Map<string, string>();
  const groups = new Map<string, FileGroup>();
  for (const group of byName.values()) {
    if (group.members.length < 2) continue;
    const last = group.members[group.members.length - 1].sha256;
    for (const member of group.members) drawnAs.set(member.sha256, last);
    groups.set(last, group);
  }
  return { drawnAs, groups };
}

function fileNode(id: string, artifact: LineageArtifact, group: FileGroup | undefined): LineageNode {
  const kind = fileKind(artifact.role);
  if (artifact.dvcMd5) return { id, kind, label: baseName(artifact.path), detail: `DVC · md5 ${artifact.dvcMd5.slice(0, 8)}` };
  if (!group) return { id, kind, label: baseName(artifact.path), detail: `${artifact.role} · ${artifact.sha256.slice(0, 8)}` };
  const members = group.members.slice(0, MAX_GROUP_MEMBERS_LISTED).map((member) => `${member.path} · ${member.sha256.slice(0, 8)}`);
  return { id, kind, label: `${group.name} ×${group.members.length}`, detail: `${group.role} · ${group.members.length} files`, members };
}

/**
 * Builds the graph: a commit node per commit, a node per run, a node per distinct file content (console logs
 * left out) except that the many files of one name one run wrote (checkpoints) are one node, a node per
 * registered version; edges commit -> run, input file -> run, run -> output file and run -> version. Edges are
 * unique; runs without a known run id in `versions` add no version edge.
 */
export function buildLineage(facts: LineageFacts): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, LineageEdge>();
  const addNode = (node: LineageNode): void => {
    if (!nodes.has(node.id)) nodes.set(node.id, node);
  };
  const addEdge = (from: string, to: string): void => {
    edges.set(`${from}\n${to}`, { from, to });
  };
  const runIds = new Set(facts.runs.map((run) => run.id));
  const commitDetail = commitDetails(facts.runs);
  for (const run of facts.runs) {
    addNode({
      id: `run:${run.id}`,
      kind: 'run',
      label: run.name,
      detail: `${run.status.toLowerCase()} · ${run.id.slice(0, 8)}`,
      ...(run.dirty ? { dirty: true as const } : {}),
    });
    if (!run.commit) continue;
    addNode({ id: `commit:${run.commit}`, kind: 'commit', label: run.commit.slice(0, 10), detail: commitDetail.get(run.commit) ?? 'commit' });
    addEdge(`commit:${run.commit}`, `run:${run.id}`);
  }
  const artifacts = facts.artifacts.filter((artifact) => artifact.role !== 'log' && runIds.has(artifact.runId));
  const { drawnAs, groups } = fileGroups(artifacts);
  for (const artifact of artifacts) {
    const drawn = drawnAs.get(artifact.sha256) ?? artifact.sha256;
    const id = `file:${drawn}`;
    addNode(fileNode(id, artifact, groups.get(drawn)));
    if (artifact.direction === 'input') addEdge(id, `run:${artifact.runId}`);
    else addEdge(`run:${artifact.runId}`, id);
  }
  for (const version of facts.versions) {
    if (!version.runId || !runIds.has(version.runId)) continue;
    const id = `version:${version.name}/${version.version}`;
    addNode({ id, kind: 'version', label: `${version.name} v${version.version}`, detail: versionDetail(version) });
    addEdge(`run:${version.runId}`, id);
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** Each node's sources and targets (edges to nodes outside the graph are left out). */
function adjacency(graph: LineageGraph): { inputs: Map<string, string[]>; outputs: Map<string, string[]> } {
  const inputs = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  const outputs = new Map<string, string[]>(graph.nodes.map((n) => [n.id, []]));
  for (const edge of graph.edges) {
    if (!inputs.has(edge.to) || !outputs.has(edge.from)) continue;
    inputs.get(edge.to)?.push(edge.from);
    outputs.get(edge.from)?.push(edge.to);
  }
  return { inputs, outputs };
}

// Every node reachable from `starts` along `next`; the visited set makes cycles harmless.
function reachable(starts: readonly string[], next: Map<string, string[]>): Set<string> {
  const seen = new Set(starts);
  const queue = [...starts];
  for (let i = 0; i < queue.length; i++) {
    for (const id of next.get(queue[i]) ?? []) {
      if (seen.has(id)) continue;
      seen.add(id);
      queue.push(id);
    }
  }
  return seen;
}

/**
 * The lineage of one node (a run, a model version, a file, a commit): everything upstream of it (the commit,
 * inputs and the runs that made them, transitively), everything downstream (its outputs, model versions and the
 * later runs that read them, transitively), and the commit of every run kept. A model version stands for what its
 * run made, so its lineage is that run's. Edges between kept nodes stay. Throws when the graph has no such node.
 */
export function lineageSubgraph(graph: LineageGraph, focus: string): LineageGraph {
  const kinds = new Map(graph.nodes.map((node) => [node.id, node.kind]));
  if (!kinds.has(focus)) throw new Error(`The lineage graph has no node '${focus}'.`);
  const { inputs, outputs } = adjacency(graph);
  const starts = [focus, ...(kinds.get(focus) === 'version' ? (inputs.get(focus) ?? []) : [])];
  const kept = new Set([...reachable(starts, inputs), ...reachable(starts, outputs)]);
  for (const id of [...kept]) {
    if (kinds.get(id) !== 'run') continue;
    for (const from of inputs.get(id) ?? []) if (kinds.get(from) === 'commit') kept.add(from);
  }
  return { nodes: graph.nodes.filter((node) => kept.has(node.id)), edges: graph.edges.filter((edge) => kept.has(edge.from) && kept.has(edge.to)) };
}

/** Where the nodes and edges of a graph go. */
export interface LineageLayout {
  width: number;
  height: number;
  nodes: { node: LineageNode; x: number; y: number }[];
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
}

/** Box of a node and the gaps between columns and rows, in pixels. */
export interface LayoutSizes {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
}

/** The column of each node: the longest path to it from a node without inputs (a cycle is cut where it closes),
 * then nodes without inputs moved right to just before their first target. */
function ranksOf(graph: LineageGraph): Map<string, number> {
  const { inputs, outputs } = adjacency(graph);
  const waiting = new Map(graph.nodes.map((n) => [n.id, inputs.get(n.id)?.length ?? 0]));
  const rank = new Map<string, number>();
  const queue = graph.nodes.filter((n) => waiting.get(n.id) === 0).map((n) => n.id);
  const settle = (id: string): void => {
    rank.set(id, Math.max(-1, ...(inputs.get(id) ?? []).map((from) => rank.get(from) ?? -1)) + 1);
    for (const to of outputs.get(id) ?? []) {
      const left = (waiting.get(to) ?? 0) - 1;
      waiting.set(to, left);
      if (left === 0) queue.push(to);
    }
  };
  for (let i = 0; i < queue.length; i++) settle(queue[i]);
  // Nodes on a cycle never reach zero inputs: place them after what is placed, in order.
  for (const node of graph.nodes) {
    if (rank.has(node.id)) continue;
    settle(node.id);
    for (let i = queue.length - 1; i >= 0 && !rank.has(queue[i]); i--) settle(queue[i]);
  }
  // A node without inputs (a commit, raw data) goes just before the first node it feeds, not in the first column.
  for (const node of graph.nodes) {
    const targets = outputs.get(node.id) ?? [];
    if ((inputs.get(node.id)?.length ?? 0) === 0 && targets.length > 0) rank.set(node.id, Math.min(...targets.map((to) => rank.get(to) ?? 1)) - 1);
  }
  return rank;
}

/**
 * Each node's slot (row) in its column, column by column: a node asks for the mean slot of its inputs already
 * placed, rounded, and gets the first free slot from there down (nodes asking for the same slot keep their order).
 * So a run's outputs start level with it and a run sits level with its commit; slots left free make the graph
 * taller, never wider. O(n log n) for the sort within each column.
 */
function slotsOf(columns: readonly LineageNode[][], inputs: Map<string, string[]>): Map<string, number> {
  const slot = new Map<string, number>();
  for (const column of columns) {
    const wanted = column.map((node, index) => {
      const placed = (inputs.get(node.id) ?? []).flatMap((from) => slot.get(from) ?? []);
      return { node, index, want: placed.length ? Math.round(placed.reduce((a, b) => a + b, 0) / placed.length) : Number.POSITIVE_INFINITY };
    });
    wanted.sort((a, b) => a.want - b.want || a.index - b.index);
    let next = 0;
    for (const { node, want } of wanted) {
      const at = Number.isFinite(want) ? Math.max(want, next) : next;
      slot.set(node.id, at);
      next = at + 1;
    }
  }
  return slot;
}

/**
 * An edge as horizontal and vertical lines: out of the source's right side, down or up in the gap before the
 * target's column, into the target's left side; a straight line when both are level.
 */
function edgePoints(from: { x: number; y: number }, to: { x: number; y: number }, sizes: LayoutSizes): { x: number; y: number }[] {
  const start = { x: from.x + sizes.nodeWidth / 2, y: from.y };
  const end = { x: to.x - sizes.nodeWidth / 2, y: to.y };
  if (start.y === end.y) return [start, end];
  const bend = end.x - sizes.columnGap / 2;
  return [start, { x: bend, y: start.y }, { x: bend, y: end.y }, end];
}

/**
 * A layered layout, left to right, in O(nodes + edges) (plus a sort per column): columns by longest path, slots
 * by the inputs' mean slot (slotsOf), so outputs sit level with the run that wrote them. Edges go from the right
 * side of their source to the left side of their target as horizontal and vertical lines, never through one dummy
 * node per column as in dagre or elk (a commit feeding runs all along a 2,000-column chain makes ~10^6 of them:
 * tens of seconds there, milliseconds here; docs/architecture.md has the figures). The price is more crossings on
 * tangled graphs.
 */
export function layoutLineage(graph: LineageGraph, sizes: LayoutSizes): LineageLayout {
  const rank = ranksOf(graph);
  const columns: LineageNode[][] = [];
  for (const node of graph.nodes) (columns[rank.get(node.id) ?? 0] ??= []).push(node);
  const slot = slotsOf(columns, adjacency(graph).inputs);
  const { nodeWidth, nodeHeight, columnGap, rowGap } = sizes;
  const center = new Map<string, { x: number; y: number }>();
  let slots = 0;
  const nodes = columns.flatMap((column, c) =>
    column.map((node) => {
      const at = slot.get(node.id) ?? 0;
      slots = Math.max(slots, at + 1);
      const point = { x: c * (nodeWidth + columnGap) + nodeWidth / 2, y: at * (nodeHeight + rowGap) + nodeHeight / 2 };
      center.set(node.id, point);
      return { node, ...point };
    }),
  );
  const edges = graph.edges.flatMap((edge) => {
    const [from, to] = [center.get(edge.from), center.get(edge.to)];
    return from && to ? [{ ...edge, points: edgePoints(from, to, sizes) }] : [];
  });
  return { width: columns.length * (nodeWidth + columnGap) - columnGap, height: slots * (nodeHeight + rowGap) - rowGap, nodes, edges };
}
