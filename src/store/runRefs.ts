import { parseRunRef, RunRefError } from '../core/runRef';
import type { Run } from '../core/types';
import { prepared } from './statements';
import type { Store } from './store';
import { connectionOf } from './connection';
import type { Lifecycle } from './tracking';

export { RunRefError };

/**
 * Resolves a run reference (id or id prefix, exact name, `@last`, `@best:<metric>[:min|max]`) to one run.
 * An exact id or name wins over a prefix; ambiguity is an error that lists the candidates.
 */
export function resolveRunRef(store: Store, text: string, experimentIds?: number[]): Run {
  const ref = parseRunRef(text);
  if (ref.kind === 'last') {
    const [last] = store.listRuns({ experimentIds, limit: 1 });
    if (!last) throw new RunRefError('There are no runs yet: track one with `labbook run -- <command>`.');
    return last;
  }
  if (ref.kind === 'best') {
    const key = ref.metric.replace(/`/g, '');
    // Runs without the metric (or whose last value is NaN) sort last, so the first row decides.
    const [best] = store.listRuns({ experimentIds, orderBy: [`metrics.\`${key}\` ${ref.goal === 'min' ? 'ASC' : 'DESC'}`], limit: 1 });
    const value = best?.metrics[key]?.last;
    if (!best || value === undefined || Number.isNaN(value)) throw new RunRefError(`No run has a value for metric '${ref.metric}'.`);
    return best;
  }
  return resolveText(store, ref.text, 'active');
}

/** Resolves a run reference (id, id prefix or exact name) among the runs in the Trash. */
export function resolveTrashedRunRef(store: Store, text: string): Run {
  return resolveText(store, text, 'deleted');
}

const NOT_FOUND_HINT: Record<Lifecycle, string> = {
  active: '`labbook ls` lists runs, `labbook trash` the deleted ones.',
  deleted: '`labbook trash` lists the runs in the Trash.',
};

// An exact id wins, then an exact name, then an id prefix; only runs of that lifecycle count.
function resolveText(store: Store, text: string, lifecycle: Lifecycle): Run {
  const id = text.toLowerCase();
  const rows = prepared(
    connectionOf(store),
    "SELECT id, name FROM runs WHERE lifecycle = ? AND (id = ? OR name = ? OR id LIKE ? ESCAPE '\\') LIMIT 11",
  ).all(lifecycle, id, text, `${id.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as { id: string; name: string }[];
  const exact = rows.filter((row) => row.id === id);
  const byName = rows.filter((row) => row.name === text);
  const matches = exact.length > 0 ? exact : byName.length > 0 ? byName : rows;
  const where = lifecycle === 'deleted' ? ' in the Trash' : '';
  if (matches.length === 1) return store.getRun(matches[0].id);
  if (matches.length === 0) throw new RunRefError(`No run${where} matches '${text}' (by id prefix or name). ${NOT_FOUND_HINT[lifecycle]}`);
  const list = matches
    .slice(0, 10)
    .map((row) => `  ${row.id.slice(0, 8)}  ${row.name}`)
    .join('\n');
  throw new RunRefError(`'${text}' matches ${matches.length > 10 ? 'more than 10' : matches.length} runs${where}; be more specific:\n${list}`);
}
