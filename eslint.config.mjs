// Layer rules from docs/architecture.md, enforced here rather than by convention.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const noVscode = { name: 'vscode', message: 'Only src/extension may import vscode.' };
const restrict = (paths, patterns = []) => ({
  'no-restricted-imports': ['error', { paths, patterns }],
});
const nodeBuiltinPaths = nodeBuiltins.map((name) => ({ name, message: 'This layer must stay free of Node built-ins.' }));

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/e2e/node_modules/**', 'test-output/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-restricted-exports': ['error', { restrictDefaultExports: { direct: true, named: true, defaultFrom: true, namedFrom: true, namespaceFrom: true } }],
    },
  },
  { files: ['src/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'], rules: restrict([noVscode]) },
  { files: ['src/extension/**/*.ts', 'test/e2e/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['src/core/**/*.ts', 'src/protocol/**/*.ts'],
    rules: restrict([noVscode, ...nodeBuiltinPaths], [
      { group: ['**/store/**', '**/capture/**', '**/server/**', '**/lsp/**', '**/cli/**', '**/extension/**'], message: 'core and protocol depend on nothing but core.' },
    ]),
  },
  {
    files: ['src/store/**/*.ts'],
    rules: restrict([noVscode], [{ group: ['**/capture/**', '**/server/**', '**/lsp/**', '**/cli/**', '**/extension/**'], message: 'store may import only core.' }]),
  },
  {
    files: ['src/capture/**/*.ts', 'src/server/**/*.ts', 'src/lsp/**/*.ts'],
    rules: restrict([noVscode], [{ group: ['**/cli/**', '**/extension/**'], message: 'Lower layers must not import cli or extension.' }]),
  },
  {
    files: ['webview/**/*.ts'],
    rules: restrict([noVscode, ...nodeBuiltinPaths, { name: 'better-sqlite3', message: 'Webviews talk to the host by messages only.' }], [
      { group: ['**/src/store/**', '**/src/capture/**', '**/src/server/**', '**/src/lsp/**', '**/src/cli/**', '**/src/extension/**'], message: 'webview may import only src/protocol and src/core.' },
    ]),
  },
);
