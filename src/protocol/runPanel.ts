// Messages between the Run panel webview and the extension host.
// The webview sends 'runPanel/ready' first and the host sends nothing before it. The host answers with a
// snapshot (again whenever the panel becomes visible) and then increments while the run is live.
// JSON has no NaN or ±Infinity, so metric values travel as WireNumber.

import type { ArtifactDirection, ArtifactRole, RunStatus } from '../core/types';
import { InvalidMessage, isFields, parseWebviewMessage, unknownType } from './messageFields';
import type { Fields, ParseResult } from './messageFields';

/** A number that survives JSON: finite numbers as themselves, NaN and ±Infinity spelled out. */
export type WireNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** Encodes a number so JSON keeps NaN and ±Infinity (JSON.stringify would turn them into null). */
export function encodeNumber(value: number): WireNumber {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** Decodes a WireNumber; anything unexpected reads as NaN rather than a wrong number. */
export function decodeNumber(value: WireNumber): number {
  if (typeof value === 'number') return value;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return Number.NaN;
}

/** The x axis a chart is drawn against: the step, or ms since the run started. */
export type RunPanelAxis = 'step' | 'relative';

/** The facts the panel header shows about a run. */
export interface RunPanelRun {
  id: string;
  name: string;
  experimentName: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  exitCode: number | null;
  argv: string[];
  cwd: string | null;
  user: string | null;
  host: string | null;
  git: { commit: string | null; branch: string | null; dirty: boolean };
}

/** One param or tag. Pairs rather than a record so hostile keys like `__proto__` stay plain data. */
export interface RunPanelEntry {
  key: string;
  value: string;
}

/** A file the run read or wrote, as the artifacts list shows it. */
export interface RunPanelArtifact {
  path: string;
  sha256: string;
  size: number;
  role: ArtifactRole;
  direction: ArtifactDirection;
}

/** Points of a metric as parallel columns (steps and timestamps are always finite integers). */
export interface RunPanelPoints {
  steps: number[];
  timestamps: number[];
  values: WireNumber[];
}

/** The stored summary of a metric key: every point counts, whatever was sent. */
export interface RunPanelSummary {
  count: number;
  last: WireNumber;
  lastStep: number;
  min: WireNumber;
  max: WireNumber;
}

/** One metric's points as sent: the whole series, new points to append, or a replacement. */
export interface RunPanelSeries {
  key: string;
  summary: RunPanelSummary;
  /** True when `points` is a min/max sample of the stored history rather than every point. */
  sampled: boolean;
  points: RunPanelPoints;
  /**
   * For a sampled series: the full-resolution history smoothed at the requested weight, then sampled
   * (smoothing a sample would weigh buckets, not points). Null means: smooth `points` in the webview.
   */
  smoothed: RunPanelPoints | null;
}

/** The tail of the run's console output. */
export interface RunPanelConsole {
  lines: string[];
  /** The unfinished last line (a progress bar redrawn with \r), shown after `lines`; '' when none. */
  partial: string;
  /** True when earlier output exists that is not shown. */
  truncated: boolean;
}

/** The run facts that change rarely, sent whole. */
export interface RunPanelRunFacts {
  run: RunPanelRun;
  params: RunPanelEntry[];
  tags: RunPanelEntry[];
  artifacts: RunPanelArtifact[];
}

/** Everything the panel shows, sent on ready and whenever the panel becomes visible again. */
export interface RunPanelSnapshotMessage extends RunPanelRunFacts {
  type: 'runPanel/snapshot';
  metrics: RunPanelSeries[];
  console: RunPanelConsole;
  /** How many console lines the panel keeps. */
  consoleLimit: number;
}

/** The run's header, params, tags or artifacts changed (for example it finished). */
export interface RunPanelRunChangedMessage extends RunPanelRunFacts {
  type: 'runPanel/runChanged';
}

/** New points since the last message, per metric, to append; a key not seen before starts a chart. */
export interface RunPanelMetricsAppendedMessage {
  type: 'runPanel/metricsAppended';
  series: RunPanelSeries[];
}

/** Whole series that replace what the panel holds (resampled as the run grew, or smoothing changed). */
export interface RunPanelMetricsReplacedMessage {
  type: 'runPanel/metricsReplaced';
  series: RunPanelSeries[];
}

/** A finer sample of one metric inside a zoomed window, answering 'runPanel/requestRange'. */
export interface RunPanelRangeDetailMessage {
  type: 'runPanel/rangeDetail';
  key: string;
  axis: RunPanelAxis;
  xMin: number;
  xMax: number;
  points: RunPanelPoints;
  smoothed: RunPanelPoints | null;
}

/** New console output: complete lines to append and the current unfinished line. */
export interface RunPanelConsoleAppendedMessage {
  type: 'runPanel/consoleAppended';
  lines: string[];
  partial: string;
  /** True when a burst larger than the read window came in and its start was skipped. */
  truncated: boolean;
}

/** The run is gone (deleted, or the store closed); the panel says so and keeps what it shows. */
export interface RunPanelRunMissingMessage {
  type: 'runPanel/runMissing';
  message: string;
}

/** Something failed on the host side (reading the store, say); the panel shows it until the next snapshot. */
export interface RunPanelErrorMessage {
  type: 'runPanel/error';
  message: string;
}

/** Every message the host sends to the Run panel. */
export type RunPanelToWebview =
  | RunPanelSnapshotMessage
  | RunPanelRunChangedMessage
  | RunPanelMetricsAppendedMessage
  | RunPanelMetricsReplacedMessage
  | RunPanelRangeDetailMessage
  | RunPanelConsoleAppendedMessage
  | RunPanelRunMissingMessage
  | RunPanelErrorMessage;

/** The webview has loaded and wants a snapshot; it says which smoothing weight it shows. */
export interface RunPanelReadyMessage {
  type: 'runPanel/ready';
  smoothing: number;
}

/** The user moved the smoothing slider; sampled series need host-side smoothing again. */
export interface RunPanelSetSmoothingMessage {
  type: 'runPanel/setSmoothing';
  smoothing: number;
}

/** The user zoomed into a sampled chart and wants more detail in that window. */
export interface RunPanelRequestRangeMessage {
  type: 'runPanel/requestRange';
  key: string;
  axis: RunPanelAxis;
  xMin: number;
  xMax: number;
}

/** Open an artifact of this run (the host looks it up; the webview never names a file path to open). */
export interface RunPanelOpenArtifactMessage {
  type: 'runPanel/openArtifact';
  sha256: string;
  path: string;
  direction: ArtifactDirection;
}

/** Reveal an artifact of this run in the file explorer. */
export interface RunPanelRevealArtifactMessage {
  type: 'runPanel/revealArtifact';
  sha256: string;
  path: string;
  direction: ArtifactDirection;
}

/** The run commands the panel's header offers; the host runs `labbook.<command>` on the panel's run. */
export const RUN_PANEL_COMMANDS = ['renameRun', 'editNote', 'addTag', 'removeTag'] as const;

/** A header button: run one of RUN_PANEL_COMMANDS on this run. */
export interface RunPanelRunCommandMessage {
  type: 'runPanel/runCommand';
  command: (typeof RUN_PANEL_COMMANDS)[number];
}

/** Every message the Run panel webview sends to the host. */
export type RunPanelFromWebview =
  | RunPanelRunCommandMessage
  | RunPanelReadyMessage
  | RunPanelSetSmoothingMessage
  | RunPanelRequestRangeMessage
  | RunPanelOpenArtifactMessage
  | RunPanelRevealArtifactMessage;

/** The smoothing slider's upper bound; smoothEma needs a weight below 1. */
export const MAX_SMOOTHING = 0.999;

/** The outcome of checking a message from the webview. */
export type RunPanelParseResult = ParseResult<RunPanelFromWebview>;

const MAX_KEY_LENGTH = 1000;
const MAX_PATH_LENGTH = 4096;
const SHA256 = /^[0-9a-f]{64}$/;

function text(fields: Fields, name: string, maxLength: number): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.length === 0) throw new InvalidMessage(`'${name}' must be a non-empty string.`);
  if (value.length > maxLength) throw new InvalidMessage(`'${name}' is longer than ${maxLength} characters.`);
  return value;
}

