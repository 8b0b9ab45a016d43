// The life cycle every webview browser test shares: one harness per file, a fresh page per test, and after each
// test the check that the page ran without a CSP violation, an error or a warning.

import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { WebviewHarness } from './harness';
import type { OpenOptions, WebviewPage } from './harness';

/** Pages of any entry: `open(name)` loads dist/webview/<name>.js in a fresh page; `discard` closes it unchecked. */
export interface WebviewPages {
  open(name: string, options?: OpenOptions): Promise<WebviewPage>;
  discard(): Promise<void>;
}

/** Registers the hooks (one harness per file, the checks after each test) for tests that open several entries. */
export function webviewPages(): WebviewPages {
  let harness: WebviewHarness;
  let current: WebviewPage | undefined;
  before(async () => {
    harness = await WebviewHarness.start();
  });
  after(async () => {
    await harness?.close();
  });
  afterEach(async () => {
    if (!current) return;
    const { csp, errors } = await current.recorded();
    await current.page.context().close();
    current = undefined;
    assert.deepEqual(csp, [], 'no CSP violations');
    assert.deepEqual(errors, [], 'no page errors or warnings');
  });
  return {
    async open(name, options) {
      current = await harness.open(name, options);
      return current;
    },
    async discard() {
      await current?.page.context().close();
      current = undefined;
    },
  };
}

/** Registers the hooks and returns `open`, which loads dist/webview/<name>.js in a fresh page. */
export function webviewSuite(name: string): { open(options?: OpenOptions): Promise<WebviewPage> } {
  const pages = webviewPages();
  return { open: (options) => pages.open(name, options) };
}
