// The language server in-process over streams, against a real temporary store written through the Store API.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  CodeActionRequest,
  CodeLensRefreshRequest,
  CodeLensRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  MessageType,
  type CodeAction,
  type CodeLens,
  type Command,
  type MarkupContent,
  type ProtocolConnection,
} from 'vscode-languageserver/node';
import type { MetricPoint } from '../../src/core/types';
import { connectInProcess, type InProcessSession } from './lspInProcess';
import type { ServerOptions } from '../../src/lsp/server';
import { Store } from '../../src/store/store';
import { connectionOf } from '../../src/store/connection';

const FIXTURES = join(__dirname, '..', 'fixtures', 'lsp');
const HOSTILE_NAME = '<img src=x onerror=alert(1)> `t` | p\nq';
const WAIT_MS = 5_000;
const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-lsp-'));
  dirs.push(dir);
  return dir;
}

function history(key: string, values: number[]): MetricPoint[] {
  return values.map((value, step) => ({ key, value, step, timestamp: 1_000 + step }));
}

/** A finished run of `script` started `minutesAgo` in `cwd`. */
function addRun(store: Store, spec: { name: string; cwd: string; script?: string; minutesAgo: number; lr?: string; metrics: MetricPoint[] }): string {
  const script = spec.script ?? 'train.py';
  const run = store.createRun({
    name: spec.name,
    cwd: spec.cwd,
    sourceFile: script,
    argv: ['python3', script],
    startTime: Date.now() - spec.minutesAgo * 60_000,
  });
  if (spec.lr) store.logParams(run.id, { lr: spec.lr, epochs: '3' });
  store.logMetrics(run.id, spec.metrics);
  store.finishRun(run.id, 'FINISHED', { exitCode: 0 });
  return run.id;
}

/** An LSP client talking to the server in this process, recording refresh requests and log messages. */
class TestClient {
  readonly connection: ProtocolConnection;
  readonly logs: { type: number; message: string }[] = [];
  private refreshes = 0;
  private readonly events = new EventEmitter();
  private readonly session: InProcessSession;

  constructor(options: ServerOptions) {
    this.session = connectInProcess({ pollIntervalMs: 20, ...options });
    this.connection = this.session.client;
    this.connection.onRequest(CodeLensRefreshRequest.type, () => {
      this.refreshes++;
      this.events.emit('refresh');
      return null;
    });
    this.connection.onNotification(LogMessageNotification.type, (params) => this.logs.push(params));
    this.connection.listen();
  }

  async initialize(rootPath: string, initializationOptions: object = {}): Promise<void> {
    await this.connection.sendRequest(InitializeRequest.type, {
      processId: null,
      rootUri: pathToFileURL(rootPath).href,
      workspaceFolders: null,
      capabilities: { workspace: { codeLens: { refreshSupport: true } } },
      initializationOptions,
    });
    await this.connection.sendNotification(InitializedNotification.type, {});
  }

  /** Opens a fixture as if it were the file `fileName` in `root`; returns its URI. */
  async open(root: string, fixture: string, fileName = fixture, languageId = 'python'): Promise<string> {
    const uri = pathToFileURL(join(root, fileName)).href;
    const text = readFileSync(join(FIXTURES, fixture), 'utf8');
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
    return uri;
  }

  /** How many refreshes arrived so far; pass it to nextRefresh before causing the change. */
  get refreshCount(): number {
    return this.refreshes;
  }