function finite(fields: Fields, name: string): number {
  const value = fields[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidMessage(`'${name}' must be a finite number.`);
  return value;
}

function smoothing(fields: Fields): number {
  const value = finite(fields, 'smoothing');
  if (value < 0 || value > MAX_SMOOTHING) throw new InvalidMessage(`'smoothing' must be between 0 and ${MAX_SMOOTHING}.`);
  return value;
}

function oneOf<T extends string>(fields: Fields, name: string, allowed: readonly T[]): T {
  const value = fields[name];
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) throw new InvalidMessage(`'${name}' must be one of ${allowed.join(', ')}.`);
  return match;
}

function artifactRef(fields: Fields): { sha256: string; path: string; direction: ArtifactDirection } {
  const sha256 = text(fields, 'sha256', 64);
  if (!SHA256.test(sha256)) throw new InvalidMessage("'sha256' must be 64 lowercase hex characters.");
  return { sha256, path: text(fields, 'path', MAX_PATH_LENGTH), direction: oneOf(fields, 'direction', ['input', 'output']) };
}

function requestRange(fields: Fields): RunPanelRequestRangeMessage {
  const xMin = finite(fields, 'xMin');
  const xMax = finite(fields, 'xMax');
  if (xMin > xMax) throw new InvalidMessage("'xMin' must not be greater than 'xMax'.");
  return { type: 'runPanel/requestRange', key: text(fields, 'key', MAX_KEY_LENGTH), axis: oneOf(fields, 'axis', ['step', 'relative']), xMin, xMax };
}

