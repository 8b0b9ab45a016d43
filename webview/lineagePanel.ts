// The Lineage panel page: the graph laid out left to right (core/lineage: commits, runs, files, model versions)
// and drawn as SVG; a focused lineage (one run's or model version's) highlights that node and scrolls it into view.
// Clicking (or Enter on) a node asks the host to open it. Run data only becomes text nodes.

import { layoutLineage } from '../src/core/lineage';
import type { LineageLayout, LineageNode } from '../src/core/lineage';
import { isLineageToWebview } from '../src/protocol/lineagePanel';
import type { LineageFromWebview, LineageToWebview } from '../src/protocol/lineagePanel';
import { el } from './shared/dom';
import { MessageClient } from './shared/messageClient';

declare global {
  interface Window {
    /** What the page drew, for tests. */
    labbookLineagePanel?: { drawn(): { nodes: number; edges: number; layoutMs: number } };
  }
}

const NODE_WIDTH = 170;
const NODE_HEIGHT = 38;
/** Radius of an edge's corners. */
const CORNER = 6;
const SVG = 'http://www.w3.org/2000/svg';

/** What the legend names, in pipeline order; each kind has its own mark (a stripe at the node's left). */
const LEGEND: readonly { kind: LineageNode['kind']; text: string }[] = [
  { kind: 'commit', text: 'commit' },
  { kind: 'run', text: 'run' },
  { kind: 'data', text: 'data' },
  { kind: 'model', text: 'model' },
  { kind: 'file', text: 'other file' },
  { kind: 'version', text: 'registered version' },
];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An SVG path through horizontal and vertical points, its corners rounded (never by more than half a segment). */
function roundedPath(points: readonly { x: number; y: number }[]): string {
  const parts = [`M${points[0].x},${points[0].y}`];
  for (let i = 1; i < points.length - 1; i++) {
    const [a, b, c] = [points[i - 1], points[i], points[i + 1]];
    const r = Math.min(CORNER, Math.abs(b.x - a.x + b.y - a.y) / 2, Math.abs(c.x - b.x + c.y - b.y) / 2);
    const step = (from: number, to: number): number => Math.sign(to - from) * r;
    parts.push(`L${b.x - step(a.x, b.x)},${b.y - step(a.y, b.y)}`, `Q${b.x},${b.y} ${b.x + step(b.x, c.x)},${b.y + step(b.y, c.y)}`);
  }
  const last = points[points.length - 1];
  parts.push(`L${last.x},${last.y}`);
  return parts.join(' ');
}

/** The kinds of node and the marks of a node, drawn as the nodes are. */
function legend(): HTMLElement {
  const item = (className: string, text: string): HTMLElement =>
    el('li', {}, el('span', { className: `swatch ${className}`, attributes: { 'aria-hidden': 'true' } }), el('span', { text }));
  return el(
    'ul',
    { className: 'legend', attributes: { 'aria-label': 'Legend' } },
    ...LEGEND.map(({ kind, text }) => item(`kind-${kind}`, text)),
    item('dirty', '± uncommitted changes'),
    item('group', '×N many files of one name'),
  );
}

const client = new MessageClient<LineageToWebview, LineageFromWebview>(isLineageToWebview);

class LineagePage {
  private readonly title = el('h1', { text: 'Lineage' });
  private readonly note = el('p', { className: 'note' });
  private readonly banner = el('p', { className: 'banner', attributes: { role: 'alert' } });
  private readonly canvas = el('div', { className: 'graph' });
  private drawn = { nodes: 0, edges: 0, layoutMs: 0 };
  private scrolledTo: string | null = null;

  constructor() {
    this.banner.hidden = true;
    document.body.append(
      el('main', { className: 'lineage-panel', attributes: { 'aria-busy': 'true' } }, this.title, this.banner, this.note, legend(), this.canvas),
    );
  }

  inspect(): { nodes: number; edges: number; layoutMs: number } {
    return this.drawn;
  }

