// How every page figure of the bench is timed: from posting a host message to the page until what it draws is
// painted, in headless Chromium through the webview test harness.
import type { Page } from '../../test/e2e/node_modules/playwright-core';

interface Timed {
  __message?: unknown;
  __start?: number;
}

/**
 * Posts `json` to the page (parsed there first, so its transfer is not counted) and resolves with the ms until
 * `drawn(arg)` holds in the page and two more frames have been painted.
 */
export async function paintMs(page: Page, json: string, drawn: (arg: number) => boolean, arg = 0): Promise<number> {
  await page.evaluate((text) => {
    (window as Timed).__message = JSON.parse(text);
  }, json);
  await page.evaluate(() => {
    (window as Timed).__start = performance.now();
    window.postMessage((window as Timed).__message, '*');
  });
  await page.waitForFunction(drawn, arg, { polling: 'raf' });
  return page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - ((window as Timed).__start ?? 0)))),
      ),
  );
}
