// What the editor says about a push or pull run by the bundled CLI: its progress lines (`--progress-json` on
// stderr), its summary (`--json` on stdout) and its failure (the `labbook: …` lines on stderr). Pure.

/** A progress step as `labbook push|pull --progress-json` writes it. */
export interface SyncProgress {
  runsDone?: number;
  runsTotal?: number;
  points?: number;
  pointsTotal?: number;
  bytes?: number;
}

/** The progress of one stderr line, or undefined when the line is something else (a warning). */
export function parseProgressLine(line: string): SyncProgress | undefined {
  if (!line.startsWith('{"progress"')) return undefined;
  try {
    return (JSON.parse(line) as { progress: SyncProgress }).progress;
  } catch {
    return undefined;
  }
}

const count = (n: number): string => n.toLocaleString('en-US');

/** A progress step in a few words: `2/5 runs · 12,000/40,000 points`. */
export function progressText(p: SyncProgress): string {
  const runs = p.runsTotal === undefined ? `${count(p.runsDone ?? 0)} runs` : `${count(p.runsDone ?? 0)}/${count(p.runsTotal)} runs`;
  const points = p.pointsTotal ? ` · ${count(p.points ?? 0)}/${count(p.pointsTotal)} points` : '';
  return `${runs}${points}`;
}

/** The percentage a progress step stands at, when it is known. */
export function progressPercent(p: SyncProgress): number | undefined {
  if (p.pointsTotal) return Math.floor((100 * (p.points ?? 0)) / p.pointsTotal);
  if (p.runsTotal) return Math.floor((100 * (p.runsDone ?? 0)) / p.runsTotal);
  return undefined;
}

/** The summary of a finished push or pull (its `--json` answer) in one sentence. */
export function summaryText(kind: 'push' | 'pull', remote: string, summary: Record<string, unknown>): string {
  const n = (key: string): number => (typeof summary[key] === 'number' ? (summary[key] as number) : 0);
  const runs = `${count(n('runs'))} run${n('runs') === 1 ? '' : 's'}`;
  if (kind === 'pull') return `Pulled ${runs} from ${remote} (${count(n('created'))} new): ${count(n('points'))} new points.`;
  const pulled = n('pulled') ? `, ${count(n('pulled'))} pulled left out` : '';
  return `Pushed ${runs} to ${remote} (${count(n('created'))} created, ${count(n('upToDate'))} up to date${pulled}): ${count(n('points'))} points, ${count(n('params'))} params, ${count(n('tags'))} tags.`;
}

/** The CLI's own message from its stderr (from its first `labbook: …` line on, warnings and progress left out), else the exit code. */
export function failureText(kind: 'push' | 'pull', stderr: string, exitCode: number | null): string {
  const lines = stderr.split('\n').filter((line) => line.trim() && !line.startsWith('{"progress"') && !line.startsWith('labbook: warning:'));
  const first = lines.findIndex((line) => line.startsWith('labbook: '));
  if (first < 0) return `labbook ${kind} failed (exit code ${exitCode ?? 'signal'}) without a message.`;
  return lines
    .slice(first)
    .map((line) => line.replace(/^labbook: /, ''))
    .join(' ');
}
