import type { MetricPoint } from '../core/types';
import { ParamConflictError, type Store } from '../store/store';
import { storeArtifact, outputRole } from './artifacts';
import { readJournal, type JournalRecord } from './journal';

/** Where journal artifacts are resolved and how they are classified. */
export interface IngestContext {
  cwd: string;
  modelExtensions: readonly string[];
  maxFileBytes: number;
}

/**
 * Ingests what the journal holds past the stored offset, then advances the offset in the same transaction as
 * the records, so a crash between the two can neither lose nor duplicate a line. Returns warnings to show.
 */
export async function ingestJournal(store: Store, runId: string, context: IngestContext, final = false): Promise<string[]> {
  const { journalPath, journalOffset } = store.journalState(runId);
  if (!journalPath) return [];
  const chunk = readJournal(journalPath, journalOffset, final);
  if (chunk.nextOffset === journalOffset) return chunk.errors.map((e) => `journal: ${e}`);
  const warnings = chunk.errors.map((e) => `journal: ${e}`);
  // Artifacts are hashed first (async, possibly large); only their rows go into the transaction.
  for (const record of chunk.records) {
    if (record.t !== 'artifact') continue;
    const role = record.role ?? outputRole(record.path, context.modelExtensions);
    const problem = await storeArtifact(store, runId, context.cwd, record.path, role, role === 'data' ? 'input' : 'output', context.maxFileBytes);
    if (problem) warnings.push(`artifact: ${problem}`);
  }
  store.transaction(() => {
    // Another process recovering the same run may have ingested these lines meanwhile: then do nothing.
    if (store.journalState(runId).journalOffset !== journalOffset) return;
    applyRecords(store, runId, chunk.records, warnings);
    store.setJournalOffset(runId, chunk.nextOffset);
  });
  return warnings;
}

function applyRecords(store: Store, runId: string, records: readonly JournalRecord[], warnings: string[]): void {
  const metrics: MetricPoint[] = [];
  const tags: Record<string, string> = {};
  for (const record of records) {
    if (record.t === 'metric') metrics.push({ key: record.key, value: record.value, step: record.step, timestamp: record.ts });
    else if (record.t === 'tag') tags[record.key] = record.value;
    else if (record.t === 'param') logParam(store, runId, record.key, record.value, warnings);
  }
  store.logMetrics(runId, metrics);
  if (Object.keys(tags).length > 0) store.setTags(runId, tags);
}

function logParam(store: Store, runId: string, key: string, value: string, warnings: string[]): void {
  try {
    store.logParams(runId, { [key]: value });
  } catch (error) {
    if (!(error instanceof ParamConflictError)) throw error;
    // Keep the first value (params are immutable) but keep the new one too, so nothing logged is lost.
    warnings.push(`param: ${error.message} Kept the first value; the new one is in tag labbook.param_conflict.${key}.`);
    store.setTags(runId, { [`labbook.param_conflict.${key}`]: value });
  }
}
