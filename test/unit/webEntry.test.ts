// The .vsix runs where the workspace is (extensionKind workspace); in VS Code for the Web it loads dist/web.js,
// which must explain itself on every command instead of failing with "command not found".
import assert from 'node:assert/strict';
import Module from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  extensionKind: string[];
  browser: string;
  contributes: { commands: { command: string }[]; viewsWelcome: { when?: string; contents: string }[] };
};

interface FakeVscode {
  registered: Map<string, () => unknown>;
  warnings: string[];
  contexts: Record<string, unknown>;
}

/** Loads the built web entry with a fake `vscode` module (the web worker host's API surface it uses). */
function loadWebEntry(fake: FakeVscode): { activate: (context: unknown) => void } {
  const vscode = {
    commands: {
      registerCommand: (id: string, fn: () => unknown) => (fake.registered.set(id, fn), { dispose() {} }),
      executeCommand: async (id: string, key: string, value: unknown) => void (id === 'setContext' && (fake.contexts[key] = value)),
    },
    window: { showWarningMessage: async (message: string) => void fake.warnings.push(message) },
  };
  const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: typeof load })._load = (request, ...rest) => (request === 'vscode' ? vscode : load(request, ...rest));
  try {
    const file = join(ROOT, manifest.browser);
    delete require.cache[file];
    return Module.createRequire(__filename)(file) as { activate: (context: unknown) => void };
  } finally {
    (Module as unknown as { _load: typeof load })._load = load;
  }
}

test('the extension runs where the files are, and names a web entry', () => {
  assert.deepEqual(manifest.extensionKind, ['workspace']);
  assert.equal(manifest.browser, 'dist/web.js');
});

test('in VS Code for the Web every Labbook command explains where Labbook runs, and the Runs view says so', async () => {
  const fake: FakeVscode = { registered: new Map(), warnings: [], contexts: {} };
  const subscriptions: unknown[] = [];
  loadWebEntry(fake).activate({ subscriptions, extension: { packageJSON: manifest } });
  assert.deepEqual([...fake.registered.keys()].sort(), manifest.contributes.commands.map((c) => c.command).sort());
  assert.equal(subscriptions.length, manifest.contributes.commands.length);
  await fake.registered.get('labbook.runCurrentFile')!();
  assert.equal(fake.warnings.length, 2, 'one warning on activation, one for the command');
  assert.match(fake.warnings[1], /desktop VS Code, a Remote .* Codespaces or code-server/);
  assert.equal(fake.contexts['labbook.webUnsupported'], true);
  const welcome = manifest.contributes.viewsWelcome.filter((w) => w.when?.includes('labbook.webUnsupported'));
  assert.ok(welcome.some((w) => w.when === 'labbook.webUnsupported' && /VS Code for the Web/.test(w.contents)));
  assert.ok(welcome.length === manifest.contributes.viewsWelcome.length, 'every other welcome is hidden on the web');
});
