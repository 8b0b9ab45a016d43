// The shipped bundle carries no test-only code: the pages' window.labbook* hooks are compiled out unless a build
// asks for them (esbuild.mjs --test-hooks, used for the e2e .vsix). Builds into a temporary folder, not dist/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = resolve(__dirname, '..', '..');
const HOOKS = [
  'labbookComparePanel',
  'labbookDriftPanel',
  'labbookLineagePanel',
  'labbookMetricsView',
  'labbookMonitoringView',
  'labbookRunPanel',
  'labbookRunsTable',
  'labbookSweepForm',
];
const scratch = mkdtempSync(join(tmpdir(), 'labbook-bundle-'));

/** Builds the production bundle with extra flags and returns the text of each page script by file name. */
function buildPages(name: string, flags: string[]): Map<string, string> {
  const out = join(scratch, name);
  execFileSync(process.execPath, ['esbuild.mjs', '--production', ...flags, '--outdir', out], { cwd: ROOT, stdio: 'pipe' });
  const pages = join(out, 'webview');
  return new Map(
    readdirSync(pages)
      .filter((file) => file.endsWith('.js'))
      .map((file) => [file, readFileSync(join(pages, file), 'utf8')]),
  );
}

/** The hook names found in each page. */
function hooksIn(pages: Map<string, string>): string[] {
  return [...pages.values()].flatMap((text) => HOOKS.filter((hook) => text.includes(hook))).sort();
}

describe('production bundle', { timeout: 120_000 }, () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('the shipped pages hold no test hooks', () => {
    const pages = buildPages('shipped', []);
    assert.equal(pages.size, HOOKS.length, 'one script per page');
    assert.deepEqual(hooksIn(pages), []);
  });

  test('a --test-hooks build keeps one hook per page (so the check above looks for the right names)', () => {
    assert.deepEqual(hooksIn(buildPages('e2e', ['--test-hooks'])), HOOKS);
  });
});
