// Messages between the Compare panel webview and the extension host.
// The webview sends 'comparePanel/ready' with its view settings; the host answers with a snapshot of every run
// and sends it again when the runs change. Series are sampled and smoothed on the host at full resolution
// (smoothing a sample would weigh buckets, not points), so a change of smoothing or axis asks the host again.

import type { RunStatus } from '../core/types';
import type { RunPanelEntry, RunPanelPoints, WireNumber } from './runPanel';
import { InvalidMessage, isFields, parseWebviewMessage, unknownType } from './messageFields';
import type { Fields, ParseResult } from './messageFields';

/** The x axis of the compare charts: step, wall time (ms since epoch) or time since each run started (ms). */
export type CompareAxis = 'step' | 'timestamp' | 'relative';

/** Every x axis, in the order the panel offers them. */
export const COMPARE_AXES: readonly CompareAxis[] = ['step', 'timestamp', 'relative'];

/** One compared run. */
export interface CompareRun {
  id: string;
  name: string;
  /** Name, plus a short id when another compared run has the same name. */
  label: string;
  /** CSS colour derived from the run id (core/compare runColors: stable unless it clashes in this comparison). */
  color: string;
  /** The same colour, faint, for the raw line under a smoothed one. */
  faintColor: string;
  experimentName: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  commit: string | null;
  params: RunPanelEntry[];
}

/** A run's stored summary of one metric (every point counts, whatever was sent). */
export interface CompareStats {
  runId: string;
  count: number;
  last: WireNumber;
  lastStep: number;
  min: WireNumber;
  max: WireNumber;
}

/** One run's series of one metric, as drawn. */
export interface CompareSeries {
  runId: string;
  /** True when `points` is a min/max sample rather than every point. */
  sampled: boolean;
  points: RunPanelPoints;
  /** The full-resolution series smoothed, then sampled alike; null when smoothing is off. */
  smoothed: RunPanelPoints | null;
}

/** One metric key across the runs that logged it. */
export interface CompareMetric {
  key: string;
  stats: CompareStats[];
  series: CompareSeries[];
}

/** The view settings the series were made for. */
export interface CompareView {
  axis: CompareAxis;
  smoothing: number;
}

/** When one compared run reproduces another (its `labbook.reproduces` tag): whether the last metric values matched. */
export interface CompareReproduction {
  originalId: string;
  reproductionId: string;
  reproduced: boolean;
  /** `reproduced: all N metrics match` or `differs: loss 0.31 vs 0.35` (core/reproduction). */
  summary: string;
}

/** One field where a run's environment differs from the first compared run's (docs/inputs.md). */
export interface CompareEnvironmentDifference {
  /** `python.version`, `package numpy`, `variable OMP_NUM_THREADS`, … */
  field: string;
  first: string | null;
  other: string | null;
}

/** How one run's recorded environment differs from the first compared run's. */
export interface CompareEnvironment {
  runId: string;
  differences: CompareEnvironmentDifference[];
}

/** Everything the panel shows. */
export interface CompareSnapshotMessage extends CompareView {
  type: 'comparePanel/snapshot';
  runs: CompareRun[];
  metrics: CompareMetric[];
  /** The reproduction verdict, when one run reproduces another; null otherwise. */
  reproduction: CompareReproduction | null;
  /** Each later run's environment against the first run's; empty when the first run recorded none. */
  environment: CompareEnvironment[];
  /** Ids asked for that are not in the store (deleted). */
  missing: string[];
}

/** The series again, for new view settings (axis or smoothing). */
export interface CompareSeriesReplacedMessage extends CompareView {
  type: 'comparePanel/seriesReplaced';
  metrics: CompareMetric[];
}

/** A finer sample of one metric of every run inside a zoomed window. */
export interface CompareRangeDetailMessage extends CompareView {
  type: 'comparePanel/rangeDetail';
  key: string;
  xMin: number;
  xMax: number;
  series: CompareSeries[];
}

/** One run's value of one metric at the chosen step (null: nothing logged up to it). */
export interface CompareStepValue {
  key: string;
  runId: string;
  value: WireNumber | null;
}

/** Every run's value of every metric at a step, answering 'comparePanel/valuesAtStep'. */
export interface CompareStepValuesMessage {
  type: 'comparePanel/stepValues';
  step: number;
  values: CompareStepValue[];
}

/** Something failed on the host side; the panel shows it until the next snapshot. */
export interface CompareErrorMessage {
  type: 'comparePanel/error';
  message: string;
}

