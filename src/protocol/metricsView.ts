// Messages between the extension host and the sidebar Metrics view (webview/metricsView.ts): small charts of
// the run selected in the Runs view, or of the live run when nothing is selected. Series use the Run panel's
// wire shapes (and the same host-side feed), so both draw alike.

import type { RunStatus } from '../core/types';
import type { RunPanelSeries } from './runPanel';

/** Why the view shows that run. */
export type MetricsViewSource = 'selected' | 'live';

/** The run the view shows. */
export interface MetricsViewRun {
  id: string;
  name: string;
  experimentName: string;
  status: RunStatus;
  startTime: number;
  source: MetricsViewSource;
}

/** A run to show, with every metric (replaces whatever the view showed). */
export interface MetricsViewShowMessage {
  type: 'metricsView/show';
  run: MetricsViewRun;
  metrics: RunPanelSeries[];
}

/** The shown run's name or status changed. */
export interface MetricsViewRunChangedMessage {
  type: 'metricsView/runChanged';
  run: MetricsViewRun;
}

/** New points (or new metric keys) of the shown run. */
export interface MetricsViewMetricsAppendedMessage {
  type: 'metricsView/metricsAppended';
  series: RunPanelSeries[];
}

/** Whole series again (a series outgrew its point budget and was sampled anew). */
export interface MetricsViewMetricsReplacedMessage {
  type: 'metricsView/metricsReplaced';
  series: RunPanelSeries[];
}

/** Nothing to show, and what the user can do about it. */
export interface MetricsViewEmptyMessage {
  type: 'metricsView/empty';
  reason: 'noStore' | 'nothingSelected';
}

/** The store could not be read. */
export interface MetricsViewErrorMessage {
  type: 'metricsView/error';
  message: string;
}

/** Everything the host sends. */
export type MetricsViewToWebview =
  | MetricsViewShowMessage
  | MetricsViewRunChangedMessage
  | MetricsViewMetricsAppendedMessage
  | MetricsViewMetricsReplacedMessage
  | MetricsViewEmptyMessage
  | MetricsViewErrorMessage;

/** The page is listening: the host answers with what to show. */
export interface MetricsViewReadyMessage {
  type: 'metricsView/ready';
}

/** The user asked to open the shown run in its Run panel. */
export interface MetricsViewOpenRunMessage {
  type: 'metricsView/openRun';
  runId: string;
}

/** Everything the page sends. */
export type MetricsViewFromWebview = MetricsViewReadyMessage | MetricsViewOpenRunMessage;

/** A validated page message, or why it was refused. */
export type MetricsViewParseResult = { ok: true; message: MetricsViewFromWebview } | { ok: false; error: string };

const RUN_ID = /^[0-9a-f]{32}$/;

/** Checks a message from the page (untrusted: the page renders run data). */
export function parseMetricsViewMessage(value: unknown): MetricsViewParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'Metrics view message must be an object.' };
  const fields = value as Record<string, unknown>;
  if (fields.type === 'metricsView/ready') return { ok: true, message: { type: 'metricsView/ready' } };
  if (fields.type === 'metricsView/openRun') {
    if (typeof fields.runId !== 'string' || !RUN_ID.test(fields.runId))
      return { ok: false, error: 'Bad metrics view message: runId must be a run id (32 hex digits).' };
    return { ok: true, message: { type: 'metricsView/openRun', runId: fields.runId } };
  }
  return { ok: false, error: `Bad metrics view message: unknown type ${JSON.stringify(String(fields.type)).slice(0, 80)}.` };
}

const TO_WEBVIEW_TYPES: ReadonlySet<unknown> = new Set<MetricsViewToWebview['type']>([
  'metricsView/show',
  'metricsView/runChanged',
  'metricsView/metricsAppended',
  'metricsView/metricsReplaced',
  'metricsView/empty',
  'metricsView/error',
]);

/** True for a message from the host; the host is trusted, so the page checks only the discriminant. */
export function isMetricsViewToWebview(value: unknown): value is MetricsViewToWebview {
  return typeof value === 'object' && value !== null && TO_WEBVIEW_TYPES.has((value as { type?: unknown }).type);
}
