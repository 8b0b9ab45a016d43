import type { MetricPoint } from '../core/types';
import { ParamConflictError, type Store } from '../store/store';
import { storeArtifact, outputRole } from './artifacts';
import { mergeEnvironment } from './environment';
import { INPUTS_FROM_TAG, jsonObjectTag, recordInputs } from './inputs';
import { readJournal, type JournalRecord } from './journal';

/** Where journal artifacts are resolved and how they are classified. */
export interface IngestContext {
  cwd: string;
  modelExtensions: readonly string[];
  maxFileBytes: number;
  /** The DVC repository's root, when the run's folder is in one (DVC-tracked inputs are not copied). */
  dvcRoot?: string;
  /** Sees every ingested batch inside its transaction (a notebook session parses `output` and keeps `cell` records). */
  onRecords?: (records: readonly JournalRecord[]) => void;
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
  // Artifacts and inputs are hashed first (async, possibly large); only their rows go into the transaction.
  for (const record of chunk.records) {
    if (record.t !== 'artifact') continue;
    const role = record.role ?? outputRole(record.path, context.modelExtensions);
    const problem = await storeArtifact(store, runId, context.cwd, record.path, role, role === 'data' ? 'input' : 'output', context.maxFileBytes);
    if (problem) warnings.push(`artifact: ${problem}`);
  }
  const reads = chunk.records.flatMap((record) => (record.t === 'read' ? [record.path] : []));
  if (reads.length > 0) {
    const problems = await recordInputs(store, runId, context.cwd, reads, context.maxFileBytes, context.dvcRoot);
    warnings.push(...problems.map((problem) => `input: ${problem}`));
  }
  for (const record of chunk.records) if (record.t === 'environment') mergeEnvironment(store, runId, { python: record.python });
  store.transaction(() => {
    // Another process recovering the same run may have ingested these lines meanwhile: then do nothing.
    if (store.journalState(runId).journalOffset !== journalOffset) return;
    applyRecords(store, runId, chunk.records, warnings);
    context.onRecords?.(chunk.records);
    store.setJournalOffset(runId, chunk.nextOffset);
  });
  return warnings;
}

/** Tag naming where each param with a source came from: a JSON object of key -> source (`argparse default`, …). */
export const PARAM_SOURCES_TAG = 'labbook.param_sources';

function applyRecords(store: Store, runId: string, records: readonly JournalRecord[], warnings: string[]): void {
  const metrics: MetricPoint[] = [];
  const tags: Record<string, string> = {};
  const yielding: JournalRecord[] = [];
  for (const record of records) {
    if (record.t === 'metric') metrics.push({ key: record.key, value: record.value, step: record.step, timestamp: record.ts });
    else if (record.t === 'tag') tags[record.key] = record.value;
    else if (record.t === 'param' && record.source !== undefined) yielding.push(record);
    else if (record.t === 'param') logParam(store, runId, record.key, record.value, warnings);
    else if (record.t === 'reads-tracked') tags[INPUTS_FROM_TAG] = 'reads';
  }
  store.logMetrics(runId, metrics);
  const sources = logYieldingParams(store, runId, yielding);
  if (Object.keys(sources).length > 0) tags[PARAM_SOURCES_TAG] = JSON.stringify({ ...jsonObjectTag(store, runId, PARAM_SOURCES_TAG), ...sources });
  if (Object.keys(tags).length > 0) store.setTags(runId, tags);
}

/**
 * Params from a parsed config (argparse, Hydra) record only keys the run does not have yet: argv, params files and
 * explicit calls win, and an equal value in another spelling (`5e-2` on argv, `0.05` parsed) is no conflict.
 * Returns the source of each param stored.
 */
function logYieldingParams(store: Store, runId: string, records: readonly JournalRecord[]): Record<string, string> {
  if (records.length === 0) return {};
  const known = store.params(runId);
  const fresh: Record<string, string> = {};
  const sources: Record<string, string> = {};
  for (const record of records) {
    if (record.t !== 'param' || record.source === undefined || known[record.key] !== undefined || record.key in fresh) continue;
    fresh[record.key] = record.value;
    sources[record.key] = record.source;
  }
  if (Object.keys(fresh).length > 0) store.logParams(runId, fresh, { inferred: true });
  return sources;
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