// Builds a fresh message from the checked fields only, so nothing unexpected rides along.
function build(fields: Fields): RunPanelFromWebview {
  switch (fields.type) {
    case 'runPanel/ready':
      return { type: 'runPanel/ready', smoothing: smoothing(fields) };
    case 'runPanel/setSmoothing':
      return { type: 'runPanel/setSmoothing', smoothing: smoothing(fields) };
    case 'runPanel/requestRange':
      return requestRange(fields);
    case 'runPanel/openArtifact':
      return { type: 'runPanel/openArtifact', ...artifactRef(fields) };
    case 'runPanel/revealArtifact':
      return { type: 'runPanel/revealArtifact', ...artifactRef(fields) };
    case 'runPanel/runCommand':
      return { type: 'runPanel/runCommand', command: oneOf(fields, 'command', RUN_PANEL_COMMANDS) };
    default:
      throw unknownType(fields);
  }
}

/** Checks a message from the webview; a malformed one yields an error that says what is wrong. */
export function parseRunPanelMessage(value: unknown): RunPanelParseResult {
  return parseWebviewMessage(value, 'run panel', build);
}

const TO_WEBVIEW_TYPES: ReadonlySet<unknown> = new Set<RunPanelToWebview['type']>([
  'runPanel/snapshot',
  'runPanel/runChanged',
  'runPanel/metricsAppended',
  'runPanel/metricsReplaced',
  'runPanel/rangeDetail',
  'runPanel/consoleAppended',
  'runPanel/runMissing',
  'runPanel/error',
]);

/** True for a message from the host; the host is trusted, so the webview checks only the discriminant. */
export function isRunPanelToWebview(value: unknown): value is RunPanelToWebview {
  return isFields(value) && TO_WEBVIEW_TYPES.has(value.type);
}
