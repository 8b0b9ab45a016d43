// The model server's Prometheus series (prom-client, one registry per server). The names are a contract: the
// Monitoring view, docs/monitoring/alerts.yml and docs/monitoring/grafana-dashboard.json read them.
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import type { ModelInfo } from './modelProcess';
import type { InputTable } from './payload';

/** Every series the model server exposes, by name. */
export const SERIES = {
  predictions: 'predictions_total',
  duration: 'prediction_duration_seconds',
  value: 'prediction_value',
  classes: 'predicted_class_total',
  feature: 'input_feature_value',
  drift: 'drift_share_of_drifted_features',
  restarts: 'model_process_restarts_total',
} as const;

// Request latency, from a sub-millisecond predict to a slow batch.
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// A regressor's output has no known range: decades either side of zero.
const VALUE_BUCKETS = [-1000, -100, -10, -1, -0.1, 0, 0.1, 1, 10, 100, 1000];
// Past this many distinct predicted labels the rest are counted as `other`, so a bad model cannot flood the series.
const MAX_CLASSES = 100;

/** The series of one served version, with the calls the server makes per request. */
export class ScoringMetrics {
  readonly registry = new Registry();
  private readonly labels: { model: string; version: string };
  private readonly predictions: Counter<'model' | 'version' | 'status'>;
  private readonly duration: Histogram<'model' | 'version'>;
  private readonly value: Histogram<'model' | 'version'>;
  private readonly classes: Counter<'model' | 'version' | 'class'>;
  private readonly feature: Summary<'model' | 'version' | 'feature'>;
  private readonly drift: Gauge<'model' | 'version'>;
  private readonly restarts: Counter<'model' | 'version'>;
  private readonly seenClasses = new Set<string>();

  constructor(
    model: string,
    version: number,
    private readonly info: ModelInfo,
  ) {
    this.labels = { model, version: String(version) };
    const registers = [this.registry];
    const labelNames = ['model', 'version'] as const;
    this.predictions = new Counter({
      name: SERIES.predictions,
      help: 'Scoring requests answered, by status (ok, or error for a bad input, a model failure or a crashed model process).',
      labelNames: [...labelNames, 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: SERIES.duration,
      help: 'Time to answer a scoring request, from its first byte to the answer, in seconds.',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.value = new Histogram({ name: SERIES.value, help: "A regressor's predicted values.", labelNames, buckets: VALUE_BUCKETS, registers });
    this.classes = new Counter({
      name: SERIES.classes,
      help: "A classifier's predictions, by predicted class.",
      labelNames: [...labelNames, 'class'],
      registers,
    });
    this.feature = new Summary({
      name: SERIES.feature,
      help: 'Numeric input values per feature (quantiles over the last 10 minutes; sum and count since start).',
      labelNames: [...labelNames, 'feature'],
      percentiles: [0.05, 0.5, 0.95],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers,
    });
    this.drift = new Gauge({
      name: SERIES.drift,
      help: "Share of features drifted in the current window of inputs against the version's training data (Evidently's rules).",
      labelNames,
      registers,
    });
    this.restarts = new Counter({ name: SERIES.restarts, help: 'Times the model process died and was started again.', labelNames, registers });
    // Zero series from the start, so rates and alerts see the server before its first error.
    this.predictions.inc({ ...this.labels, status: 'ok' }, 0);
    this.predictions.inc({ ...this.labels, status: 'error' }, 0);
    this.restarts.inc(this.labels, 0);
  }

  /** Records one answered request: its status, duration and (when ok) its predictions. */
  observe(status: 'ok' | 'error', seconds: number, predictions: unknown[] = []): void {
    this.predictions.inc({ ...this.labels, status });
    this.duration.observe(this.labels, seconds);
    for (const prediction of predictions) this.observePrediction(prediction);
  }

  private observePrediction(prediction: unknown): void {
    const numeric = typeof prediction === 'number' && Number.isFinite(prediction);
    if (numeric && this.info.task !== 'classifier') return this.value.observe(this.labels, prediction);
    if (prediction === null || typeof prediction === 'object') return;
    let label = String(prediction);
    if (!this.seenClasses.has(label)) {
      if (this.seenClasses.size >= MAX_CLASSES) label = 'other';
      else this.seenClasses.add(label);
    }
    this.classes.inc({ ...this.labels, class: label });
  }

  /** Records the numeric inputs of a request by feature (positional columns take the model's names, else feature_<i>). */
  observeInputs(table: InputTable): void {
    const names = table.columns ?? table.rows[0].map((_, i) => this.info.features?.[i] ?? `feature_${i}`);
    for (const row of table.rows) {
      row.forEach((value, i) => {
        if (typeof value === 'number') this.feature.observe({ ...this.labels, feature: names[i] }, value);
      });
    }
  }

  /** Sets the drift gauge. */
  setDriftShare(share: number): void {
    this.drift.set(this.labels, share);
  }

  /** Counts a restart of the model process. */
  restarted(): void {
    this.restarts.inc(this.labels);
  }

  /** The exposition text and its Content-Type. */
  async exposition(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