  handle(message: LineageToWebview): void {
    if (message.type === 'lineagePanel/error') {
      this.banner.textContent = message.message;
      this.banner.hidden = false;
      return;
    }
    this.banner.hidden = true;
    const start = performance.now();
    const layout = layoutLineage(message.graph, { nodeWidth: NODE_WIDTH, nodeHeight: NODE_HEIGHT, columnGap: 48, rowGap: 12 });
    const layoutMs = performance.now() - start;
    const runs = message.graph.nodes.filter((n) => n.kind === 'run').length;
    const focus = message.graph.nodes.find((n) => n.id === message.focus);
    this.title.textContent = focus ? `Lineage of ${focus.label}` : 'Lineage';
    const scope = message.omittedRuns ? ` (from the newest runs; ${message.omittedRuns} older runs not included)` : '';
    this.note.textContent = `${runs} runs${scope}. Click a node to open it.`;
    this.canvas.replaceChildren(message.graph.nodes.length ? this.draw(layout, focus?.id) : el('p', { className: 'empty', text: 'No runs yet.' }));
    this.drawn = { nodes: layout.nodes.length, edges: layout.edges.length, layoutMs };
    document.querySelector('main')?.setAttribute('aria-busy', 'false');
    // Centred, so the focus is visible with what feeds it and what it fed, however wide the graph is; only for a new
    // focus, because live runs redraw the graph every second and the user may have scrolled away.
    if (message.focus !== this.scrolledTo) this.canvas.querySelector('g.focus')?.scrollIntoView({ block: 'center', inline: 'center' });
    this.scrolledTo = message.focus;
  }

  private draw(layout: LineageLayout, focus: string | undefined): SVGSVGElement {
    const margin = 12;
    const root = svg('svg', {
      width: layout.width + 2 * margin,
      height: layout.height + 2 * margin,
      viewBox: `${-margin} ${-margin} ${layout.width + 2 * margin} ${layout.height + 2 * margin}`,
      role: 'img',
      'aria-label': 'Lineage graph',
    });
    for (const edge of layout.edges) root.append(svg('path', { d: roundedPath(edge.points), class: 'edge' }));
    for (const { node, x, y } of layout.nodes) root.append(this.nodeGroup(node, x, y, node.id === focus));
    return root;
  }

  private nodeGroup(node: LineageNode, x: number, y: number, focused: boolean): SVGGElement {
    const group = svg('g', {
      class: `node node-${node.kind}${focused ? ' focus' : ''}${node.dirty ? ' dirty' : ''}`,
      transform: `translate(${x - NODE_WIDTH / 2},${y - NODE_HEIGHT / 2})`,
      tabindex: 0,
      role: 'button',
      'data-id': node.id,
    });
    if (focused) {
      // A ring around the focus, so it stands out from nodes of its own kind (whose border colour it may share).
      group.append(svg('rect', { class: 'ring', x: -6, y: -6, width: NODE_WIDTH + 12, height: NODE_HEIGHT + 12, rx: 16 }));
      group.setAttribute('aria-current', 'true');
    }
    const title = [node.label, node.detail, ...(node.dirty ? ['± started with uncommitted changes'] : []), ...(node.members ?? [])].join('\n');
    group.append(
      svg('title', {}, title),
      svg('rect', { class: 'box', width: NODE_WIDTH, height: NODE_HEIGHT, rx: node.kind === 'run' ? 4 : 12 }),
      svg('rect', { class: 'kind', x: 1, y: 6, width: 4, height: NODE_HEIGHT - 12, rx: 2 }),
      svg('text', { x: 12, y: 15, class: 'label' }, clip(node.label, node.dirty ? 17 : 20)),
      svg('text', { x: 12, y: 30, class: 'detail' }, clip(node.detail, 27)),
    );
    if (node.dirty) group.append(svg('text', { x: NODE_WIDTH - 8, y: 15, class: 'badge', 'text-anchor': 'end' }, '±'));
    const open = (): void => client.post({ type: 'lineagePanel/open', nodeId: node.id });
    group.addEventListener('click', open);
    group.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') open();
    });
    return group;
  }
}

const page = new LineagePage();
// Compiled out of the shipped build (LABBOOK_TEST_HOOKS is false there).
if (LABBOOK_TEST_HOOKS) Object.defineProperty(window, 'labbookLineagePanel', { value: Object.freeze({ drawn: () => page.inspect() }) });
client.listen((message) => page.handle(message));
client.post({ type: 'lineagePanel/ready' });
