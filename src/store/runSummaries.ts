// Run summaries as data (migration 12): an ended run's listing (run fields, params, tags, metric summaries) kept as
// its JSON text, so `labbook ls --json` writes 10,000 runs without reading their 200,000 summary rows. The text is
// written when the run ends; triggers drop it on any later change to what it shows (an MLflow client may log after
// ending, a run is renamed or starred, its experiment renamed), and listings then build it from the rows again.
import { listingText } from './runListing';
import type { SqlDatabase } from './sqlite';
import { prepared } from './statements';

/** Stores the run's listing text (UTF-8) as its rows stand now. */
export function storeRunSummary(db: SqlDatabase, runId: string): void {
  prepared(db, 'INSERT OR REPLACE INTO run_summaries (run_id, json) VALUES (?, ?)').run(runId, Buffer.from(listingText(db, runId)));
}

/** Migration 12's move: every ended run of an older store gets its summary text. */
export function storeEndedRunSummaries(db: SqlDatabase): void {
  const ended = db.prepare("SELECT id FROM runs WHERE status NOT IN ('RUNNING', 'SCHEDULED')").pluck().all() as string[];
  for (const runId of ended) storeRunSummary(db, runId);
}
