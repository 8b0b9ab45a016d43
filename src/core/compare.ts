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

/** A run's colour: a hue (0-360) and a lightness (%), turned into CSS by `cssColor`. */
export interface RunColor {
  hue: number;
  lightness: number;
}

/** A run's own colour, from its id: its hue, and one of two lightnesses (both read on light and dark backgrounds). */
function ownColor(runId: string): RunColor {
  return { hue: runHue(runId), lightness: (hashOf(runId) >>> 20) % 2 === 0 ? 48 : 62 };
}

/** CSS for a run colour; `alpha` < 1 for faint lines. */
export function cssColor(color: RunColor, alpha = 1): string {
  const hsl = `${color.hue} 70% ${color.lightness}%`;
  return alpha >= 1 ? `hsl(${hsl})` : `hsl(${hsl} / ${alpha})`;
}

function hueGap(a: number, b: number): number {
  const gap = Math.abs(a - b) % 360;
  return Math.min(gap, 360 - gap);
}

/** Closest two hues of one comparison may be, in degrees: wide for a few runs, narrowing as the wheel fills. */
function minHueGap(runs: number): number {
  return Math.min(30, 180 / Math.max(1, runs));
}

/**
 * The colours of the runs of one comparison, in the order given. Each run keeps its own colour (from its id) unless
 * its hue lies too close to a run that comes before it by id; then it turns by the golden angle until it is apart
 * (at most 12 turns). So a run's colour is the same in every comparison where it does not clash, and the same set
 * of runs always gets the same colours, whatever their order.
 */
export function runColors(runIds: readonly string[]): RunColor[] {
  const gap = minHueGap(runIds.length);
  const taken: number[] = [];
  const byId = new Map<string, RunColor>();
  for (const id of [...new Set(runIds)].sort()) {
    const color = ownColor(id);
    for (let turn = 0; turn < 12 && taken.some((hue) => hueGap(hue, color.hue) < gap); turn++)
      color.hue = Math.round((color.hue + GOLDEN_ANGLE) % 360);
    taken.push(color.hue);
    byId.set(id, color);
  }
  return runIds.map((id) => byId.get(id)!);
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
