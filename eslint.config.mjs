// Layer rules from docs/architecture.md's table, enforced here rather than by convention: each folder lists the
// layers it may import and every other layer is refused. DOM globals in core are refused by its own tsconfig
// (src/core/tsconfig.json: no DOM or Node types), which `npm run lint` also runs.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const noVscode = { name: 'vscode', message: 'Only src/extension may import vscode.' };
const nodeBuiltinPaths = nodeBuiltins.map((name) => ({ name, message: 'This layer must stay free of Node built-ins.' }));
const noSqlite = { name: 'better-sqlite3', message: 'Only the store talks to SQLite.' };
// The store's connection is private to the store layer; its tests and benches (test/**, scripts/bench/**) may use it.
const noConnection = {
  group: ['**/store/connection'],
  message: 'Only the store layer reaches the SQLite connection; use Store methods (e.g. store.transaction).',
};

// Every layer, as the folder a relative import names: '../store/x' and '../src/store/x' both match '**/store/**'.
const LAYERS = ['core', 'store', 'capture', 'server', 'lsp', 'models', 'sync', 'cli', 'protocol', 'extension', 'webview'];

/** no-restricted-imports for a layer that may import only `allowed` (plus itself) and none of `paths`. */
const layer = (self, allowed, paths = []) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: [noVscode, ...paths],
      patterns: [
        ...LAYERS.filter((name) => name !== self && !allowed.includes(name)).map((name) => ({
          group: [`**/${name}/**`],
          message: `${self} may import only ${allowed.length ? allowed.join(', ') : 'itself'} (docs/architecture.md, layers).`,
        })),
        ...(self === 'store' ? [] : [noConnection]),
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/e2e/node_modules/**', 'test-output/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-restricted-exports': [
        'error',
        { restrictDefaultExports: { direct: true, named: true, defaultFrom: true, namedFrom: true, namespaceFrom: true } },
      ],
    },
  },
  { files: ['src/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [noVscode] }] } },
  { files: ['src/**/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: [noConnection] }] } },
  { files: ['src/extension/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [noConnection] }] } },
  { files: ['test/e2e/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/core/**/*.ts'], rules: layer('core', [], [...nodeBuiltinPaths, noSqlite]) },
  { files: ['src/store/**/*.ts'], rules: layer('store', ['core']) },
  { files: ['src/capture/**/*.ts'], rules: layer('capture', ['core', 'store']) },
  { files: ['src/server/**/*.ts'], rules: layer('server', ['core', 'store']) },
  { files: ['src/lsp/**/*.ts'], rules: layer('lsp', ['core', 'store']) },
  { files: ['src/models/**/*.ts'], rules: layer('models', ['core', 'store', 'capture']) },
  { files: ['src/sync/**/*.ts'], rules: layer('sync', ['core', 'store', 'capture']) },
  { files: ['src/cli/**/*.ts'], rules: layer('cli', ['core', 'store', 'capture', 'server', 'lsp', 'models', 'sync', 'protocol']) },
  { files: ['src/protocol/**/*.ts'], rules: layer('protocol', ['core'], [...nodeBuiltinPaths, noSqlite]) },
  { files: ['webview/**/*.ts'], rules: layer('webview', ['protocol', 'core'], [...nodeBuiltinPaths, noSqlite]) },
);
