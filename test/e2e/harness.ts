// Starts a real VS Code (code-server) with an extension installed and drives it with headless Debian chromium.
// Every call gets fresh user-data, extensions and browser-profile folders; stop() removes them.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Frame, Locator, Page } from 'playwright-core';
import { assertCodeServerInstalled, codeServerFlavour, installVsix, linkExtensionDir, startCodeServer, writeCodeServerConfig } from './codeServer';
import type { CodeServerDirs, RunningCodeServer } from './codeServer';
import { waitUntil } from './waitUntil';

/**
 * Where each test's screenshots (<nn>-<name>.png) and logs.txt go: test-output/e2e/<testName>/ in the repository for
 * the default code-server, test-output/e2e-<version>/<testName>/ for another (LABBOOK_CODE_SERVER), so the two runs
 * of a test keep their screenshots apart.
 */
export const OUTPUT_ROOT = path.resolve(__dirname, '..', '..', 'test-output', outputFolder(codeServerFlavour().version));

function outputFolder(version: string): string {
  return version === '4.100.3' ? 'e2e' : `e2e-${version}`;
}

const CHROMIUM = process.env.LABBOOK_E2E_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// A quiet, predictable workbench: no welcome page, no trust prompt, no update or telemetry traffic, and the DOM
// terminal renderer so that terminalText() can read what a terminal shows.
const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.commandCenter.enabled': false,
  'terminal.integrated.gpuAcceleration': 'off',
  // VS Code 1.104+ (code-server 4.139.1) opens a Chat view in the secondary side bar by default; off, the workbench
  // is laid out as in 1.100.3 (which ignores these unknown settings).
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** What to start: a workspace folder and the extension, either packed (.vsix) or unpacked (a folder). */
export interface StartOptions {
  /** Names the screenshot folder: test-output/e2e/<testName>/ (test-output/e2e-<version>/ for another code-server). */
  testName: string;
  /** Folder opened as the workspace (tests pass a temporary copy). */
  workspace: string;
  extensionVsix?: string;
  extensionDir?: string;
  /** User settings merged over the harness defaults. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so for the extension host. */
  env?: Record<string, string>;
  /** Bound for each startup step; default 60 s. */
  timeoutMs?: number;
  /** Browser viewport; default 1400x900. */
  viewport?: { width: number; height: number };
  /** Runs on the page before it loads the workbench: for routes that must be in place before its first request. */
  beforeLoad?: (page: Page) => Promise<void>;
}

/** A running VS Code in a browser page, with helpers that act as a user would. */
export interface VsCode {
  page: Page;
  baseUrl: string;
  userDataDir: string;
  workspace: string;
  /** Saves test-output/e2e/<testName>/<nn>-<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Moves the pointer off to the editor area and waits until no hover tooltip shows (for clean screenshots). */
  moveMouseAway(): Promise<void>;
  /**
   * Runs a command by typing its palette title (as shown, e.g. "Labbook: Show Runs") into F1, and waits until the
   * palette closes or moves on to the command's own question. With `waitForClose: false` it only launches the
   * command: for one that opens its own quick pick or input box (answer it with pickQuickItem or answerQuickInput)
   * or one that reloads the window.
   */
  runCommand(title: string, options?: RunCommandOptions): Promise<void>;
  /** Picks the item labelled `label` in the quick pick that is open (one a command opened, for example). */
  pickQuickItem(label: string): Promise<void>;
  /**
   * Waits for the quick input a command opened (its title or prompt contains `question`), types `text` into it and
   * presses Enter; resolves once the input has closed or moved on to another question.
   */
  answerQuickInput(question: string, text: string): Promise<void>;
  /** Runs "Developer: Reload Window" and waits for the reloaded workbench. */
  reloadWindow(): Promise<void>;
  /** Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor tab. */
  openFile(relativePath: string): Promise<void>;
  /** Waits for the webview whose content has an element matching `selector`, and returns its content frame. */
  webviewFrame(selector: string, timeoutMs?: number): Promise<Frame>;
  /**
   * Waits until the tree view titled `name` (in an open container) has its data provider (it no longer says "There is
   * no data provider registered") and shows no progress, and returns the tree (`[role=tree]`) locator.
   */
  treeView(name: string, timeoutMs?: number): Promise<Locator>;
  /** The text the visible terminal shows (empty when no terminal is open). */
  terminalText(): Promise<string>;
  /**
   * Waits until the extension host log says it is activating the extension (`publisher.name`); rejects at once if the
   * log says activation failed. A failure after this returns shows in extensionHostLog (see activationFailure).
   */
  waitForActivation(extensionId: string, timeoutMs?: number): Promise<void>;
  /** Everything code-server printed, the extension host log and the page errors seen in the browser. */
  diagnostics(): string;
  /**
   * What a failed test's message carries, as CI keeps only the test output: the notifications on screen and the last
   * lines of the extension host log and of Labbook's own output channel.
   */
  failureNotes(): Promise<string>;
  /** Closes the browser, ends code-server's process group and saves diagnostics() as logs.txt beside the screenshots. */
  stop(): Promise<void>;
}

