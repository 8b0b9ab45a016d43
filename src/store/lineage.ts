// Lineage reads: which runs are linked to a run through the files they share by content, walked in the store so a
// model's lineage reaches runs however old they are.

import type { ArtifactDirection } from '../core/types';
import type { Store } from './store';
import { connectionOf } from './connection';

const OTHER: Readonly<Record<ArtifactDirection, ArtifactDirection>> = { input: 'output', output: 'input' };

/**
 * The run, then the runs upstream of it (those that made what it read, transitively) and downstream (those that
 * read what it made, transitively), nearest first. Console logs link no runs.
 */
export function lineageRunIds(store: Store, runId: string): string[] {
  const files = connectionOf(store).prepare("SELECT DISTINCT sha256 FROM artifacts WHERE run_id = ? AND direction = ? AND role != 'log'").pluck();
  const runs = connectionOf(store).prepare('SELECT DISTINCT run_id FROM artifacts WHERE sha256 = ? AND direction = ?').pluck();
  // Upstream follows inputs back to the runs that wrote them; downstream follows outputs on to the runs that read them.
  const walk = (direction: ArtifactDirection): string[] => {
    const seen = new Set([runId]);
    const queue = [runId];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const sha of files.all(next, direction) as string[]) {
        for (const linked of runs.all(sha, OTHER[direction]) as string[]) {
          if (seen.has(linked)) continue;
          seen.add(linked);
          queue.push(linked);
        }
      }
    }
    return [...seen];
  };
  return [...new Set([...walk('input'), ...walk('output')])];
}

/** A path under which some run stored this content, to name the file when it is opened; undefined when none. */
export function pathOfContent(store: Store, sha256: string): string | undefined {
  return connectionOf(store).prepare('SELECT path FROM artifacts WHERE sha256 = ? ORDER BY created_at LIMIT 1').pluck().get(sha256) as
    string | undefined;
}
