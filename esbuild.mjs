// Bundles every entry point: the extension host, the CLI runner, the language server and one script per webview.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync, chmodSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeEntries = [
  ['src/extension/main.ts', 'dist/extension.js'],
  ['src/cli/main.ts', 'dist/cli.js'],
  ['src/lsp/main.ts', 'dist/lsp.js'],
  ['src/extension/panels/seriesWorker.ts', 'dist/seriesWorker.js'],
].filter(([input]) => existsSync(input));

const webviewEntries = existsSync('webview')
  ? readdirSync('webview').filter((f) => /^[a-zA-Z]+Panel\.ts$|^[a-zA-Z]+View\.ts$/.test(f)).map((f) => `webview/${f}`)
  : [];

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };

const builds = [
  ...nodeEntries.map(([input, outfile]) => ({
    ...common,
    entryPoints: [input],
    outfile,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'better-sqlite3'],
    banner: outfile.endsWith('cli.js') ? { js: '#!/usr/bin/env node' } : undefined,
  })),
  // VS Code for the Web runs this in a web worker; it only explains that Labbook needs a machine with processes.
  { ...common, entryPoints: ['src/extension/web.ts'], outfile: 'dist/web.js', platform: 'browser', target: 'es2022', format: 'cjs', external: ['vscode'] },
  ...(webviewEntries.length
    ? [{ ...common, entryPoints: webviewEntries, outdir: 'dist/webview', platform: 'browser', target: 'es2022', format: 'iife' }]
    : []),
];

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
}
