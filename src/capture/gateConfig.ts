// The `gates:` section of labbook.yaml: the model gates a workspace keeps, each shown as a test in VS Code's
// Testing view and runnable as `labbook gate`. Each bad entry warns (naming the file and the field) and is left out.

import type { MetricDirection } from '../core/metricDirection';

/** One condition of a gate: the metric, which way is better (else what its name implies) and the least gain. */
export interface GateMetricConfig {
  metric: string;
  direction?: MetricDirection;
  minDelta?: number;
}

/** A gate as labbook.yaml states it; the shape `labbook gate` takes (src/models/gate.ts GateRequest). */
export interface GateConfig {
  /** Shown in the Testing view; defaults to `<model>: <metrics>`. */
  name: string;
  model: string;
  metrics: GateMetricConfig[];
  /** `Production` (default), `Staging`, `@alias` or a run reference. */
  against?: string;
  /** A run reference; default `@last`. */
  candidate?: string;
}

const GATE_KEYS = ['name', 'model', 'metrics', 'against', 'candidate'];
const METRIC_KEYS = ['metric', 'direction', 'minDelta'];

type Warn = (message: string) => void;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function unknownKeys(entry: Record<string, unknown>, known: readonly string[], path: string, warn: Warn): void {
  for (const key of Object.keys(entry)) if (!known.includes(key)) warn(`unknown key '${path}.${key}' is ignored`);
}

function parseMetric(value: unknown, path: string, warn: Warn): GateMetricConfig | undefined {
  const named = text(value);
  if (named) return { metric: named };
  const entry = record(value);
  const metric = text(entry?.metric);
  if (!entry || !metric) {
    warn(`${path} must be a metric name or a mapping with 'metric'; this condition is left out`);
    return undefined;
  }
  unknownKeys(entry, METRIC_KEYS, path, warn);
  const condition: GateMetricConfig = { metric };
  if (entry.direction === 'lower' || entry.direction === 'higher') condition.direction = entry.direction;
  else if (entry.direction !== undefined) warn(`${path}.direction must be 'lower' or 'higher'; using what the name implies`);
  if (typeof entry.minDelta === 'number' && Number.isFinite(entry.minDelta) && entry.minDelta >= 0) condition.minDelta = entry.minDelta;
  else if (entry.minDelta !== undefined) warn(`${path}.minDelta must be a number of 0 or more; using 0`);
  return condition;
}

function parseGate(value: unknown, path: string, warn: Warn): GateConfig | undefined {
  const entry = record(value);
  const model = text(entry?.model);
  if (!entry || !model) {
    warn(`${path} must be a mapping with 'model' and 'metrics'; this gate is left out`);
    return undefined;
  }
  unknownKeys(entry, GATE_KEYS, path, warn);
  const listed = Array.isArray(entry.metrics) ? entry.metrics : entry.metrics === undefined ? [] : [entry.metrics];
  const metrics = listed.flatMap((metric, i) => parseMetric(metric, `${path}.metrics[${i}]`, warn) ?? []);
  if (metrics.length === 0) {
    warn(`${path} has no usable metrics; this gate is left out`);
    return undefined;
  }
  const gate: GateConfig = { name: text(entry.name) ?? `${model}: ${metrics.map((m) => m.metric).join(', ')}`, model, metrics };
  const against = text(entry.against);
  const candidate = text(entry.candidate);
  if (against) gate.against = against;
  if (candidate) gate.candidate = candidate;
  return gate;
}

/** The gates of labbook.yaml's `gates:` list; what cannot be used warns through `warn` and is left out. */
export function parseGates(value: unknown, warn: Warn): GateConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    warn('gates must be a list of gates; none are used');
    return [];
  }
  const gates = value.flatMap((gate, i) => parseGate(gate, `gates[${i}]`, warn) ?? []);
  const seen = new Set<string>();
  return gates.filter((gate) => {
    if (!seen.has(gate.name)) return seen.add(gate.name);
    warn(`gates: a second gate named '${gate.name}' is left out; give each gate its own name`);
    return false;
  });
}