/** How runCommand runs a command. */
export interface RunCommandOptions {
  /** Wait until the palette has closed or shows the command's own question (default true). */
  waitForClose?: boolean;
}

/** Starts code-server with the extension installed, opens the workspace in chromium and waits for the workbench. */
export async function startVsCode(options: StartOptions): Promise<VsCode> {
  assertCodeServerInstalled();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const root = mkdtempSync(path.join(os.tmpdir(), 'labbook-e2e-'));
  const dirs = makeDirs(root, options.settings);
  let server: RunningCodeServer | undefined;
  let context: BrowserContext | undefined;
  const pageErrors: string[] = [];
  const outputDir = path.join(OUTPUT_ROOT, slug(options.testName));
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  const diagnostics = (): string =>
    [
      `code-server output:\n${server?.output() ?? ''}`,
      `extension host log:\n${extensionHostLog(dirs.userDataDir)}`,
      `page errors:\n${pageErrors.join('\n')}`,
    ].join('\n');
  const stop = once(async () => {
    await context?.close().catch(() => undefined);
    await server?.stop();
    writeFileSync(path.join(outputDir, 'logs.txt'), diagnostics());
    if (!process.env.LABBOOK_E2E_KEEP) rmSync(root, { recursive: true, force: true });
  });
  try {
    await installExtension(dirs, options, timeoutMs);
    server = await startCodeServer(dirs, options.env ?? {}, timeoutMs);
    context = await chromium.launchPersistentContext(path.join(root, 'browser'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1400, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await options.beforeLoad?.(page);
    await page.goto(`${server.baseUrl}/?folder=${encodeURIComponent(options.workspace)}`);
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
    return makeVsCode({ page, baseUrl: server.baseUrl, dirs, outputDir, stop, diagnostics }, options);
  } catch (error) {
    const message = `${(error as Error).message}\n${diagnostics()}`;
    await stop();
    throw new Error(message);
  }
}

function makeDirs(root: string, settings: Record<string, unknown> | undefined): CodeServerDirs {
  const dirs = {
    userDataDir: path.join(root, 'user-data'),
    extensionsDir: path.join(root, 'extensions'),
    configFile: path.join(root, 'config.yaml'),
  };
  mkdirSync(dirs.extensionsDir);
  writeCodeServerConfig(dirs.configFile);
  const merged = JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2);
  // User settings, and the same as the server machine's settings (the settings editor's "Remote" tab): code-server
  // 4.139.1 did not apply machine-scoped settings (labbook.python.path is machine-overridable) from the user settings
  // alone (Run and Track ran python3, not the configured /usr/bin/python3); 4.100.3 did. Machine/settings.json is
  // where VS Code reads settings of that scope for a remote window.
  for (const scope of ['User', 'Machine']) {
    mkdirSync(path.join(dirs.userDataDir, scope), { recursive: true });
    writeFileSync(path.join(dirs.userDataDir, scope, 'settings.json'), merged);
  }
  return dirs;
}

async function installExtension(dirs: CodeServerDirs, options: StartOptions, timeoutMs: number): Promise<void> {
  if (options.extensionVsix) return installVsix(dirs, options.extensionVsix, timeoutMs);
  if (options.extensionDir) return linkExtensionDir(dirs, options.extensionDir);
  throw new Error('startVsCode needs extensionVsix or extensionDir');
}

interface Session {
  page: Page;
  baseUrl: string;
  dirs: CodeServerDirs;
  outputDir: string;
  stop: () => Promise<void>;
  diagnostics: () => string;
}

function makeVsCode({ page, baseUrl, dirs, outputDir, stop, diagnostics }: Session, options: StartOptions): VsCode {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    page,
    baseUrl,
    userDataDir: dirs.userDataDir,
    workspace: options.workspace,
    screenshot: screenshotter(page, outputDir),
    moveMouseAway: async () => {
      const viewport = page.viewportSize() ?? { width: 1400, height: 900 };
      await page.mouse.move(viewport.width / 2, viewport.height / 2);
      await page.locator('.workbench-hover-container').waitFor({ state: 'detached', timeout: timeoutMs });
    },
    runCommand: (title, commandOptions) => pickFromQuickInput(page, 'F1', `>${title}`, title, timeoutMs, commandOptions?.waitForClose ?? true),
    pickQuickItem: (label) => pickQuickItem(page, label, timeoutMs),
    answerQuickInput: (question, text) => answerQuickInput(page, question, text, timeoutMs),
    reloadWindow: async () => {
      const loaded = page.waitForEvent('load', { timeout: timeoutMs });
      await pickFromQuickInput(page, 'F1', '>Developer: Reload Window', 'Developer: Reload Window', timeoutMs, false);
      await loaded;
      await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
    },
    openFile: async (relativePath) => {
      const name = path.basename(relativePath);
      await pickFromQuickInput(page, 'Control+P', relativePath, name, timeoutMs);
      await page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`).waitFor({ timeout: timeoutMs });
    },
    webviewFrame: (selector, frameTimeoutMs) => findWebviewFrame(page, selector, frameTimeoutMs ?? timeoutMs),
    treeView: (name, treeTimeoutMs) => waitForTreeView(page, name, treeTimeoutMs ?? timeoutMs),
    terminalText: async () => {
      const rows = page.locator('.terminal-wrapper.active .xterm-rows');
      return (await rows.count()) > 0 ? rows.first().innerText() : '';
    },
    waitForActivation: (extensionId, activationTimeoutMs) => waitForActivationLog(dirs.userDataDir, extensionId, activationTimeoutMs ?? timeoutMs),
    diagnostics,
    failureNotes: async () => {
      const toasts = await page
        .locator('.notification-toast')
        .allInnerTexts()
        .catch(() => []);
      return [
        `notifications on screen: ${toasts.length ? toasts.map((text) => text.replace(/\s+/g, ' ')).join(' | ') : 'none'}`,
        `extension host log, last lines:\n${lastLines(extensionHostLog(dirs.userDataDir), FAILURE_LOG_LINES)}`,
        `Labbook output, last lines:\n${lastLines(logFiles(dirs.userDataDir, /[/\\]Labbook\.log$/), FAILURE_LOG_LINES)}`,
      ].join('\n');
    },
    stop,
  };
}

/** How many lines of each log a failure message quotes. */
const FAILURE_LOG_LINES = 25;

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function screenshotter(page: Page, dir: string): (name: string) => Promise<string> {
  let count = 0;
  return async (name) => {
    count += 1;
    const file = path.join(dir, `${String(count).padStart(2, '0')}-${slug(name)}.png`);
    await page.screenshot({ path: file });
    return file;
  };
}

// Opens the quick input (F1 for commands, Ctrl+P for files), types, and picks the row whose label is `label`.
async function pickFromQuickInput(page: Page, key: string, text: string, label: string, timeoutMs: number, waitForClose = true): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page.keyboard.press(key);
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(text);
  await pickQuickItem(page, label, timeoutMs, waitForClose);
}

// Clicks the row labelled `label` in the open quick input, then (unless told not to) waits until the input closes or
// moves on to a new question (a command may open its own quick pick right away, in the same widget).
async function pickQuickItem(page: Page, label: string, timeoutMs: number, waitForClose = true): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  const typed = await input.inputValue();
  const row = widget.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactText(label) }) });
  await row.first().click({ timeout: timeoutMs });
  if (!waitForClose) return;
  await waitUntil(async () => (!(await widget.isVisible()) || (await input.inputValue()) !== typed ? true : undefined), {
    timeoutMs,
    what: `the quick input to take "${label}"`,
  });
}

// A command's input box or quick pick shows its question as the title or the placeholder/prompt; the palette that
// launched it may still be closing, so the wait is for that question, not just for a visible widget.
async function answerQuickInput(page: Page, question: string, text: string, timeoutMs: number): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  const asks = async (): Promise<boolean> => {
    if (!(await widget.isVisible())) return false;
    // allTextContents does not wait for an element that is not there (textContent would, for its whole timeout).
    const title = (await widget.locator('.quick-input-title').allTextContents()).join(' ');
    const prompt = `${(await input.getAttribute('placeholder')) ?? ''} ${(await widget.locator('.quick-input-message').allTextContents()).join(' ')}`;
    return title.includes(question) || prompt.includes(question);
  };
  await waitUntil(async () => ((await asks()) ? true : undefined), { timeoutMs, what: `a quick input asking "${question}"` });
  await input.fill(text);
  await input.press('Enter');
  await waitUntil(async () => (!(await asks()) ? true : undefined), { timeoutMs, what: `the quick input "${question}" to take "${text}"` });
}

async function waitForTreeView(page: Page, name: string, timeoutMs: number): Promise<Locator> {
  const header = page.locator(`.pane-header[aria-label="${name} Section"]`);
  const pane = page.locator('.pane').filter({ has: header });
  // The workbench shows "There is no data provider registered" from the first render until the extension registers
  // one; then the message is hidden (or is the extension's own). The part's progress bar runs while it loads.
  const message = pane.locator('.tree-explorer-viewlet-tree-view > .message');
  const busy = page.locator('.part').filter({ has: header }).locator('.monaco-progress-container.active:not(.done)');
  await waitUntil(
    async () => {
      if ((await message.count()) === 0) return undefined;
      const hidden = (await message.getAttribute('class'))?.split(' ').includes('hide');
      const waiting = !hidden && ((await message.textContent()) ?? '').includes('no data provider');
      return !waiting && (await busy.count()) === 0 ? true : undefined;
    },
    { timeoutMs, what: `the ${name} tree view to get its data provider and finish loading` },
  );
  return pane.locator('[role="tree"]');
}

function webviewPages(page: Page): Frame[] {
  return page.frames().filter((frame) => frame.url().includes('/webview/browser/pre/fake.html') && !frame.isDetached());
}

async function findWebviewFrame(page: Page, selector: string, timeoutMs: number): Promise<Frame> {
  try {
    return await waitUntil(
      async () => {
        for (const frame of webviewPages(page)) if ((await frame.locator(selector).count()) > 0) return frame;
        return undefined;
      },
      { timeoutMs, what: `a webview containing ${selector}` },
    );
  } catch (error) {
    // What the webviews showed instead tells a page that never loaded from one that loaded something else.
    const shown = await Promise.all(
      webviewPages(page).map(async (frame) => {
        const html = await frame
          .evaluate(() => document.body.outerHTML.slice(0, 600))
          .catch((failure: unknown) => `(unreadable: ${String(failure)})`);
        return `  ${frame.url().slice(0, 120)}\n    ${html}`;
      }),
    );
    throw new Error(`${(error as Error).message}; the webviews (${shown.length}) showed:\n${shown.join('\n') || '  none'}`);
  }
}

// The remote extension host logs "ExtensionService#_doActivateExtension <id>, ..." when it starts activating an
// extension, and "Activating extension <id> failed due to an error:" when activate() throws or a module does not load.
async function waitForActivationLog(userDataDir: string, extensionId: string, timeoutMs: number): Promise<void> {
  await waitUntil(
    () => {
      const log = extensionHostLog(userDataDir);
      if (log.includes(activationFailure(extensionId))) throw new ActivationError(`${extensionId} failed to activate:\n${log}`);
      return log.includes(`_doActivateExtension ${extensionId},`) ? true : undefined;
    },
    { timeoutMs, what: `extension ${extensionId} to activate`, rethrow: ActivationError },
  );
}

class ActivationError extends Error {}

/** The line the extension host logs when activating `extensionId` failed. */
export function activationFailure(extensionId: string): string {
  return `Activating extension ${extensionId} failed`;
}

/** The extension host logs of a code-server user-data dir, concatenated (empty before the host starts). */
export function extensionHostLog(userDataDir: string): string {
  return logFiles(userDataDir, /exthost\d*[/\\]remoteexthost\.log$/);
}

/** The log files under the user data folder whose path matches `name`, joined. */
function logFiles(userDataDir: string, name: RegExp): string {
  const logs = path.join(userDataDir, 'logs');
  if (!existsSync(logs)) return '';
  return readdirSync(logs, { recursive: true, encoding: 'utf8' })
    .filter((entry) => name.test(entry))
    .map((entry) => readFileSync(path.join(logs, entry), 'utf8'))
    .join('\n');
}

function exactText(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'shot'
  );
}

function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= action());
}
