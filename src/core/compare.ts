// Pure helpers of the Compare panel: a stable colour and an unambiguous label per run, and how finely each
// run's series is sampled so a chart of many runs stays a few ten thousand points.

/** A run as the Compare panel names it. */
export interface NamedRun {
  id: string;
  name: string;
}

// The golden angle spreads consecutive hashes around the colour wheel.
const GOLDEN_ANGLE = 137.508;

/** FNV-1a over the id's characters: ids that differ anywhere get unrelated hues. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The hue (0-360) of a run, derived from its id only, so a run keeps its colour in every comparison. */
export function runHue(runId: string): number {
  return Math.round(((hashOf(runId) % 997) * GOLDEN_ANGLE) % 360);
}

/** A CSS colour for a run, from its id: the hue, and one of two lightnesses (both read on light and dark
 * backgrounds) so runs whose hues land close together still differ; `alpha` < 1 for faint lines. */
export function runColor(runId: string, alpha = 1): string {
  const lightness = (hashOf(runId) >>> 20) % 2 === 0 ? 48 : 62;
  const color = `${runHue(runId)} 70% ${lightness}%`;
  return alpha >= 1 ? `hsl(${color})` : `hsl(${color} / ${alpha})`;
}

/** Shortest id prefix (at least 7 characters) that tells the given ids apart. */
function shortIdLength(ids: readonly string[]): number {
  for (let length = 7; length < 32; length++) {
    if (new Set(ids.map((id) => id.slice(0, length))).size === new Set(ids).size) return length;
  }
  return 32;
}

/** Labels naming each run unambiguously: its name, plus a short id where several runs share the name. */
export function runLabels(runs: readonly NamedRun[]): string[] {
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(run.name, (counts.get(run.name) ?? 0) + 1);
  const length = shortIdLength(runs.map((run) => run.id));
  return runs.map((run) => ((counts.get(run.name) ?? 0) > 1 || run.name === '' ? `${run.name} · ${run.id.slice(0, length)}`.trim() : run.name));
}

/** Raw points a compare chart may hold over all runs (as many again when smoothed); each run gets a share. */
export const COMPARE_POINT_BUDGET = 50_000;

/** Buckets per run's series (each keeps a min and a max): many runs share the budget, within [64, 1000]. */
export function compareBuckets(runCount: number, budget = COMPARE_POINT_BUDGET): number {
  const share = Math.floor(budget / (2 * Math.max(1, runCount)));
  return Math.min(1000, Math.max(64, share));
}
