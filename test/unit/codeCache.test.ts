// The CLI's code cache on runtimes without Node's own: each case runs fresh processes (the cache is written when a
// process exits) with their own temp folder, and checks what they loaded and what they left in the cache folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = join(__dirname, '..', '..');
const TSX = require.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'labbook-code-cache-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let cases = 0;

/** A temp folder of its own (TMPDIR of the processes) and a bundle in it that uses require, __dirname and exports. */
function fresh(): { temp: string; bundle: string; cacheFolder: string } {
  const temp = join(dir, `case-${cases++}`);
  mkdirSync(temp);
  const bundle = join(temp, 'bundle.js');
  writeFileSync(bundle, '"use strict";\nexports.answer = 6 * 7;\nexports.here = require("node:path").basename(__dirname);\n');
  return { temp, bundle, cacheFolder: join(temp, `labbook-code-cache-${process.getuid?.() ?? 'user'}`) };
}

/** Loads `bundle` through requireWithCodeCache in a new process; its exports. */
function load(temp: string, bundle: string): unknown {
  const script = `process.stdout.write(JSON.stringify(require('./src/cli/codeCache').requireWithCodeCache(${JSON.stringify(bundle)})))`;
  const result = spawnSync(process.execPath, ['--import', TSX, '-e', script], { cwd: ROOT, env: { ...process.env, TMPDIR: temp }, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function cacheFiles(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder) : [];
}

const EXPORTS = { answer: 42, here: /case-\d+$/ };

function assertLoaded(exports: unknown): void {
  const { answer, here } = exports as { answer: number; here: string };
  assert.equal(answer, EXPORTS.answer);
  assert.match(here, EXPORTS.here);
}

describe('code cache of the CLI bundle', () => {
  test('the first run writes the cache; the next reads it and leaves it as it is', () => {
    const { temp, bundle, cacheFolder } = fresh();
    assertLoaded(load(temp, bundle));
    const [file] = cacheFiles(cacheFolder);
    assert.ok(file, 'no cache written');
    assert.equal(statSync(cacheFolder).mode & 0o777, 0o700);
    const written = statSync(join(cacheFolder, file));
    assertLoaded(load(temp, bundle));
    const after = statSync(join(cacheFolder, file));
    assert.deepEqual([after.ino, after.mtimeMs], [written.ino, written.mtimeMs], 'an accepted cache was written again');
    assert.deepEqual(cacheFiles(cacheFolder), [file], 'a temp file was left behind');
  });

  test('a damaged cache is compiled from source and replaced by one V8 accepts', () => {
    const { temp, bundle, cacheFolder } = fresh();
    load(temp, bundle);
    const path = join(cacheFolder, cacheFiles(cacheFolder)[0]);
    const garbage = Buffer.alloc(statSync(path).size, 0xa5);
    writeFileSync(path, garbage);
    assertLoaded(load(temp, bundle));
    assert.notDeepEqual(readFileSync(path), garbage, 'the damaged cache was kept');
    const replaced = statSync(path).mtimeMs;
    load(temp, bundle);
    assert.equal(statSync(path).mtimeMs, replaced, 'the replacement was not accepted');
  });

  test('a rebuilt bundle gets a cache of its own', () => {
    const { temp, bundle, cacheFolder } = fresh();
    load(temp, bundle);
    writeFileSync(bundle, `${readFileSync(bundle, 'utf8')}exports.rebuilt = true;\n`);
    assert.equal((load(temp, bundle) as { rebuilt?: boolean }).rebuilt, true);
    assert.equal(cacheFiles(cacheFolder).length, 2);
  });

  test('a cache folder others can write to, or a link, is not used', () => {
    const shared = fresh();
    mkdirSync(shared.cacheFolder);
    chmodSync(shared.cacheFolder, 0o777);
    assertLoaded(load(shared.temp, shared.bundle));
    assert.deepEqual(cacheFiles(shared.cacheFolder), []);

    const linked = fresh();
    const elsewhere = join(linked.temp, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, linked.cacheFolder);
    assertLoaded(load(linked.temp, linked.bundle));
    assert.deepEqual(readdirSync(elsewhere), []);
  });
});
