// The Monitoring view's figures: a prom-client-style exposition parsed by the library and mapped to one model
// version, then rates and quantiles between two scrapes as PromQL's rate() and histogram_quantile() give them.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { bucketIncrease, driftAlertDue, histogramQuantile, servingFigures, servingScrape, type Bucket } from '../../src/core/servingMetrics';
import { parseExposition } from '../../src/extension/servingClient';

const fixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'serving', name), 'utf8');
const buckets = (counts: number[], bounds = [0.005, 0.01, 0.025, 0.05, 0.1, Infinity]): Bucket[] => bounds.map((le, k) => ({ le, count: counts[k] }));
const close = (actual: number | null, expected: number): void =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${actual} ≈ ${expected}`);

describe('servingScrape', () => {
  it('reads one version’s counters, histogram and drift gauge out of the whole exposition', async () => {
    const scrape = servingScrape(await parseExposition(fixture('metrics-1.txt')), 'churn', 2, 1000);
    assert.deepEqual(scrape, { at: 1000, ok: 100, errors: 0, buckets: buckets([10, 40, 80, 95, 100, 100]), driftShare: 0.1 });
    const other = servingScrape(await parseExposition(fixture('metrics-1.txt')), 'churn', '1', 1000);
    assert.deepEqual([other.ok, other.errors, other.driftShare, other.buckets.at(-1)], [7, 0, null, { le: Infinity, count: 7 }]);
  });

  it('gives zeros and no buckets for a version the server does not serve', async () => {
    assert.deepEqual(servingScrape(await parseExposition(fixture('metrics-1.txt')), 'churn', 9, 0), {
      at: 0,
      ok: 0,
      errors: 0,
      buckets: [],
      driftShare: null,
    });
  });
});

describe('servingScrape on prom-client’s own exposition', () => {
  it('maps what prom-client writes for the serving series (le first, other series around them)', async () => {
    const registry = new Registry();
    const registers = [registry];
    const predictions = new Counter({ name: 'predictions_total', help: 'h', labelNames: ['model', 'version', 'status'], registers });
    const duration = new Histogram({
      name: 'prediction_duration_seconds',
      help: 'h',
      labelNames: ['model', 'version'],
      buckets: [0.01, 0.1],
      registers,
    });
    const drift = new Gauge({ name: 'drift_share_of_drifted_features', help: 'h', labelNames: ['model', 'version'], registers });
    new Counter({ name: 'model_process_restarts_total', help: 'h', registers }).inc();
    for (const [version, seconds] of [
      ['2', 0.005],
      ['2', 0.05],
      ['2', 0.5],
      ['3', 0.005],
    ] as const) {
      predictions.inc({ model: 'churn', version, status: 'ok' });
      duration.observe({ model: 'churn', version }, seconds);
    }
    predictions.inc({ model: 'churn', version: '2', status: 'error' }, 2);
    drift.set({ model: 'churn', version: '2' }, 0.25);
    const scrape = servingScrape(await parseExposition(await registry.metrics()), 'churn', 2, 5);
    assert.deepEqual(scrape, { at: 5, ok: 3, errors: 2, buckets: buckets([1, 2, 3], [0.01, 0.1, Infinity]), driftShare: 0.25 });
  });
});

describe('servingFigures', () => {
  it('computes request rate, error share and p50/p95 over the interval between two scrapes', async () => {
    const first = servingScrape(await parseExposition(fixture('metrics-1.txt')), 'churn', 2, 0);
    const second = servingScrape(await parseExposition(fixture('metrics-2.txt')), 'churn', 2, 10_000);
    const figures = servingFigures(first, second);
    // 100 predictions in 10 s, 20 of them errors; the interval's buckets are 0, 20, 60, 90, 98, 100.
    assert.deepEqual([figures.at, figures.requestRate, figures.errorRate, figures.driftShare], [10_000, 10, 0.2, 0.4]);
    close(figures.p50, 0.01 + 0.015 * (30 / 40));
    close(figures.p95, 0.05 + 0.05 * (5 / 8));
  });

  it('counts from zero after a server restart (counters went down) and has no latency without requests', () => {
    const before = { at: 0, ok: 500, errors: 5, buckets: buckets([100, 200, 300, 400, 500, 505]), driftShare: null };
    const after = { at: 2000, ok: 3, errors: 1, buckets: buckets([0, 4, 4, 4, 4, 4]), driftShare: 0 };
    const figures = servingFigures(before, after);
    assert.deepEqual([figures.requestRate, figures.errorRate], [2, 0.25]);
    close(figures.p50, 0.005 + 0.005 * (2 / 4));
    const idle = servingFigures(after, { ...after, at: 4000 });
    assert.deepEqual([idle.requestRate, idle.errorRate, idle.p50, idle.p95], [0, null, null, null]);
  });
});

describe('histogramQuantile', () => {
  it('interpolates inside the bucket as PromQL does, from 0 in the first bucket', () => {
    close(histogramQuantile(0.5, buckets([10, 40, 80, 95, 100, 100])), 0.01 + 0.015 * (10 / 40));
    close(histogramQuantile(0.05, buckets([10, 40, 80, 95, 100, 100])), 0.005 * (5 / 10));
    assert.equal(histogramQuantile(1, buckets([10, 40, 80, 95, 100, 100])), 0.1);
  });

  it('answers the highest finite bound for a quantile in the +Inf bucket', () => {
    assert.equal(histogramQuantile(0.99, buckets([0, 0, 0, 0, 50, 100])), 0.1);
  });

  it('has no answer without observations or without a +Inf bucket, and clamps q outside [0, 1]', () => {
    assert.equal(histogramQuantile(0.5, buckets([0, 0, 0, 0, 0, 0])), null);
    assert.equal(histogramQuantile(0.5, [{ le: 0.1, count: 3 }]), null);
    assert.equal(histogramQuantile(0.5, buckets([1, 2], [0.1, 0.2])), null);
    assert.equal(histogramQuantile(-1, buckets([1, 2, 3, 4, 5, 6])), -Infinity);
    assert.equal(histogramQuantile(2, buckets([1, 2, 3, 4, 5, 6])), Infinity);
  });
});

describe('bucketIncrease', () => {
  it('subtracts bucket by bucket, or keeps the new counts after a reset', () => {
    assert.deepEqual(bucketIncrease(buckets([1, 2, 3, 4, 5, 6]), buckets([2, 4, 6, 8, 10, 12])), buckets([1, 2, 3, 4, 5, 6]));
    assert.deepEqual(bucketIncrease(buckets([5, 5, 5, 5, 5, 5]), buckets([1, 1, 1, 1, 1, 1])), buckets([1, 1, 1, 1, 1, 1]));
    assert.deepEqual(bucketIncrease([], buckets([1, 2, 3, 4, 5, 6])), buckets([1, 2, 3, 4, 5, 6]));
  });
});

describe('driftAlertDue', () => {
  it('fires once when the share passes the threshold, again only after it fell back', () => {
    const shares = [null, 0.1, 0.3, 0.35, 0.5, 0.2, 0.31, 0.31, null, 0.4];
    const fired = shares.map((share, k) => driftAlertDue(k === 0 ? null : shares[k - 1], share, 0.3));
    assert.deepEqual(fired, [false, false, false, true, false, false, true, false, false, true]);
  });
});
