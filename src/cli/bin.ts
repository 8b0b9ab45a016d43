// The `labbook` executable (dist/cli.js). It turns on Node's compile cache before it loads the CLI's bundle
// (dist/cliMain.js, 2.4 MB): from the second run on, Node 22.1+ reads the bundle's compiled code from the cache
// (os.tmpdir()/node-compile-cache, shared with every Node tool that uses it) instead of parsing it again: 25-30 ms
// off every command (Node 24, medians: `labbook --version` 117 -> 94 ms, `ls --json` of 10,000 runs 244 -> 215 ms).
// Node 20 has no such cache and loads the bundle as before. Nothing else may happen here: this file is compiled on
// every run.
import { join } from 'node:path';
import * as nodeModule from 'node:module';
import type { start } from './main';

(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a path built at run time: esbuild must not bundle it
(require(join(__dirname, 'cliMain.js')) as { start: typeof start }).start();
