// Steps the Labbook e2e tests share: the Labbook container, run rows, the Run panel's charts and the store's truth.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Frame, Locator } from 'playwright-core';
import { Store } from '../../src/store/store';
import { startVsCode, type StartOptions, type VsCode } from './harness';
import { waitUntil } from './waitUntil';

/** The extension id the e2e tests install. */
export const EXTENSION_ID = 'labbook.labbook';
/** Debian's interpreter, which has numpy and scikit-learn (the first python3 on PATH may not). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** One chart of the Run panel as its page reports it (window.labbookRunPanel.charts()). */
export interface PanelChart {
  key: string;
  count: number;
  chart: { datasets: { label: string; data: { x: number; y: number }[] }[] } | null;
}

/** Opens the Labbook activity-bar container, waits for the extension and returns the Runs tree. */
export async function openRunsView(vscode: VsCode): Promise<Locator> {
  const container = vscode.page.locator('.activitybar a.action-label[aria-label^="Labbook"]');
  await container.waitFor({ state: 'visible', timeout: 60_000 });
  await container.click();
  await vscode.waitForActivation(EXTENSION_ID, 60_000);
  return vscode.treeView('Runs', 60_000);
}

/**
 * Moves the pointer onto the empty lower part of the side bar and waits until no workbench hover is left: the middle
 * of the window (moveMouseAway) is often over a chart, whose own tooltip would cover it in a screenshot.
 */
export async function parkMouse(vscode: VsCode): Promise<void> {
  const height = vscode.page.viewportSize()?.height ?? 900;
  await vscode.page.mouse.move(150, height - 60);
  await vscode.page.locator('.workbench-hover-container').waitFor({ state: 'detached', timeout: 30_000 });
}

/** Runs "Labbook: Open Run" from the palette and picks the run `name` in the quick pick it opens. */
export async function openRunFromPalette(vscode: VsCode, name: string): Promise<void> {
  await vscode.runCommand('Labbook: Open Run', { waitForClose: false });
  await vscode.pickQuickItem(name);
}

/** The Runs tree row of the run whose label is `name` (exactly). */
export function runRow(tree: Locator, name: string): Locator {
  return tree.locator('.monaco-list-row').filter({ has: tree.page().locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) });
}

/** The status codicon a run row shows: 'loading~spin' while running, 'pass' once finished, 'circle-slash' once stopped (KILLED). */
export function statusIcon(row: Locator, id: 'loading~spin' | 'pass' | 'circle-slash'): Locator {
  return row.locator(id === 'loading~spin' ? '.codicon-loading.codicon-modifier-spin' : `.codicon-${id}`);
}

/** The Run panel's webview frame once its first snapshot is drawn for the run `name`. */
export async function runPanelFrame(vscode: VsCode, name: string): Promise<Frame> {
  return vscode.webviewFrame(`main[aria-busy="false"] h1.run-name[title="${name.replace(/["\\]/g, '\\$&')}"]`, 60_000);
}

/** What the Run panel's charts draw. */
export function panelCharts(frame: Frame): Promise<PanelChart[]> {
  return frame.evaluate(() => (window as unknown as { labbookRunPanel: { charts(): PanelChart[] } }).labbookRunPanel.charts());
}

/** The raw (unsmoothed) points of a chart: its first dataset, as {x: step, y: value}. */
export function rawPoints(chart: PanelChart | undefined): { x: number; y: number }[] {
  return chart?.chart?.datasets[0]?.data.map(({ x, y }) => ({ x, y })) ?? [];
}

/** Reads a store the way the extension does, on its own connection, and closes it again. */
export function readStore<T>(workspace: string, read: (store: Store) => T): T {
  const store = Store.open(path.join(workspace, '.labbook'), { readonly: true });
  try {
    return read(store);
  } finally {
    store.close();
  }
}

/**
 * Writes `<dir>/<name>`, a Python script that prints `step i | loss: x` every 100 ms until the file `<name>.stop`
 * appears beside it, then exits 0: a run that lasts exactly as long as the test needs, with no sleep in the test.
 */
export function writeHeldScript(dir: string, name: string): { script: string; finish: () => void } {
  mkdirSync(dir, { recursive: true });
  const script = path.join(dir, name);
  const stop = `${script}.stop`;
  writeFileSync(
    script,
    [
      'import os, time',
      'step = 0',
      `while not os.path.exists(${JSON.stringify(stop)}):`,
      '    step += 1',
      '    print(f"step {step} | loss: {1.0 / step:.4f}", flush=True)',
      '    time.sleep(0.1)',
      'print("done", flush=True)',
      '',
    ].join('\n'),
  );
  return { script, finish: () => writeFileSync(stop, '') };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Chooses an item of the open context menu with the keyboard: VS Code's menus drop a click that comes too soon
 * after they open, so a mouse click is flaky where hover + Enter is not.
 */
export async function chooseMenuItem(vscode: VsCode, label: string): Promise<void> {
  const menu = vscode.page.locator('.context-view .monaco-menu');
  const item = menu.locator('.action-item', { has: vscode.page.locator('.action-label', { hasText: new RegExp(`^${label}$`) }) });
  await item.hover();
  await waitUntil(async () => ((await item.getAttribute('class'))?.includes('focused') ? true : undefined), {
    timeoutMs: 10_000,
    what: `menu item ${label} focused`,
  });
  await vscode.page.keyboard.press('Enter');
  await menu.waitFor({ state: 'detached', timeout: 10_000 });
}

/**
 * Starts VS Code with `options`, runs `body`, saves a `failure` screenshot if it throws (and adds failureNotes to
 * its message), and always stops VS Code and removes the workspace: the life cycle every e2e test repeats.
 */
export async function inVsCode(options: StartOptions, workspace: { remove: () => void }, body: (vscode: VsCode) => Promise<void>): Promise<void> {
  let vscode: VsCode | undefined;
  try {
    vscode = await startVsCode(options);
    await body(vscode);
  } catch (error) {
    await vscode?.screenshot('failure');
    if (vscode && error instanceof Error) error.message += `\n${await vscode.failureNotes()}`;
    throw error;
  } finally {
    // code-server first: removing the workspace under a running file watcher makes it complain in the logs.
    await vscode?.stop();
    workspace.remove();
  }
}

/** The screen position of `needle` inside the editor line that contains `lineText`. */
export async function textPosition(vscode: VsCode, lineText: string, needle: string): Promise<{ x: number; y: number }> {
  const line = vscode.page.locator('.monaco-editor .view-line', { hasText: lineText }).first();
  await line.waitFor({ timeout: 30_000 });
  const point = await line.evaluate((element, wanted) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      // Monaco renders spaces as non-breaking spaces.
      const text = (node.textContent ?? '').replace(/\u00a0/g, ' ');
      const at = text.indexOf(wanted);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + wanted.length);
      const rect = range.getBoundingClientRect();
      return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
    }
    return null;
  }, needle);
  if (!point) throw new Error(`"${needle}" is not on the line "${lineText}"`);
  return point;
}
