// Development only: prints every difference between Labbook's answers to the parity sequences and the recorded MLflow
// answers, one line each, marking those known-differences.json lists (the replay test shows the same as assertions).
//   node --import tsx scripts/mlflow-parity/diff.ts [sequence names...]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTrackingServer } from '../../src/server/trackingServer';
import { Store } from '../../src/store/store';
import { KNOWN_DIFFERENCES, compareAnswers, loadRecording, loadSequences, runSequence } from '../../test/mlflow-parity/parity';
import type { KnownDifference } from '../../test/mlflow-parity/parity';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const known = new Set((JSON.parse(readFileSync(KNOWN_DIFFERENCES, 'utf8')) as KnownDifference[]).map((k) => `${k.sequence}/${k.step}/${k.kind}`));
  const dir = mkdtempSync(join(tmpdir(), 'labbook-parity-'));
  const store = Store.open(join(dir, '.labbook'));
  const server = await startTrackingServer({ store, log: () => undefined });
  let count = 0;
  try {
    for (const sequence of loadSequences()) {
      const answers = await runSequence(server.url, sequence);
      if (only.length && !only.includes(sequence.name)) continue;
      for (const d of compareAnswers(sequence.name, loadRecording(sequence.name).answers, answers)) {
        count++;
        const mark = known.has(`${d.sequence}/${d.step}/${d.kind}`) ? 'known' : 'NEW';
        const path = sequence.steps[d.step].path.replace('/api/2.0/', '');
        process.stdout.write(
          `${mark} ${d.sequence}#${d.step} ${path} ${d.kind}\n  mlflow:  ${JSON.stringify(d.expected)}\n  labbook: ${JSON.stringify(d.actual)}\n`,
        );
      }
    }
  } finally {
    await server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${count} differences\n`);
}

void main();