  /** Resolves once a refresh beyond `seen` arrived; fails after WAIT_MS. */
  nextRefresh(seen: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.refreshes <= seen) return;
        clearTimeout(timer);
        this.events.off('refresh', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.events.off('refresh', check);
        reject(new Error(`No codeLens refresh within ${WAIT_MS} ms`));
      }, WAIT_MS);
      this.events.on('refresh', check);
      check();
    });
  }

  /**
   * Lenses once `ready` holds for them, asking again after each refresh (a run is written in several commits,
   * each announced by its own refresh); fails when no refresh comes within WAIT_MS.
   */
  async lensesWhen(uri: string, ready: (lenses: CodeLens[]) => boolean): Promise<CodeLens[]> {
    for (;;) {
      const seen = this.refreshes;
      const lenses = await this.lenses(uri);
      if (ready(lenses)) return lenses;
      await this.nextRefresh(seen);
    }
  }

  lenses(uri: string): Promise<CodeLens[]> {
    return this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }) as Promise<CodeLens[]>;
  }

  async hover(uri: string, line: number, character: number): Promise<string | undefined> {
    const hover = await this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } });
    return hover ? (hover.contents as MarkupContent).value : undefined;
  }

  async actions(uri: string, line: number, character: number): Promise<CodeAction[]> {
    const position = { line, character };
    const result = await this.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: { start: position, end: position },
      context: { diagnostics: [] },
    });
    return (result ?? []) as CodeAction[];
  }

  close(): void {
    this.session.close();
  }
}

/** Line and character of the `occurrence`-th appearance of `needle` in a fixture (0-based). */
function positionOf(fixture: string, needle: string, occurrence = 0): { line: number; character: number } {
  const lines = readFileSync(join(FIXTURES, fixture), 'utf8').split('\n');
  let seen = 0;
  for (let line = 0; line < lines.length; line++) {
    for (let at = lines[line].indexOf(needle); at >= 0; at = lines[line].indexOf(needle, at + 1)) {
      if (seen++ === occurrence) return { line, character: at };
    }
  }
  throw new Error(`${needle} not in ${fixture}`);
}

/** Position of a quoted key's text (just after its opening quote). */
function keyPosition(fixture: string, key: string): { line: number; character: number } {
  const quote = positionOf(fixture, `"${key}"`);
  return { line: quote.line, character: quote.character + 1 };
}

function lensAt(lenses: CodeLens[], fixture: string, key: string): CodeLens | undefined {
  const { line, character } = keyPosition(fixture, key);
  return lenses.find((lens) => lens.range.start.line === line && lens.range.start.character === character);
}

