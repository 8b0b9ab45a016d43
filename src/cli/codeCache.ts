// V8's code cache for the CLI's bundle on runtimes without Node's own (module.enableCompileCache, Node 22.1+).
// Parsing the 2.4 MB bundle is about a quarter of a short command's time on Node 20; from the second run on, V8
// reads the compiled code instead. Kept in a private folder of the temp folder per user, runtime and bundle build;
// a cache V8 does not accept (another build, a torn or damaged file) is compiled from source as if absent, then
// written again.
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

// Compiled code is code: a cache folder another user could write to would let them run theirs in our process, so
// it must be a real folder (not a link), ours, and writable by nobody else. Otherwise the bundle is parsed.
function privateFolder(): string | undefined {
  const uid = process.getuid?.();
  const folder = join(tmpdir(), `labbook-code-cache-${uid ?? 'user'}`);
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  const stat = lstatSync(folder);
  const ours = stat.isDirectory() && (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0;
  return ours ? folder : undefined;
}

// Where the code cache of `bundle` lives (one file per Node build and bundle build), or undefined if nowhere safe.
function codeCachePath(bundle: string): string | undefined {
  const folder = privateFolder();
  if (!folder) return undefined;
  const { size, mtimeMs } = statSync(bundle);
  return join(folder, `${process.version}-${process.arch}-${size}-${Math.floor(mtimeMs)}.bin`);
}

function readIfThere(path: string | undefined): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

// Written once the command is done, so the cache also holds the functions this run compiled; renamed into place,
// so a process starting meanwhile reads the old file or the new one, never half of one.
function saveOnExit(script: Script, path: string): void {
  process.once('exit', () => {
    const temp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
      renameSync(temp, path);
    } catch {
      // A full or read-only temp folder only costs the next run its parse.
    }
  });
}

/** Loads the CommonJS file `bundle` as require() would (its exports), compiling it from V8's code cache if it can. */
export function requireWithCodeCache(bundle: string): unknown {
  const path = codeCachePath(bundle);
  const cachedData = readIfThere(path);
  const source = readFileSync(bundle, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  if (path && (!cachedData || script.cachedDataRejected)) saveOnExit(script, path);
  const module = { exports: {} };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return module.exports;
}
