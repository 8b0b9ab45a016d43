// How the built CLI starts: dist/cli.js turns on Node's compile cache (Node 22.1+) before it loads the bundle, so
// later runs read the bundle's compiled code instead of parsing it again; on a Node without one it keeps V8's code
// cache of the bundle itself (src/cli/codeCache.ts, tested in test/unit/codeCache.test.ts).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeWorkspace, runCli } from './helpers';

const HAS_COMPILE_CACHE = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

function entries(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder, { recursive: true }).map(String) : [];
}

test(`the CLI keeps its compiled code in ${HAS_COMPILE_CACHE ? "Node's compile cache" : 'its own code cache'}`, async () => {
  const { dir, cleanup } = makeWorkspace();
  try {
    // The cache lives in the temp folder by default; NODE_COMPILE_CACHE would name another one.
    const env = { ...process.env, TMPDIR: dir, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined };
    const result = await runCli(['--version'], { cwd: dir, env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^labbook \d+\.\d+\.\d+ \(Node v/);
    const nodes = entries(join(dir, 'node-compile-cache'));
    assert.equal(nodes.length > 0, HAS_COMPILE_CACHE, `compile cache entries: ${nodes.join(', ')}`);
    const labbooks = entries(join(dir, `labbook-code-cache-${process.getuid?.() ?? 'user'}`));
    assert.equal(labbooks.length, HAS_COMPILE_CACHE ? 0 : 1, `code cache entries: ${labbooks.join(', ')}`);
  } finally {
    cleanup();
  }
});
