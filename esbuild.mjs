// Bundles every entry point: the extension host, the CLI runner, the language server and one script per webview.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync, chmodSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// The pages' window.labbook* hooks for test/webview and e2e: in every development build, in a production build
// only with --test-hooks (the e2e .vsix), never in the shipped one.
const testHooks = !production || process.argv.includes('--test-hooks');
// --outdir <dir> builds elsewhere than dist/ (the test of the production bundle), leaving dist/ as it is.
const outdirAt = process.argv.indexOf('--outdir');
const outRoot = outdirAt > 0 ? process.argv[outdirAt + 1] : 'dist';

const nodeEntries = [
  ['src/extension/main.ts', 'dist/extension.js'],
  ['src/cli/bin.ts', 'dist/cli.js'],
  ['src/cli/main.ts', 'dist/cliMain.js'],
  ['src/cli/runInTerminal.ts', 'dist/runInTerminal.js'],
  ['src/lsp/main.ts', 'dist/lsp.js'],
  ['src/extension/panels/seriesWorker.ts', 'dist/seriesWorker.js'],
  ['src/capture/driftWorker.ts', 'dist/driftWorker.js'],
  ['src/store/checkpointWorker.ts', 'dist/checkpointWorker.js'],
]
  .filter(([input]) => existsSync(input))
  .map(([input, outfile]) => [input, outfile.replace(/^dist\//, `${outRoot}/`)]);

const webviewEntries = existsSync('webview')
  ? readdirSync('webview')
      .filter((f) => /^[a-zA-Z]+Panel\.ts$|^[a-zA-Z]+View\.ts$/.test(f))
      .map((f) => `webview/${f}`)
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
  {
    ...common,
    entryPoints: ['src/extension/web.ts'],
    outfile: 'dist/web.js',
    platform: 'browser',
    target: 'es2022',
    format: 'cjs',
    external: ['vscode'],
  },
  ...(webviewEntries.length
    ? [
        {
          ...common,
          entryPoints: webviewEntries,
          outdir: `${outRoot}/webview`,
          platform: 'browser',
          target: 'es2022',
          format: 'iife',
          define: { LABBOOK_TEST_HOOKS: String(testHooks) },
        },
      ]
    : []),
];

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  if (existsSync(`${outRoot}/cli.js`)) chmodSync(`${outRoot}/cli.js`, 0o755);
}
