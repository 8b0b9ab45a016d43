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

/** One page of a remote history, and the token of the next page when the server pages (MLflow 2.x answers whole). */
export interface HistoryPage {
  points: HistoryPoint[];
  next: string | undefined;
}

/** One page of at most `pageSize` points of a remote run's history of `key` (a server may ignore the size). */
export async function historyPage(client: MlflowClient, runId: string, key: string, pageSize = HISTORY_PAGE, token?: string): Promise<HistoryPage> {
  const page = await client.get<{ metrics?: WireMetric[]; next_page_token?: string }>('metrics/get-history', {
    run_id: runId,
    metric_key: key,
    max_results: pageSize,
    page_token: token,
  });
  const points = (page.metrics ?? []).map((m) => ({ step: Number(m.step ?? 0), timestamp: Number(m.timestamp ?? 0), value: remoteValue(m.value) }));
  return { points, next: page.next_page_token || undefined };
}

/** A remote run's whole history of one metric, in the server's order, continuing from `first` when a page is in hand. */
export async function remoteHistory(client: MlflowClient, runId: string, key: string, first?: HistoryPage): Promise<HistoryPoint[]> {
  let page = first ?? (await historyPage(client, runId, key));
  const points = [...page.points];
  while (page.next) {
    page = await historyPage(client, runId, key, HISTORY_PAGE, page.next);
    for (const point of page.points) points.push(point);
  }
  return points;
}

/** How many points the remote holds per key. */
export async function historyCounts(client: MlflowClient, runId: string, keys: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (await remoteHistory(client, runId, key)).length;
  return counts;
}
