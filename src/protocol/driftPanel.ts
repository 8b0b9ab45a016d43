// Messages between the Drift panel webview and the extension host. The webview says 'driftPanel/ready'; the host
// answers with where it stands: reading the two files, the report (histogram bins, never rows), or why it failed.
// The page may ask to check again or to open one of the two files.

import type { DriftPanelReport } from '../core/driftView';
import { InvalidMessage, parseWebviewMessage, unknownType, type ParseResult } from './messageFields';

/** What the host needs to compare the same files again after a window reload; the page keeps it as its webview state. */
export interface DriftSavedFiles {
  /** The reference file's `file:` URI. */
  reference: string;
  /** The current data file's `file:` URI. */
  current: string;
  referenceLabel?: string;
  currentLabel?: string;
}

/** The two files compared, as the page names them (paths relative to the workspace when inside it). */
export interface DriftPanelFiles {
  reference: string;
  current: string;
  /** Saved by the page, handed back to the host when VS Code restores the panel. */
  saved: DriftSavedFiles;
}

/** The host is reading the files (a long read shows a progress notification too). */
export interface DriftLoadingMessage {
  type: 'driftPanel/loading';
  files: DriftPanelFiles;
}

/** The comparison: one row per column with both histograms, and the dataset verdict. */
export interface DriftReportMessage {
  type: 'driftPanel/report';
  files: DriftPanelFiles;
  report: DriftPanelReport;
}

/** The comparison failed: a missing or unreadable file, mismatched schemas; the message says what to change. */
export interface DriftErrorMessage {
  type: 'driftPanel/error';
  message: string;
  files?: DriftPanelFiles;
}

/** Every message the host sends to the Drift panel. */
export type DriftToWebview = DriftLoadingMessage | DriftReportMessage | DriftErrorMessage;

/** The page has loaded. */
export interface DriftReadyMessage {
  type: 'driftPanel/ready';
}

/** Read both files again and compare (they may have changed). */
export interface DriftRerunMessage {
  type: 'driftPanel/rerun';
}

/** Open the reference or the current file in an editor. */
export interface DriftOpenFileMessage {
  type: 'driftPanel/openFile';
  which: 'reference' | 'current';
}

/** Every message the Drift panel webview sends to the host. */
export type DriftFromWebview = DriftReadyMessage | DriftRerunMessage | DriftOpenFileMessage;

/** Checks a message from the webview; a malformed one yields an error that says what is wrong. */
export function parseDriftMessage(value: unknown): ParseResult<DriftFromWebview> {
  return parseWebviewMessage(value, 'drift panel', (fields): DriftFromWebview => {
    if (fields.type === 'driftPanel/ready' || fields.type === 'driftPanel/rerun') return { type: fields.type };
    if (fields.type === 'driftPanel/openFile') {
      if (fields.which !== 'reference' && fields.which !== 'current') throw new InvalidMessage("'which' must be 'reference' or 'current'.");
      return { type: 'driftPanel/openFile', which: fields.which };
    }
    throw unknownType(fields);
  });
}

const TO_WEBVIEW_TYPES: ReadonlySet<unknown> = new Set<DriftToWebview['type']>(['driftPanel/loading', 'driftPanel/report', 'driftPanel/error']);

/** True for a message from the host; the host is trusted, so the page checks only the discriminant. */
export function isDriftToWebview(value: unknown): value is DriftToWebview {
  return typeof value === 'object' && value !== null && TO_WEBVIEW_TYPES.has((value as { type?: unknown }).type);
}

const MOST_URI_CHARS = 8192;
const MOST_LABEL_CHARS = 500;

function savedText(value: unknown, most: number): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= most ? value : undefined;
}

function savedUri(value: unknown): string | undefined {
  const uri = savedText(value, MOST_URI_CHARS);
  return uri?.startsWith('file:') ? uri : undefined;
}

/**
 * The files a restored Drift panel's saved state names, or undefined when it is not what the page saved (an older
 * page, or tampered with): it came from the webview, so only `file:` URIs and short labels are taken.
 */
export function driftFilesOfPanelState(state: unknown): DriftSavedFiles | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const fields = state as Record<string, unknown>;
  const reference = savedUri(fields.reference);
  const current = savedUri(fields.current);
  if (!reference || !current) return undefined;
  const referenceLabel = savedText(fields.referenceLabel, MOST_LABEL_CHARS);
  const currentLabel = savedText(fields.currentLabel, MOST_LABEL_CHARS);
  return { reference, current, ...(referenceLabel && { referenceLabel }), ...(currentLabel && { currentLabel }) };
}
