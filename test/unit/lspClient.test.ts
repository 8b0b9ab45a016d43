// The extension's side of the language server: the settings it sends (checked against the real server, so
// the keys cannot drift apart), the runWithParams argument check and the params file edit.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import {
  CodeLensRequest,
  DidChangeConfigurationNotification,
  DidOpenTextDocumentNotification,
  InitializedNotification,
  InitializeRequest,
  type CodeLens,
} from 'vscode-languageserver/node';
import { isLspDocument, lspSettingsOf, parseRunWithParams } from '../../src/extension/lspSettings';
import { paramsEdit } from '../../src/extension/paramsEdit';
import { connectInProcess } from './lspInProcess';
import { Store } from '../../src/store/store';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-lsp-client-'));
  dirs.push(dir);
  return dir;
}

/** A store in `dir` holding one finished run of `root`/train.py that logged acc = `acc`. */
function storeWithRun(dir: string, root: string, acc: number): void {
  const store = Store.open(dir);
  const run = store.createRun({ name: `run-${acc}`, cwd: root, sourceFile: 'train.py', argv: ['python3', 'train.py'], startTime: Date.now() });
  store.logMetrics(run.id, [{ key: 'acc', value: acc, step: 0, timestamp: Date.now() }]);
  store.finishRun(run.id, 'FINISHED', { exitCode: 0 });
  store.close();
}

function apply(text: string, key: string, value: string, json = false): string {
  const edit = paramsEdit(text, key, value, json);
  return text.slice(0, edit.start) + edit.text + text.slice(edit.end);
}

describe('language server settings', () => {
  test('maps the extension settings to the keys the server reads, dropping invalid values', () => {
    assert.deepEqual(lspSettingsOf({ storeDir: '/ws/.labbook', primaryMetric: ' val_acc ', runsToConsider: 5 }), {
      storeDir: '/ws/.labbook',
      primaryMetric: 'val_acc',
      runsToConsider: 5,
    });
    for (const runsToConsider of [0, 1001, 2.5, '5', Number.NaN, null])
      assert.deepEqual(lspSettingsOf({ storeDir: undefined, primaryMetric: '', runsToConsider }), {});
    assert.deepEqual(lspSettingsOf({ storeDir: undefined, primaryMetric: 42, runsToConsider: undefined }), {});
  });

  test('the server uses the store the client names, at start and after a settings change', async () => {
    const root = tempDir();
    const [first, second] = [join(tempDir(), 'store-a'), join(tempDir(), 'store-b')];
    storeWithRun(first, root, 0.5);
    storeWithRun(second, root, 0.75);
    const session = connectInProcess({ pollIntervalMs: 20 });
    try {
      session.client.listen();
      await session.client.sendRequest(InitializeRequest.type, {
        processId: null,
        rootUri: pathToFileURL(root).href,
        workspaceFolders: null,
        capabilities: {},
        initializationOptions: lspSettingsOf({ storeDir: first, primaryMetric: 'acc', runsToConsider: 3 }),
      });
      await session.client.sendNotification(InitializedNotification.type, {});
      const uri = pathToFileURL(join(root, 'train.py')).href;
      const text = 'import mlflow\nmlflow.log_metric("acc", acc)\n';
      await session.client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
      const lensTitle = async (): Promise<string> => {
        const lenses = (await session.client.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) as CodeLens[];
        return lenses.map((lens) => lens.command?.title ?? '').join('\n');
      };
      const waitFor = async (pattern: RegExp): Promise<string> => {
        const deadline = Date.now() + 5_000;
        for (;;) {
          const title = await lensTitle();
          if (pattern.test(title) || Date.now() > deadline) return title;
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      assert.match(await waitFor(/0\.5/), /acc 0\.5/);
      // VS Code sends the `labbook` section; the client sends the mapped one.
      await session.client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { labbook: lspSettingsOf({ storeDir: second, primaryMetric: '', runsToConsider: 3 }) },
      });
      assert.match(await waitFor(/0\.75/), /acc 0\.75/);
    } finally {
      session.close();
    }
  });

  test('starts for Python files and the runner params files only', () => {
    assert.ok(isLspDocument('python', '/ws/train.py'));
    assert.ok(isLspDocument('yaml', '/ws/params.yaml'));
    assert.ok(isLspDocument('json', 'C:\\ws\\params.json'));
    assert.ok(!isLspDocument('yaml', '/ws/myparams.yaml'));
    assert.ok(!isLspDocument('yaml', '/ws/params.yml'));
  });
});

describe('labbook.runWithParams argument', () => {
  test('accepts the two shapes the server sends', () => {
    assert.deepEqual(parseRunWithParams({ file: '/ws/train.py', args: ['--lr', '0.01'] }), { file: '/ws/train.py', args: ['--lr', '0.01'] });
    assert.deepEqual(parseRunWithParams({ file: null, params: { lr: '0.01' } }), { file: null, params: { lr: '0.01' } });
  });

  test('refuses anything else with a clear error', () => {
    for (const bad of [
      undefined,
      null,
      'x',
      [],
      { file: 'train.py', args: [] },
      { file: '/ws/t.py', args: [1] },
      { file: null, params: {} },
      { file: null, params: { lr: 1 } },
      { file: null, params: ['a'] },
    ]) {
      assert.throws(() => parseRunWithParams(bad), /Run with Params needs/, JSON.stringify(bad));
    }
  });
});

describe('params file edit', () => {
  const yaml = '# tuned by hand\nlr: 0.1   # keep small\nmodel:\n  depth: 3\n  optimizer: adam\nuse_bn: true\n';

  test('changes only the value, keeping comments and layout', () => {
    assert.equal(apply(yaml, 'lr', '0.01'), yaml.replace('lr: 0.1 ', 'lr: 0.01 '));
    assert.equal(apply(yaml, 'model.depth', '5'), yaml.replace('depth: 3', 'depth: 5'));
    assert.equal(apply(yaml, 'use_bn', 'false'), yaml.replace('use_bn: true', 'use_bn: false'));
  });

  test('keeps the type the file had: strings stay strings, quoted when they must be', () => {
    assert.equal(apply(yaml, 'model.optimizer', 'sgd'), yaml.replace('adam', 'sgd'));
    assert.equal(apply(yaml, 'model.optimizer', '1'), yaml.replace('adam', '"1"'));
    assert.equal(apply(yaml, 'model.optimizer', 'a: b # c'), yaml.replace('adam', '"a: b # c"'));
    assert.equal(apply(yaml, 'lr', 'fast'), yaml.replace('lr: 0.1 ', 'lr: fast '));
  });

  test('edits JSON as JSON', () => {
    const json = '{\n  "lr": 0.1,\n  "model": { "name": "adam" }\n}\n';
    assert.equal(apply(json, 'lr', '0.02', true), json.replace('0.1', '0.02'));
    assert.equal(apply(json, 'model.name', 'sgd "x"', true), json.replace('"adam"', '"sgd \\"x\\""'));
  });

  test('prefers a key with a literal dot over the nested path', () => {
    const text = 'a.b: 1\na:\n  b: 2\n';
    assert.equal(apply(text, 'a.b', '9'), 'a.b: 9\na:\n  b: 2\n');
  });

  test('says why it cannot set a value', () => {
    assert.throws(() => paramsEdit(yaml, 'missing', '1', false), /has no 'missing'/);
    assert.throws(() => paramsEdit(yaml, 'model', '1', false), /not a single value/);
    assert.throws(() => paramsEdit('lr: [1,\n', 'lr', '1', false), /cannot be read/);
  });
});
