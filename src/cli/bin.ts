// The `labbook` executable (dist/cli.js). It loads the CLI's bundle (dist/cliMain.js, 2.4 MB) from V8's compiled
// code when a previous run left it: Node 22.1+ through its own compile cache (os.tmpdir()/node-compile-cache,
// shared with every Node tool that uses it), older Node through codeCache.ts. From the second run on that is
// 25-30 ms off every command on Node 24 (medians: `labbook --version` 117 -> 94 ms, `ls --json` of 10,000 runs
// 244 -> 215 ms) and about 45 ms on Node 20 (`ls --json` 407 -> 360 ms). Nothing else may happen here: this file
// is compiled on every run.
import { join } from 'node:path';
import * as nodeModule from 'node:module';
import { requireWithCodeCache } from './codeCache';
import type { start } from './main';

type CliMain = { start: typeof start };

const bundle = join(__dirname, 'cliMain.js');
const enableCompileCache = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a path built at run time: esbuild must not bundle it
const cli = (enableCompileCache ? (enableCompileCache(), require(bundle)) : requireWithCodeCache(bundle)) as CliMain;
cli.start();