describe('language server over a store with runs of train.py', () => {
  let root: string;
  let writer: Store;
  let client: TestClient;
  let uri: string;
  const ids: Record<string, string> = {};

  before(async () => {
    root = workspace();
    writer = Store.open(join(root, '.labbook'));
    ids.baseline = addRun(writer, {
      name: 'baseline',
      cwd: root,
      minutesAgo: 30,
      lr: '0.1',
      metrics: [...history('acc', [0.5, 0.7, 0.8]), ...history('loss', [1, 0.6, 0.5])],
    });
    ids.hostile = addRun(writer, {
      name: HOSTILE_NAME,
      cwd: root,
      minutesAgo: 20,
      lr: '0.01',
      metrics: [...history('acc', [0.6, 0.9, 0.947]), ...history('loss', [0.9, 0.3, 0.2])],
    });
    ids.latest = addRun(writer, {
      name: 'latest',
      cwd: root,
      minutesAgo: 10,
      lr: '0.03',
      metrics: [...history('acc', [0.4, 0.6, 0.8, 0.931]), ...history('loss', [1.2, 0.8, 0.5, 0.25])],
    });
    // Same metric, other script or other folder: never shown for train.py in `root`.
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    addRun(writer, { name: 'other-script', cwd: root, script: 'eval.py', minutesAgo: 1, lr: '9', metrics: history('acc', [0.99]) });
    addRun(writer, { name: 'other-folder', cwd: elsewhere, minutesAgo: 2, lr: '8', metrics: history('acc', [0.98]) });
    client = new TestClient({});
    const seen = client.refreshCount;
    await client.initialize(root);
    await client.nextRefresh(seen);
    uri = await client.open(root, 'train.py');
  });

  after(() => {
    client.close();
    writer.close();
  });

  test('puts a lens with last, best, best run and a sparkline above each logged metric key', async () => {
    const lenses = await client.lenses(uri);
    const acc = lensAt(lenses, 'train.py', 'acc');
    assert.ok(acc, 'a lens on the key of mlflow.log_metric("acc", …)');
    assert.deepEqual(acc.range.end, { ...acc.range.start, character: acc.range.start.character + 3 });
    assert.match(acc.command!.title, /^acc 0\.931 last · best 0\.947 \(<img src=x onerror=alert\(1\)> `t` \| p q\) [▁▂▃▄▅▆▇█]{4}$/);
    assert.deepEqual(acc.command!.command, 'labbook.openRun');
    assert.deepEqual(acc.command!.arguments, [ids.latest]);
    const loss = lenses.find((lens) => lens.command?.title.startsWith('loss 0.25 last · best 0.2 '));
    assert.ok(loss, 'loss is a min metric: best is the lowest final value');
  });

  test('reads keys out of log_metrics dicts, multi-line calls and print f-strings, and only keys runs have', async () => {
    const titles = (await client.lenses(uri)).map((lens) => `${lens.range.start.line}:${lens.command!.title.split(' ')[0]}`);
    const line = (needle: string) => positionOf('train.py', needle).line;
    assert.deepEqual(titles.sort(), [`${line('"acc"')}:acc`, `${line('"loss"')}:loss`, `${line('| acc:')}:acc`, `${line('| loss:')}:loss`].sort());
  });

  test('has no lens in a file that no run ran', async () => {
    const other = await client.open(root, 'unrelated.py');
    assert.deepEqual(await client.lenses(other), []);
  });

  test('follows edits: a key typed into the file gets its lens', async () => {
    await client.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    const edited = await client.open(root, 'unrelated.py', 'train.py');
    const before = await client.lenses(edited);
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: edited, version: 2 },
      contentChanges: [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: 'mlflow.log_metric("loss", 1)\n' }],
    });
    const after = await client.lenses(edited);
    assert.deepEqual(
      before.map((lens) => lens.range.start.line),
      [2],
    );
    assert.deepEqual(
      after.map((lens) => [lens.range.start.line, lens.command?.title.split(' ')[0]]),
      [
        [2, 'loss'],
        [3, 'acc'],
      ],
    );
    await client.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    await client.open(root, 'train.py');
  });

  test('hovers a metric key with a chart image and every recent run, hostile names escaped', async () => {
    const { line, character } = positionOf('train.py', '"acc"');
    const markdown = await client.hover(uri, line, character + 2);
    assert.ok(markdown);
    const image = /!\[[^\]]*\]\(data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)\)/.exec(markdown);
    assert.ok(image, 'a data URI image');
    const svg = Buffer.from(image[1], 'base64').toString('utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<polyline points="[\d., ]+"/);
    assert.match(svg, />0\.931</, 'axis max label');
    assert.match(svg, />0\.4</, 'axis min label');
    assert.doesNotMatch(markdown, /(^|[^\\])[<`|]img|[^\\]<img/, 'no raw HTML from a run name');
    assert.ok(markdown.includes('| \\<img src\\=x onerror\\=alert\\(1\\)\\> \\`t\\` \\| p q ★ | 0.947 |'), markdown);
    const rows = markdown.split('\n').filter((row) => row.startsWith('| ') && !row.startsWith('| run'));
    assert.deepEqual(
      rows.map((row) => row.split(' | ').slice(1, 3)),
      [
        ['0.931', '0.931'],
        ['0.947', '0.947'],
        ['0.8', '0.8'],
      ],
    );
    assert.match(rows[0], /\| 10m ago \|$/);
  });

  test('hovers a metric from anywhere on its logging line or call, naming the closest key with runs', async () => {
    const heading = async (line: number, character: number) => (await client.hover(uri, line, character))?.split('\n')[0];
    const acc = await heading(positionOf('train.py', '"acc"').line, 0);
    assert.ok(acc?.includes('acc'), `the start of mlflow.log_metric("acc", …)'s line: ${acc}`);
    const logAcc = positionOf('train.py', 'mlflow.log_metric("acc"');
    assert.equal(await heading(logAcc.line, logAcc.character + 2), acc, 'on `mlflow`');
    assert.equal(await heading(logAcc.line, positionOf('train.py', 'step=epoch').character + 4), acc, 'on step=…');
    const loss = await heading(positionOf('train.py', '"loss"').line, positionOf('train.py', 'log_metrics').character + 3);
    assert.ok(loss?.includes('loss'), `on log_metrics({"loss": …}): ${loss}`);
    const printed = positionOf('train.py', 'print(f"epoch');
    assert.equal(await heading(printed.line, printed.character), loss, 'print(…): the closest key, loss');
    assert.equal(await heading(printed.line, positionOf('train.py', 'unknown').character), acc, 'after acc: acc');
    assert.equal(await client.hover(uri, positionOf('train.py', 'step=epoch,').line, 9), undefined, 'val_acc has no runs');
    assert.equal(await client.hover(uri, positionOf('train.py', 'args = parser').line, 2), undefined, 'a line that logs nothing');
  });

  test('hovers an argparse option with the values tried, best first by the primary metric', async () => {
    const { line, character } = positionOf('train.py', '--lr');
    const markdown = await client.hover(uri, line, character + 3);
    assert.ok(markdown);
    assert.match(markdown, /best first by \*\*acc\*\* \(higher is better\)/);
    const values = markdown
      .split('\n')
      .filter((row) => /^\| \d/.test(row))
      .map((row) => row.split(' | ').slice(0, 2).join(' '));
    assert.deepEqual(values, ['| 0\\.01 0.947', '| 0\\.03 0.931', '| 0\\.1 0.8']);
  });

  test('a param hover links "Sweep lr over …" to the Run Sweep form, its grid prefilled with the values tried by runs of the script', async () => {
    const { line, character } = positionOf('train.py', '--lr');
    const markdown = (await client.hover(uri, line, character + 3)) ?? '';
    const link = /\[Sweep lr over …\]\(command:labbook\.runSweep\?([^ )]+) "Open the Run Sweep form with the 3 values tried so far"\)/.exec(markdown);
    assert.ok(link, markdown);
    // Not the other script's lr=9 nor the other folder's lr=8.
    assert.deepEqual(JSON.parse(decodeURIComponent(link[1])), [{ grid: ['lr=0.01,0.03,0.1'] }]);
  });

  test('offers "Run with lr=<value>" on the option and on log_param, with the script and its flag', async () => {
    for (const needle of ['--lr', '"lr"']) {
      const { line, character } = positionOf('train.py', needle);
      const actions = await client.actions(uri, line, character + 1);
      assert.deepEqual(
        actions.map((a) => a.title),
        ['Run with lr=0.01', 'Run with lr=0.03', 'Run with lr=0.1'],
      );
      const command = actions[0].command as Command;
      assert.equal(command.command, 'labbook.runWithParams');
      assert.deepEqual(command.arguments, [{ file: join(root, 'train.py'), args: ['--lr', '0.01'] }]);
    }
  });

  test('hovers a params.yaml key and offers runs that set the param', async () => {
    const params = await client.open(root, 'params.yaml', 'params.yaml', 'yaml');
    const { line, character } = positionOf('params.yaml', 'lr:');
    const markdown = await client.hover(params, line, character);
    // Every run started in the folder read params.yaml, whichever script it ran; the run in `elsewhere` did not.
    const values = (markdown ?? '')
      .split('\n')
      .filter((row) => /^\| \d/.test(row))
      .map((row) => row.split(' | ').slice(0, 2).join(' '));
    assert.deepEqual(values, ['| 9 0.99', '| 0\\.01 0.947', '| 0\\.03 0.931', '| 0\\.1 0.8']);
    const actions = await client.actions(params, line, character);
    assert.deepEqual((actions[1].command as Command).arguments, [{ file: null, params: { lr: '0.01' } }]);
    assert.equal(await client.hover(params, positionOf('params.yaml', 'depth').line, 3), undefined, 'no run has model.depth');
  });

  test('the primary metric setting changes how param values rank', async () => {
    const seen = client.refreshCount;
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { labbook: { primaryMetric: 'loss' } } });
    await client.nextRefresh(seen);
    const { line, character } = positionOf('train.py', '--lr');
    const markdown = await client.hover(uri, line, character + 3);
    assert.match(
      markdown ?? '',
      /best first by \*\*loss\*\* \(lower is better\)\n\n\| lr \| loss \| best run \| runs \|\n\|:--\|--:\|:--\|--:\|\n\| 0\\\.01 \| 0\.2 \|/,
    );
    const reset = client.refreshCount;
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { labbook: {} } });
    await client.nextRefresh(reset);
  });

  test('asks for a refresh when another connection adds a run, then shows it', async () => {
    const seen = client.refreshCount;
    const id = connectionOf(writer).transaction(() =>
      addRun(writer, { name: 'newest', cwd: root, minutesAgo: 0, lr: '0.02', metrics: history('acc', [0.3, 0.99]) }),
    )();
    await client.nextRefresh(seen);
    const acc = lensAt(await client.lenses(uri), 'train.py', 'acc');
    assert.match(acc?.command?.title ?? '', /^acc 0\.99 last · best 0\.99 \(newest\)/);
    assert.deepEqual(acc?.command?.arguments, [id]);
  });

  test('follows a live run: each commit of new points is announced and shown', async () => {
    const run = writer.createRun({ name: 'live', cwd: root, sourceFile: 'train.py', argv: ['python3', 'train.py'] });
    for (const value of [0.1, 0.2, 0.3]) {
      writer.logMetrics(run.id, [{ key: 'acc', value, step: value * 10, timestamp: Date.now() }]);
      const lenses = await client.lensesWhen(uri, (all) => lensAt(all, 'train.py', 'acc')?.command?.title.startsWith(`acc ${value} last`) === true);
      assert.deepEqual(lensAt(lenses, 'train.py', 'acc')?.command?.arguments, [run.id]);
    }
  });

  test('logged nothing at error level', () => {
    assert.deepEqual(
      client.logs.filter((log) => log.type === MessageType.Error),
      [],
    );
  });
});

