// Development only: runs the MLflow parity sequences (test/mlflow-parity/sequences) against a real MLflow server and
// writes its normalised answers as the fixtures the replay test compares Labbook with (docs/testing.md).
//   node --import tsx scripts/mlflow-parity/record.ts http://127.0.0.1:5055 [sequence names...]
// The server must be fresh (only the Default experiment): sequences run in order on one server, as the replay does.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR, loadSequences, runSequence } from '../../test/mlflow-parity/parity';
import type { Recording } from '../../test/mlflow-parity/parity';

async function experimentCount(url: string): Promise<number> {
  const res = await fetch(`${url}/api/2.0/mlflow/experiments/search?max_results=1000&view_type=ALL`);
  const body = (await res.json()) as { experiments?: unknown[] };
  return body.experiments?.length ?? 0;
}

async function serverVersion(url: string): Promise<string> {
  const res = await fetch(`${url}/version`);
  return `MLflow ${(await res.text()).trim()}`;
}

async function main(): Promise<void> {
  const [url, ...only] = process.argv.slice(2);
  if (!url) throw new Error('usage: record.ts <MLflow server URL> [sequence names...]');
  if (only.length === 0 && (await experimentCount(url)) !== 1) throw new Error(`${url} is not a fresh server: start one on an empty store.`);
  const server = await serverVersion(url);
  mkdirSync(FIXTURE_DIR, { recursive: true });
  let requests = 0;
  for (const sequence of loadSequences()) {
    if (only.length && !only.includes(sequence.name)) continue;
    const recording: Recording = { sequence: sequence.name, server, answers: await runSequence(url, sequence) };
    writeFileSync(join(FIXTURE_DIR, `${sequence.name}.json`), `${JSON.stringify(recording, null, 2)}\n`);
    requests += recording.answers.length;
    process.stdout.write(`${sequence.name}: ${recording.answers.length} answers\n`);
  }
  process.stdout.write(`recorded ${requests} answers from ${server}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
