// What the Monitoring view charts for a served model, from its GET /metrics (Prometheus text format, parsed by a
// library into the shape below): request rate, error rate and p50/p95 latency between two successive scrapes,
// computed as Prometheus's rate() and histogram_quantile() would, and the drift share gauge as it stands.
// The series names are fixed by `labbook serve-model` (docs/drift.md):
//   predictions_total{model,version,status="ok"|"error"}   counter
//   prediction_duration_seconds{model,version}              histogram (_bucket{le}, _sum, _count)
//   drift_share_of_drifted_features{model,version}          gauge

/** One sample of a metric family as the text-format parser returns it (prom2javascript's shape). */
export interface ExpositionSample {
  labels: Readonly<Record<string, string>>;
  value?: number;
  /** A histogram's cumulative bucket counts by upper bound ('0.005', …, '+Inf'). */
  buckets?: Readonly<Record<string, number>>;
  count?: number;
  sum?: number;
}

/** One metric family: its type ('counter', 'gauge', 'histogram', …) and samples. */
export interface ExpositionFamily {
  type: string;
  help: string;
  data: readonly ExpositionSample[];
}

/** A parsed exposition: families by name. */
export type Exposition = Readonly<Record<string, ExpositionFamily>>;

/** One cumulative histogram bucket: how many observations were at most `le`. */
export interface Bucket {
  le: number;
  count: number;
}

/** What one scrape says about one served model version. */
export interface ServingScrape {
  /** When it was taken (ms since the epoch). */
  at: number;
  ok: number;
  errors: number;
  /** prediction_duration_seconds's buckets, ascending, ending with +Inf; empty before the first request. */
  buckets: Bucket[];
  /** drift_share_of_drifted_features, or null while the server has not computed it yet. */
  driftShare: number | null;
}

/** Series names of `labbook serve-model`'s exposition. */
export const SERVING_SERIES = {
  predictions: 'predictions_total',
  duration: 'prediction_duration_seconds',
  driftShare: 'drift_share_of_drifted_features',
} as const;

function samplesOf(exposition: Exposition, name: string, model: string, version: string): ExpositionSample[] {
  return (exposition[name]?.data ?? []).filter((s) => s.labels.model === model && s.labels.version === version);
}

function bucketsOf(sample: ExpositionSample | undefined): Bucket[] {
  if (!sample?.buckets) return [];
  return Object.entries(sample.buckets)
    .map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
}

/** The figures of `model` version `version` in a parsed exposition taken at `at`. */
export function servingScrape(exposition: Exposition, model: string, version: number | string, at: number): ServingScrape {
  const v = String(version);
  const predictions = samplesOf(exposition, SERVING_SERIES.predictions, model, v);
  const total = (status: string): number => predictions.filter((s) => s.labels.status === status).reduce((sum, s) => sum + (s.value ?? 0), 0);
  const drift = samplesOf(exposition, SERVING_SERIES.driftShare, model, v)[0]?.value;
  return {
    at,
    ok: total('ok'),
    errors: total('error'),
    buckets: bucketsOf(samplesOf(exposition, SERVING_SERIES.duration, model, v)[0]),
    driftShare: drift === undefined || Number.isNaN(drift) ? null : drift,
  };
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of cumulative `buckets` by linear interpolation inside the bucket that holds it, as
 * PromQL's histogram_quantile(): the first bucket starts at 0 (when its bound is positive), a quantile in the +Inf
 * bucket is the highest finite bound. Null without observations or without a +Inf bucket.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  if (buckets.length < 2 || buckets[buckets.length - 1].le !== Infinity) return null;
  const total = buckets[buckets.length - 1].count;
  if (!(total > 0)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * total;
  const index = buckets.findIndex((b) => b.count >= rank);
  if (index === buckets.length - 1) return buckets[buckets.length - 2].le;
  const bucket = buckets[index];
  if (index === 0 && bucket.le <= 0) return bucket.le;
  const start = index === 0 ? 0 : buckets[index - 1].le;
  const below = index === 0 ? 0 : buckets[index - 1].count;
  const inBucket = bucket.count - below;
  return inBucket === 0 ? bucket.le : start + (bucket.le - start) * ((rank - below) / inBucket);
}

/** A counter's increase; a smaller value means the server restarted and counts from zero (as PromQL's rate()). */
function increase(before: number, after: number): number {
  return after >= before ? after - before : after;
}

/** Buckets of the observations made between two scrapes (all of `after`'s when the histogram was reset). */
export function bucketIncrease(before: readonly Bucket[], after: readonly Bucket[]): Bucket[] {
  const previous = new Map(before.map((b) => [b.le, b.count]));
  const reset = after.some((b) => (previous.get(b.le) ?? 0) > b.count);
  return after.map((b) => ({ le: b.le, count: reset ? b.count : b.count - (previous.get(b.le) ?? 0) }));
}

/** What the Monitoring view charts at one point in time. */
export interface ServingFigures {
  at: number;
  /** Predictions a second (ok and error). */
  requestRate: number;
  /** The share of those predictions that failed (0 to 1); null when there were none. */
  errorRate: number | null;
  /** Median and 95th percentile latency in seconds over the interval; null when there were no predictions. */
  p50: number | null;
  p95: number | null;
  driftShare: number | null;
}

/** The figures between two successive scrapes of the same server. */
export function servingFigures(before: ServingScrape, after: ServingScrape): ServingFigures {
  const seconds = Math.max((after.at - before.at) / 1000, 1e-3);
  const ok = increase(before.ok, after.ok);
  const errors = increase(before.errors, after.errors);
  const requests = ok + errors;
  const buckets = bucketIncrease(before.buckets, after.buckets);
  return {
    at: after.at,
    requestRate: requests / seconds,
    errorRate: requests > 0 ? errors / requests : null,
    p50: histogramQuantile(0.5, buckets),
    p95: histogramQuantile(0.95, buckets),
    driftShare: after.driftShare,
  };
}

/** True when the drift share has just passed `threshold` (from at or below it, or from unknown): one alert per crossing. */
export function driftAlertDue(previous: number | null, current: number | null, threshold: number): boolean {
  return current !== null && current > threshold && (previous === null || previous <= threshold);
}
