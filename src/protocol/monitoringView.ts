// Messages between the extension host and the sidebar Monitoring view (webview/monitoringView.ts): the running
// model servers (`labbook serve-model`) with their figures over the last minutes, sent whole on every scrape.

import type { ServingFigures } from '../core/servingMetrics';
import { InvalidMessage, parseWebviewMessage, unknownType, type ParseResult } from './messageFields';

/** One running server and what its /metrics said. */
export interface MonitoredServer {
  /** Its process id, as text: the key the page sends back. */
  id: string;
  model: string;
  version: number;
  /** The stage or alias it was started by, when one was named. */
  stage?: string;
  url: string;
  startedAt: string;
  /** Figures between successive scrapes, oldest first (empty until the second scrape). */
  points: ServingFigures[];
  /** labbook.drift.alertShare, drawn on the drift share chart. */
  alertShare: number;
  /** Why the last scrape failed, when it did. */
  error?: string;
}

/** The servers as they stand (none: the page says how to start one). */
export interface MonitoringUpdateMessage {
  type: 'monitoringView/update';
  servers: MonitoredServer[];
}

/** Something failed on the host side. */
export interface MonitoringErrorMessage {
  type: 'monitoringView/error';
  message: string;
}

/** Everything the host sends. */
export type MonitoringToWebview = MonitoringUpdateMessage | MonitoringErrorMessage;

/** The page is listening. */
export interface MonitoringReadyMessage {
  type: 'monitoringView/ready';
}

/** Open the Drift panel on this server's live window against its training data. */
export interface MonitoringOpenDriftMessage {
  type: 'monitoringView/openDrift';
  id: string;
}

/** Everything the page sends. */
export type MonitoringFromWebview = MonitoringReadyMessage | MonitoringOpenDriftMessage;

const PID = /^\d{1,10}$/;

/** Checks a message from the page; a malformed one yields an error that says what is wrong. */
export function parseMonitoringMessage(value: unknown): ParseResult<MonitoringFromWebview> {
  return parseWebviewMessage(value, 'monitoring view', (fields): MonitoringFromWebview => {
    if (fields.type === 'monitoringView/ready') return { type: 'monitoringView/ready' };
    if (fields.type === 'monitoringView/openDrift') {
      if (typeof fields.id !== 'string' || !PID.test(fields.id)) throw new InvalidMessage("'id' must be a server's process id.");
      return { type: 'monitoringView/openDrift', id: fields.id };
    }
    throw unknownType(fields);
  });
}

const TO_WEBVIEW_TYPES: ReadonlySet<unknown> = new Set<MonitoringToWebview['type']>(['monitoringView/update', 'monitoringView/error']);

/** True for a message from the host; the host is trusted, so the page checks only the discriminant. */
export function isMonitoringToWebview(value: unknown): value is MonitoringToWebview {
  return typeof value === 'object' && value !== null && TO_WEBVIEW_TYPES.has((value as { type?: unknown }).type);
}
