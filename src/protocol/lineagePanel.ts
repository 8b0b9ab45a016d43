// Messages between the Lineage panel webview and the extension host. The webview says 'lineagePanel/ready',
// the host answers with the graph (again when the store changes); a click on a node asks the host to open it.

import type { LineageGraph } from '../core/lineage';

/** The graph: every run's lineage, or only that of the focus node. */
export interface LineageSnapshotMessage {
  type: 'lineagePanel/snapshot';
  graph: LineageGraph;
  /** The node whose lineage `graph` is (highlighted and scrolled into view); null for every run's. */
  focus: string | null;
  /** Runs left out because the graph shows only the newest ones; 0 when none. */
  omittedRuns: number;
}

/** Something failed on the host side. */
export interface LineageErrorMessage {
  type: 'lineagePanel/error';
  message: string;
}

/** Every message the host sends to the Lineage panel. */
export type LineageToWebview = LineageSnapshotMessage | LineageErrorMessage;

/** The page has loaded. */
export interface LineageReadyMessage {
  type: 'lineagePanel/ready';
}

/** Open what a node stands for: the run, the commit's diff or the file. */
export interface LineageOpenMessage {
  type: 'lineagePanel/open';
  nodeId: string;
}

/** Every message the Lineage panel webview sends to the host. */
export type LineageFromWebview = LineageReadyMessage | LineageOpenMessage;

/** The outcome of checking a message from the webview. */
export type LineageParseResult = { ok: true; message: LineageFromWebview } | { ok: false; error: string };

const NODE_ID = /^(commit|run|file|version):[^\n]{1,1100}$/;

/** Checks a message from the webview; a malformed one yields an error that says what is wrong. */
export function parseLineageMessage(value: unknown): LineageParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'Lineage panel message must be an object.' };
  const fields = value as Record<string, unknown>;
  if (fields.type === 'lineagePanel/ready') return { ok: true, message: { type: 'lineagePanel/ready' } };
  if (fields.type === 'lineagePanel/open') {
    const nodeId = fields.nodeId;
    if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId))
      return { ok: false, error: "Bad lineage panel message: 'nodeId' is not a node of the graph." };
    return { ok: true, message: { type: 'lineagePanel/open', nodeId } };
  }
  return { ok: false, error: `Bad lineage panel message: unknown type ${JSON.stringify(String(fields.type)).slice(0, 80)}.` };
}

/** True for a message from the host; the host is trusted, so the webview checks only the discriminant. */
export function isLineageToWebview(value: unknown): value is LineageToWebview {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['lineagePanel/snapshot', 'lineagePanel/error'].includes((value as { type?: unknown }).type as string)
  );
}
