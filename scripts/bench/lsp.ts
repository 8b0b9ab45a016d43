// Language server answer times with 10,000 runs in the store, measured as an editor sees them: a request over
// JSON-RPC to the server running in this process, from send to answer. "Warm" repeats a request on unchanged
// data; "after a new run" times the first request after another connection committed a run of the same file
// (index update, new run's data, new history), which is what an editor asks right after a refresh.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRefreshRequest,
  CodeLensRequest,
  DidOpenTextDocumentNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  type ProtocolConnection,
} from 'vscode-languageserver/node';
import type { MetricPoint } from '../../src/core/types';
import { connectInProcess } from '../../test/unit/lspInProcess';
import { Store } from '../../src/store/store';
import { connectionOf } from '../../src/store/connection';

type Report = (name: string, value: number, unit: string, target: string) => void;

const RUNS = 10_000;
const SCRIPTS = 10;
const STEPS = 30;
const REQUESTS = 50;
const COLD_ROUNDS = 10;
const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'lsp', 'train.py');

function history(run: number): MetricPoint[] {
  return Array.from({ length: STEPS }, (_, step) => [
    { key: 'acc', value: 1 - 1 / (step + 2) - (run % 7) / 100, step, timestamp: run * 1000 + step },
    { key: 'loss', value: 1 / (step + 1) + (run % 5) / 100, step, timestamp: run * 1000 + step },
  ]).flat();
}

/** 10,000 finished runs over 10 scripts (1,000 of them train.py), each with lr and two 30-step metrics. */
function populate(store: Store, root: string): void {
  const start = Date.now() - RUNS * 60_000;
  connectionOf(store).transaction(() => {
    for (let r = 0; r < RUNS; r++) {
      const script = r % SCRIPTS === 0 ? 'train.py' : `script_${r % SCRIPTS}.py`;
      const run = store.createRun({
        name: `run-${r}`,
        cwd: root,
        sourceFile: script,
        argv: ['python3', script, '--lr', String((r % 9) / 1000)],
        startTime: start + r * 60_000,
      });
      store.logParams(run.id, { lr: String((r % 9) / 1000) });
      store.logMetrics(run.id, history(r));
      store.finishRun(run.id, 'FINISHED', { exitCode: 0 });
    }
  })();
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Times `request` REQUESTS times and reports its p50 and max. */
async function repeat(label: string, request: () => Promise<unknown>, report: Report, target: string): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) samples.push(await timed(request));
  report(`${label} (p50 of ${REQUESTS})`, percentile(samples, 0.5), 'ms', target);
  report(`${label} (max of ${REQUESTS})`, Math.max(...samples), 'ms', target);
}

/** Resolves at the next workspace/codeLens/refresh the server sends; fails after 30 s. */
function refreshes(client: ProtocolConnection): () => Promise<void> {
  let waiting: (() => void)[] = [];
  client.onRequest(CodeLensRefreshRequest.type, () => {
    waiting.forEach((resolve) => resolve());
    waiting = [];
    return null;
  });
  return () =>
    new Promise((resolve, reject) => {
      // The timer also keeps the process alive while only the server's (unref'd) poll timer is pending.
      const timer = setTimeout(() => reject(new Error('lsp bench: no code lens refresh within 30 s')), 30_000);
      waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
}

/** Hover and code-lens answer times over 10,000 runs, warm and right after a new run. */
export async function runLspBench(report: Report): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'labbook-bench-lsp-'));
  const writer = Store.open(join(root, '.labbook'));
  populate(writer, root);
  const session = connectInProcess({ pollIntervalMs: 50 });
  const { client } = session;
  const nextRefresh = refreshes(client);
  client.listen();
  try {
    const opened = nextRefresh();
    await client.sendRequest(InitializeRequest.type, {
      processId: null,
      rootUri: pathToFileURL(root).href,
      workspaceFolders: null,
      capabilities: { workspace: { codeLens: { refreshSupport: true } } },
    });
    const startup = await timed(async () => {
      await client.sendNotification(InitializedNotification.type, {});
      await opened;
    });
    report('lsp: store opened read-only and 10,000 runs indexed (once, at start)', startup, 'ms', '<= 500 ms');
    const text = readFileSync(FIXTURE, 'utf8');
    const uri = pathToFileURL(join(root, 'train.py')).href;
    await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
    const accLine = text.split('\n').findIndex((line) => line.includes('"acc"'));
    const lenses = () => client.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    const hover = (line: number, character: number) => () =>
      client.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } });
    const accHover = hover(accLine, text.split('\n')[accLine].indexOf('"acc"') + 2);

    const first = (await lenses()) ?? [];
    if (first.length === 0) throw new Error('lsp bench: no code lenses; the store or the fixture is not what the bench expects');
    await repeat('lsp: code lenses of train.py, 10,000 runs in the store, warm', lenses, report, '<= 20 ms');
    await repeat('lsp: metric hover with chart, 10,000 runs in the store, warm', accHover, report, '<= 20 ms');

    const lensSamples: number[] = [];
    const hoverSamples: number[] = [];
    for (let round = 0; round < COLD_ROUNDS; round++) {
      const refreshed = nextRefresh();
      connectionOf(writer).transaction(() => {
        const run = writer.createRun({ name: `new-${round}`, cwd: root, sourceFile: 'train.py', argv: ['python3', 'train.py'] });
        writer.logMetrics(run.id, history(RUNS + round));
      })();
      await refreshed;
      lensSamples.push(await timed(lenses));
      hoverSamples.push(await timed(accHover));
    }
    report(`lsp: code lenses right after a new run (max of ${COLD_ROUNDS})`, Math.max(...lensSamples), 'ms', '<= 20 ms');
    report(`lsp: metric hover right after a new run (max of ${COLD_ROUNDS})`, Math.max(...hoverSamples), 'ms', '<= 20 ms');
    const blank = text.split('\n').findIndex((line) => line.trim() === '');
    await repeat('  baseline: hover where there is nothing (JSON-RPC round trip)', hover(blank, 0), report, '');
  } finally {
    session.close();
    writer.close();
    rmSync(root, { recursive: true, force: true });
  }
}
