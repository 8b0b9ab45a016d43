// Reads of a remote's runs shared by push (reconciling) and pull: metric histories, paged when the server pages.
import type { HistoryPoint } from '../core/types';
import type { MlflowClient } from './client';
import { wireValue } from './client';

/** The tag carrying a run's id in the store it was recorded in, so the run keeps one identity across machines. */
export const RUN_ID_TAG = 'labbook.run_id';

const HISTORY_PAGE = 25_000;

/**
 * A value from a remote's history. MLflow's SQL store cannot keep ±Infinity and writes ±Number.MAX_VALUE instead
 * (its own clients then read 1.797e308), so pull reads those back as ±Infinity: the round trip of an infinite value
 * is exact, at the cost of a logged value of exactly ±MAX_VALUE coming back infinite.
 */
export function remoteValue(wire: unknown): number {
  const value = wireValue(wire);
  return Math.abs(value) === Number.MAX_VALUE ? Math.sign(value) * Number.POSITIVE_INFINITY : value;
}

interface WireMetric {
  key?: string;
  value?: unknown;
  timestamp?: number | string;
  step?: number | string;
}

/** A remote run's whole history of one metric, in the server's order (MLflow 2.x sends it in one answer). */
export async function remoteHistory(client: MlflowClient, runId: string, key: string): Promise<HistoryPoint[]> {
  const points: HistoryPoint[] = [];
  let token: string | undefined;
  do {
    const page = await client.get<{ metrics?: WireMetric[]; next_page_token?: string }>('metrics/get-history', {
      run_id: runId,
      metric_key: key,
      max_results: HISTORY_PAGE,
      page_token: token,
    });
    for (const m of page.metrics ?? []) points.push({ step: Number(m.step ?? 0), timestamp: Number(m.timestamp ?? 0), value: remoteValue(m.value) });
    token = page.next_page_token || undefined;
  } while (token);
  return points;
}

/** How many points the remote holds per key. */
export async function historyCounts(client: MlflowClient, runId: string, keys: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (await remoteHistory(client, runId, key)).length;
  return counts;
}
