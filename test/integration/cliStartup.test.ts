// How the built CLI starts: dist/cli.js turns on Node's compile cache (Node 22.1+) before it loads the bundle, so
// later runs read the bundle's compiled code instead of parsing it again; on a Node without one it runs all the same.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeWorkspace, runCli } from './helpers';

const HAS_COMPILE_CACHE = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

test(`the CLI ${HAS_COMPILE_CACHE ? 'keeps its compiled code in the compile cache' : 'runs on a Node without a compile cache'}`, async () => {
  const { dir, cleanup } = makeWorkspace();
  try {
    // The cache lives in the temp folder by default; NODE_COMPILE_CACHE would name another one.
    const env = { ...process.env, TMPDIR: dir, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined };
    const result = await runCli(['--version'], { cwd: dir, env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^labbook \d+\.\d+\.\d+ \(Node v/);
    const cache = join(dir, 'node-compile-cache');
    const entries = existsSync(cache) ? readdirSync(cache, { recursive: true }) : [];
    assert.equal(entries.length > 0, HAS_COMPILE_CACHE, `compile cache entries: ${entries.join(', ')}`);
  } finally {
    cleanup();
  }
});
