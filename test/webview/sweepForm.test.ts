// The Run Sweep form webview in headless chromium under the host's HTML and CSP: the run count shown as the fields
// change, problems shown with Start disabled, and Start posting the fields.
// Run: node esbuild.mjs && node --import tsx --test test/webview/sweepForm.test.ts

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSweepFormMessage } from '../../src/protocol/sweepForm';
import { webviewSuite } from './pageSuite';

const suite = webviewSuite('sweepFormPanel');

describe('Run Sweep form webview', () => {
  for (const theme of ['dark', 'light'] as const) {
    it(`shows the number of runs before starting and posts the sweep (${theme})`, async () => {
      const page = await suite.open({ theme, readyType: 'sweepForm/ready' });
      await page.send({ type: 'sweepForm/init', command: 'python3 train.py', grid: ['lr=0.1,0.01'] });
      await page.page.waitForSelector('main[aria-busy="false"]');
      const summary = (): Promise<string> => page.page.evaluate(() => window.labbookSweepForm!.summary());
      assert.equal(await summary(), 'This sweep makes 2 runs, 1 at a time.');
      await page.page.locator('textarea[name="grid"]').fill('lr=0.1,0.01\nseed=1..3');
      await page.page.locator('input[name="random"]').fill('2');
      await page.page.locator('textarea[name="params"]').fill('dropout=gauss(0,1)');
      assert.equal(await summary(), "--param dropout: unknown distribution 'gauss'; use uniform, loguniform, int or choice.");
      assert.equal(await page.page.locator('vscode-button').getAttribute('disabled'), '');
      await page.page.locator('textarea[name="params"]').fill('dropout=uniform(0,0.5)');
      await page.page.locator('input[name="parallel"]').fill('2');
      await page.page.locator('input[name="name"]').fill('lr-seeds');
      assert.equal(await summary(), 'This sweep makes 12 runs, 2 at a time.');
      await page.screenshot(`sweep-form-${theme}`);
      await page.page.locator('vscode-button').click();
      const posted = await page.waitForPosted('sweepForm/start');
      assert.deepEqual(parseSweepFormMessage(posted), {
        ok: true,
        message: {
          type: 'sweepForm/start',
          command: 'python3 train.py',
          grid: ['lr=0.1,0.01', 'seed=1..3'],
          params: ['dropout=uniform(0,0.5)'],
          random: 2,
          parallel: 2,
          name: 'lr-seeds',
        },
      });
    });
  }
});
