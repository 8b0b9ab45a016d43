// The MLflow differential test: replays the scripted sequences (test/mlflow-parity/sequences) against Labbook's
// server and compares every answer with what a real MLflow 2.12 server answered (test/fixtures/mlflow-parity,
// recorded by scripts/mlflow-parity/record.ts). A difference must be listed, with its reason, in
// test/mlflow-parity/known-differences.json; a listed difference that no longer occurs must be removed from it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { KNOWN_DIFFERENCES, compareAnswers, loadRecording, loadSequences, runSequence } from '../mlflow-parity/parity';
import type { Difference, KnownDifference } from '../mlflow-parity/parity';
import { startHarness } from './mlflowHarness';

const known = JSON.parse(readFileSync(KNOWN_DIFFERENCES, 'utf8')) as KnownDifference[];
const idOf = (d: Pick<Difference, 'sequence' | 'step' | 'kind'>): string => `${d.sequence} step ${d.step} ${d.kind}`;

test('Labbook answers every parity sequence as the recorded MLflow 2.12 server did, but for the known differences', async (t) => {
  const harness = await startHarness({ token: undefined });
  const differences: Difference[] = [];
  let requests = 0;
  const sequences = loadSequences();
  try {
    for (const sequence of sequences) {
      const recording = loadRecording(sequence.name);
      assert.equal(recording.answers.length, sequence.steps.length, `${sequence.name}: re-record it, its steps changed`);
      differences.push(...compareAnswers(sequence.name, recording.answers, await runSequence(harness.server.url, sequence)));
      requests += sequence.steps.length;
    }
  } finally {
    await harness.close();
  }
  const knownIds = new Set(known.map(idOf));
  const found = new Set(differences.map(idOf));
  const unexpected = differences.filter((d) => !knownIds.has(idOf(d)));
  const gone = known.filter((k) => !found.has(idOf(k)));
  const differing = new Set(differences.map((d) => `${d.sequence} ${d.step}`)).size;
  t.diagnostic(
    `${sequences.length} sequences, ${requests} requests compared; ${differing} answer differently (${differences.length} listed differences)`,
  );
  assert.deepEqual(unexpected, [], 'differences from MLflow that known-differences.json does not list');
  assert.deepEqual(gone.map(idOf), [], 'listed differences that no longer occur: remove them from known-differences.json');
});