describe('language server without a store', () => {
  test('answers with nothing, logs no error, and lights up when the store appears', async () => {
    const root = workspace();
    const client = new TestClient({});
    try {
      await client.initialize(root, { storeDir: '.labbook', runsToConsider: 5 });
      const uri = await client.open(root, 'train.py');
      assert.deepEqual(await client.lenses(uri), []);
      assert.equal(await client.hover(uri, positionOf('train.py', '"acc"').line, positionOf('train.py', '"acc"').character + 1), undefined);
      assert.deepEqual(await client.actions(uri, positionOf('train.py', '--lr').line, 3), []);

      const store = Store.open(join(root, '.labbook'));
      addRun(store, { name: 'first', cwd: root, minutesAgo: 0, lr: '0.5', metrics: history('acc', [0.1, 0.2]) });
      store.close();
      const lenses = await client.lensesWhen(uri, (all) => all.length > 0);
      assert.match(lensAt(lenses, 'train.py', 'acc')?.command?.title ?? '', /^acc 0\.2 last · best 0\.2 \(first\)/);
      assert.deepEqual(
        client.logs.filter((log) => log.type === MessageType.Error),
        [],
      );
    } finally {
      client.close();
    }
  });

  test('ignores invalid settings with a warning', async () => {
    const root = workspace();
    const client = new TestClient({});
    try {
      await client.initialize(root, { runsToConsider: -3, storeDir: 42 });
      const uri = await client.open(root, 'train.py');
      assert.deepEqual(await client.lenses(uri), []);
      const warnings = client.logs.filter((log) => log.type === MessageType.Warning).map((log) => log.message);
      assert.ok(
        warnings.some((m) => m.includes('runsToConsider')),
        warnings.join('\n'),
      );
      assert.ok(
        warnings.some((m) => m.includes('storeDir')),
        warnings.join('\n'),
      );
    } finally {
      client.close();
    }
  });
});
