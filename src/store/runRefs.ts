import { parseRunRef, RunRefError } from '../core/runRef';
import type { Run } from '../core/types';
import type { Store } from './store';
import { connectionOf } from './connection';

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
  return resolveText(store, ref.text);
}

function resolveText(store: Store, text: string): Run {
  const exact = store.findRun(text.toLowerCase());
  if (exact) return exact;
  const rows = connectionOf(store)
    .prepare("SELECT id, name FROM runs WHERE lifecycle = 'active' AND (name = ? OR id LIKE ? ESCAPE '\\') LIMIT 11")
    .all(text, `${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as { id: string; name: string }[];
  const byName = rows.filter((row) => row.name === text);
  const matches = byName.length > 0 ? byName : rows;
  if (matches.length === 1) return store.getRun(matches[0].id);
  if (matches.length === 0) throw new RunRefError(`No run matches '${text}' (by id prefix or name). \`labbook ls\` lists runs.`);
  const list = matches.slice(0, 10).map((row) => `  ${row.id.slice(0, 8)}  ${row.name}`).join('\n');
  throw new RunRefError(`'${text}' matches ${matches.length > 10 ? 'more than 10' : matches.length} runs; be more specific:\n${list}`);
}
