// The run of issue 16's round trip: 100,000 points (NaN and ±Infinity among them), 50 params, 20 tags and a 10 MB
// file. Shared by the sync tests against `labbook serve` and scripts/sync-real-mlflow.ts against a real MLflow.
import { randomBytes } from 'node:crypto';
import type { HistoryPoint } from '../../src/core/types';
import type { Store } from '../../src/store/store';

/** Metric points of the big run. */
export const POINTS = 100_000;

/** A finished run with 100,000 points over three keys (NaN and ±Infinity among them), 50 params, 20 tags and a 10 MB file. */
export function recordBigRun(store: Store): { runId: string; artifact: Buffer } {
  const run = store.createRun({
    experimentName: 'sync-test',
    name: 'big',
    startTime: 1_700_000_000_000,
    argv: ['python', 'train.py'],
    git: { commit: 'a'.repeat(40), branch: 'main' },
  });
  const params: Record<string, string> = {};
  for (let i = 0; i < 50; i++) params[`p${i}`] = `value-${i}`;
  store.logParams(run.id, params);
  const tags: Record<string, string> = {};
  for (let i = 0; i < 20; i++) tags[`t${i}`] = `tag-${i}`;
  store.setTags(run.id, tags);
  const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const batch: { key: string; value: number; step: number; timestamp: number }[] = [];
  for (let i = 0; i < POINTS; i++) {
    const key = i % 10 === 0 ? 'val/acc' : i % 997 === 0 ? 'odd' : 'loss';
    const value = key === 'odd' ? special[i % 3] : Math.sin(i) * 1e-3 + i / 7;
    batch.push({ key, value, step: i, timestamp: 1_700_000_000_000 + i });
    if (batch.length === 10_000) store.logMetrics(run.id, batch.splice(0));
  }
  store.logMetrics(run.id, batch);
  const artifact = randomBytes(10 * 1024 * 1024);
  const sha256 = store.objects.putBuffer(artifact);
  store.addArtifact({ runId: run.id, path: 'models/model.bin', sha256, size: artifact.byteLength, role: 'model', direction: 'output' });
  store.finishRun(run.id, 'FINISHED', { endTime: 1_700_000_200_000, exitCode: 0 });
  return { runId: run.id, artifact };
}

/** Every metric history of a run, by key. */
export function histories(store: Store, runId: string): Record<string, HistoryPoint[]> {
  return Object.fromEntries(store.metricSummaries(runId).map((m) => [m.key, store.history(runId, m.key)]));
}