/** Every message the host sends to the Compare panel. */
export type CompareToWebview =
  CompareSnapshotMessage | CompareSeriesReplacedMessage | CompareRangeDetailMessage | CompareStepValuesMessage | CompareErrorMessage;

/** The page has loaded and shows these settings. */
export interface CompareReadyMessage extends CompareView {
  type: 'comparePanel/ready';
}

/** The user chose another axis or smoothing. */
export interface CompareSetViewMessage extends CompareView {
  type: 'comparePanel/setView';
}

/** The user zoomed a chart and wants more detail in the window. */
export interface CompareRequestRangeMessage {
  type: 'comparePanel/requestRange';
  key: string;
  axis: CompareAxis;
  xMin: number;
  xMax: number;
}

/** The user asked for every metric's value at a step. */
export interface CompareValuesAtStepMessage {
  type: 'comparePanel/valuesAtStep';
  step: number;
}

/** Open a compared run in its Run panel. */
export interface CompareOpenRunMessage {
  type: 'comparePanel/openRun';
  runId: string;
}

/** Every message the Compare panel webview sends to the host. */
export type CompareFromWebview =
  CompareReadyMessage | CompareSetViewMessage | CompareRequestRangeMessage | CompareValuesAtStepMessage | CompareOpenRunMessage;

/** The outcome of checking a message from the webview. */
export type CompareParseResult = ParseResult<CompareFromWebview>;

/** Smoothing weights the panel accepts (smoothEma needs a weight below 1). */
export const MAX_COMPARE_SMOOTHING = 0.999;

const MAX_KEY_LENGTH = 1000;
const RUN_ID = /^[0-9a-f]{32}$/;

function finite(fields: Fields, name: string): number {
  const value = fields[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidMessage(`'${name}' must be a finite number.`);
  return value;
}

function axisOf(fields: Fields): CompareAxis {
  const match = COMPARE_AXES.find((axis) => axis === fields.axis);
  if (match === undefined) throw new InvalidMessage(`'axis' must be one of ${COMPARE_AXES.join(', ')}.`);
  return match;
}

function view(fields: Fields): CompareView {
  const smoothing = finite(fields, 'smoothing');
  if (smoothing < 0 || smoothing > MAX_COMPARE_SMOOTHING) throw new InvalidMessage(`'smoothing' must be between 0 and ${MAX_COMPARE_SMOOTHING}.`);
  return { axis: axisOf(fields), smoothing };
}

function requestRange(fields: Fields): CompareRequestRangeMessage {
  const key = fields.key;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH)
    throw new InvalidMessage(`'key' must be a string of 1 to ${MAX_KEY_LENGTH} characters.`);
  const xMin = finite(fields, 'xMin');
  const xMax = finite(fields, 'xMax');
  if (xMin > xMax) throw new InvalidMessage("'xMin' must not be greater than 'xMax'.");
  return { type: 'comparePanel/requestRange', key, axis: axisOf(fields), xMin, xMax };
}

function runId(fields: Fields): string {
  const value = fields.runId;
  if (typeof value !== 'string' || !RUN_ID.test(value)) throw new InvalidMessage("'runId' must be 32 lowercase hex characters.");
  return value;
}

// Builds a fresh message from the checked fields only, so nothing unexpected rides along.
function build(fields: Fields): CompareFromWebview {
  switch (fields.type) {
    case 'comparePanel/ready':
      return { type: 'comparePanel/ready', ...view(fields) };
    case 'comparePanel/setView':
      return { type: 'comparePanel/setView', ...view(fields) };
    case 'comparePanel/requestRange':
      return requestRange(fields);
    case 'comparePanel/valuesAtStep':
      return { type: 'comparePanel/valuesAtStep', step: finite(fields, 'step') };
    case 'comparePanel/openRun':
      return { type: 'comparePanel/openRun', runId: runId(fields) };
    default:
      throw unknownType(fields);
  }
}

/** Checks a message from the webview; a malformed one yields an error that says what is wrong. */
export function parseCompareMessage(value: unknown): CompareParseResult {
  return parseWebviewMessage(value, 'compare panel', build);
}

const TO_WEBVIEW_TYPES: ReadonlySet<unknown> = new Set<CompareToWebview['type']>([
  'comparePanel/snapshot',
  'comparePanel/seriesReplaced',
  'comparePanel/rangeDetail',
  'comparePanel/stepValues',
  'comparePanel/error',
]);

/** True for a message from the host; the host is trusted, so the webview checks only the discriminant. */
export function isCompareToWebview(value: unknown): value is CompareToWebview {
  return isFields(value) && TO_WEBVIEW_TYPES.has(value.type);
}
