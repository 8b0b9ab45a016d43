// The scoring round trip of `labbook serve-model` on a small sklearn model (logistic regression, 3 features, one row
// a request): p50 of POST /invocations over HTTP (keep-alive), next to the p50 of the model's own predict on the
// same one-row DataFrame in Python, so the server's overhead (HTTP, parsing, the pipe to the child, metrics, window
// and inference log) reads as the difference. Run alone: node --import tsx scripts/bench/serving.ts
import { spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelProcess } from '../../src/server/scoring/modelProcess';
import { startScoringServer } from '../../src/server/scoring/scoringServer';
import { Store } from '../../src/store/store';

type Report = (name: string, value: number, unit: string, target: string) => void;

const ROOT = join(__dirname, '..', '..');
const PYTHON = process.env.LABBOOK_TEST_PYTHON ?? '/usr/bin/python3';
const REQUESTS = 2000;
const TOKEN = 'bench';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// The model's predict alone, on the DataFrame serving.py builds for one row, timed in its own process.
const PREDICT_ONLY = `
import sys, time, statistics
sys.path.insert(0, sys.argv[1])
from labbook import serving
model, _, signature = serving.load_model(sys.argv[2])
features = serving.describe(model, signature)["features"]
frame = serving.frame(["a", "b", "c"], [[0.1, 0.2, 0.3]], features)
times = []
for _ in range(${REQUESTS}):
    start = time.perf_counter(); model.predict(frame); times.append(time.perf_counter() - start)
print(statistics.median(times) * 1000)
`;

function post(agent: Agent, url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/invocations`,
      { method: 'POST', agent, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Reports the scoring round trip p50 and the model's own predict p50. */
export async function runServingBench(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-bench-serving-'));
  const modelDir = join(dir, 'model');
  const made = spawnSync(PYTHON, [join(ROOT, 'test', 'fixtures', 'python', 'serving_model.py'), modelDir], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`serving bench: ${made.stderr}`);
  const store = Store.open(join(dir, '.labbook'));
  const model = new ModelProcess({
    python: PYTHON,
    script: join(ROOT, 'python', 'labbook', 'serving.py'),
    modelPath: modelDir,
    log: () => undefined,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const info = await model.start();
    const server = await startScoringServer({
      model,
      info,
      name: 'bench',
      version: 1,
      token: TOKEN,
      serverVersion: 'bench',
      inferenceLog: { store, options: { sample: 1, keep: 10_000, flushMs: 1000 } },
      log: () => undefined,
    });
    const body = JSON.stringify({ dataframe_split: { columns: ['a', 'b', 'c'], data: [[0.1, 0.2, 0.3]] } });
    for (let i = 0; i < 100; i++) await post(agent, server.url, body); // warm up
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const start = process.hrtime.bigint();
      await post(agent, server.url, body);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    await server.close();
    const predict = spawnSync(PYTHON, ['-c', PREDICT_ONLY, join(ROOT, 'python'), modelDir], { encoding: 'utf8' });
    if (predict.status !== 0) throw new Error(`serving bench: ${predict.stderr}`);
    const roundTrip = median(times);
    const predictMs = Number(predict.stdout.trim());
    report(`serving: POST /invocations round trip p50, one row, sklearn logistic regression (${REQUESTS} requests)`, roundTrip, 'ms', '');
    report("  baseline: the model's own predict p50 on the same one-row DataFrame", predictMs, 'ms', '');
    report('  server overhead (round trip - predict)', roundTrip - predictMs, 'ms', 'a few ms');
  } finally {
    agent.destroy();
    await model.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const report: Report = (name, value, unit) => process.stdout.write(`${name}: ${value.toFixed(3)} ${unit}\n`);
  void runServingBench(report);
}
