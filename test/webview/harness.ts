// Loads a built webview (dist/webview/<name>.js) in headless Debian chromium the way VS Code shows it: the host's
// own HTML and CSP (served from a local origin standing in for webview.cspSource), a stand-in for
// acquireVsCodeApi, VS Code's theme variables on the root element and its theme class on the body.
// playwright-core comes from test/e2e (scripts/setup-e2e.sh installs it); nothing is installed at the root.

import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { chromium } from '../e2e/node_modules/playwright-core';
import type { Browser, Page } from '../e2e/node_modules/playwright-core';
import { newNonce, pageStylesheets, webviewHtml } from '../../src/extension/panels/webviewHtml';

const ROOT = resolve(__dirname, '..', '..');
/** Where screenshots go. */
export const OUTPUT_DIR = join(ROOT, 'test-output', 'webview');
const CHROMIUM = process.env.LABBOOK_E2E_CHROMIUM ?? '/usr/bin/chromium';
const SERVED = ['dist/webview', 'media'];
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** The themes VS Code ships by default. */
export type ThemeKind = 'light' | 'dark' | 'high-contrast';

/** How VS Code marks a theme in a webview: a body class, a data attribute and --vscode-* variables. */
interface Theme {
  bodyClass: string;
  kind: string;
  colors: Record<string, string>;
}

const FONTS = {
  'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  'font-size': '13px',
  'font-weight': 'normal',
  'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
  'editor-font-size': '14px',
};

// Colours of Default Light Modern, Default Dark Modern and Dark High Contrast (theme files plus the colour
// registry's defaults for the keys a theme leaves out), for the variables this extension's pages use.
/** The variables VS Code would set for each theme. */
export const THEMES: Record<ThemeKind, Theme> = {
  light: {
    bodyClass: 'vscode-light',
    kind: 'vscode-light',
    colors: {
      foreground: '#3b3b3b',
      descriptionForeground: '#3b3b3b',
      'editor.background': '#ffffff',
      'editor.foreground': '#3b3b3b',
      focusBorder: '#005fb8',
      errorForeground: '#f85149',
      'icon.foreground': '#3b3b3b',
      'widget.border': '#e5e5e5',
      'editorWidget.background': '#f8f8f8',
      'editorWidget.border': '#c8c8c8',
      'panel.border': '#e5e5e5',
      'editorHoverWidget.background': '#f8f8f8',
      'editorHoverWidget.foreground': '#3b3b3b',
      'editorHoverWidget.border': '#c8c8c8',
      'button.background': '#005fb8',
      'button.foreground': '#ffffff',
      'button.hoverBackground': '#0258a8',
      'button.border': '#0000001a',
      'button.secondaryBackground': '#e5e5e5',
      'button.secondaryForeground': '#3b3b3b',
      'button.secondaryHoverBackground': '#cccccc',
      'badge.background': '#cccccc',
      'badge.foreground': '#3b3b3b',
      'checkbox.background': '#f8f8f8',
      'checkbox.border': '#cecece',
      'checkbox.foreground': '#3b3b3b',
      'sideBarSectionHeader.background': '#f8f8f8',
      'sideBarTitle.foreground': '#3b3b3b',
      'sideBar.background': '#f8f8f8',
      'editor.selectionBackground': '#add6ff',
      'terminal.foreground': '#3b3b3b',
      'terminal.background': '#f8f8f8',
      'textCodeBlock.background': '#f8f8f8',
      'editorWarning.foreground': '#bf8803',
      'inputValidation.errorBackground': '#f2dede',
      'inputValidation.errorBorder': '#be1100',
      'charts.blue': '#1a85ff',
      'charts.green': '#388a34',
      'charts.orange': '#d18616',
      'charts.red': '#e51400',
      'charts.purple': '#652d90',
      'testing.iconPassed': '#388a34',
      'testing.iconFailed': '#f14c4c',
      'input.background': '#ffffff',
      'input.border': '#cecece',
      'input.foreground': '#3b3b3b',
      'input.placeholderForeground': '#767676',
      'dropdown.background': '#ffffff',
      'dropdown.border': '#cecece',
      'dropdown.foreground': '#3b3b3b',
      'dropdown.listBackground': '#ffffff',
      'list.activeSelectionBackground': '#0060c0',
      'list.activeSelectionForeground': '#ffffff',
      'list.hoverBackground': '#f0f0f0',
      'list.focusOutline': '#005fb8',
    },
  },
  dark: {
    bodyClass: 'vscode-dark',
    kind: 'vscode-dark',
    colors: {
      foreground: '#cccccc',
      descriptionForeground: '#9d9d9d',
      'editor.background': '#1f1f1f',
      'editor.foreground': '#cccccc',
      focusBorder: '#0078d4',
      errorForeground: '#f85149',
      'icon.foreground': '#cccccc',
      'widget.border': '#313131',
      'editorWidget.background': '#202020',
      'editorWidget.border': '#454545',
      'panel.border': '#2b2b2b',
      'editorHoverWidget.background': '#202020',
      'editorHoverWidget.foreground': '#cccccc',
      'editorHoverWidget.border': '#454545',
      'button.background': '#0078d4',
      'button.foreground': '#ffffff',
      'button.hoverBackground': '#026ec1',
      'button.border': '#ffffff12',
      'button.secondaryBackground': '#313131',
      'button.secondaryForeground': '#cccccc',
      'button.secondaryHoverBackground': '#3c3c3c',
      'badge.background': '#616161',
      'badge.foreground': '#f8f8f8',
      'checkbox.background': '#313131',
      'checkbox.border': '#3c3c3c',
      'checkbox.foreground': '#cccccc',
      'sideBarSectionHeader.background': '#181818',
      'sideBarTitle.foreground': '#cccccc',
      'sideBar.background': '#181818',
      'editor.selectionBackground': '#264f78',
      'terminal.foreground': '#cccccc',
      'terminal.background': '#181818',
      'textCodeBlock.background': '#2b2b2b',
      'editorWarning.foreground': '#cca700',
      'inputValidation.errorBackground': '#5a1d1d',
      'inputValidation.errorBorder': '#be1100',
      'charts.blue': '#3794ff',
      'charts.green': '#89d185',
      'charts.orange': '#d18616',
      'charts.red': '#f14c4c',
      'charts.purple': '#b180d7',
      'testing.iconPassed': '#73c991',
      'testing.iconFailed': '#f14c4c',
      'input.background': '#313131',
      'input.border': '#3c3c3c',
      'input.foreground': '#cccccc',
      'input.placeholderForeground': '#989898',
      'dropdown.background': '#313131',
      'dropdown.border': '#3c3c3c',
      'dropdown.foreground': '#cccccc',
      'dropdown.listBackground': '#1f1f1f',
      'list.activeSelectionBackground': '#04395e',
      'list.activeSelectionForeground': '#ffffff',
      'list.hoverBackground': '#2a2d2e',
      'list.focusOutline': '#0078d4',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    kind: 'vscode-high-contrast',
    colors: {
      foreground: '#ffffff',
      descriptionForeground: '#ffffffb3',
      'editor.background': '#000000',
      'editor.foreground': '#ffffff',
      focusBorder: '#f38518',
      contrastBorder: '#6fc3df',
      contrastActiveBorder: '#f38518',
      errorForeground: '#f48771',
      'icon.foreground': '#ffffff',
      'widget.border': '#6fc3df',
      'editorWidget.background': '#0c141f',
      'editorWidget.border': '#6fc3df',
      'panel.border': '#6fc3df',
      'editorHoverWidget.background': '#0c141f',
      'editorHoverWidget.foreground': '#ffffff',
      'editorHoverWidget.border': '#6fc3df',
      'button.background': '#000000',
      'button.foreground': '#ffffff',
      'button.border': '#6fc3df',
      'button.secondaryBackground': '#000000',
      'button.secondaryForeground': '#ffffff',
      'badge.background': '#000000',
      'badge.foreground': '#ffffff',
      'checkbox.background': '#000000',
      'checkbox.border': '#6fc3df',
      'checkbox.foreground': '#ffffff',
      'sideBarSectionHeader.background': '#000000',
      'sideBarTitle.foreground': '#ffffff',
      'sideBar.background': '#000000',
      'editor.selectionBackground': '#ffffff',
      'terminal.foreground': '#ffffff',
      'terminal.background': '#000000',
      'textCodeBlock.background': '#000000',
      'editorWarning.foreground': '#ff0000',
      'inputValidation.errorBackground': '#000000',
      'inputValidation.errorBorder': '#6fc3df',
      'charts.blue': '#3794ff',
      'charts.green': '#89d185',
      'charts.orange': '#d18616',
      'charts.red': '#f14c4c',
      'charts.purple': '#b180d7',
      'testing.iconPassed': '#73c991',
      'testing.iconFailed': '#f14c4c',
      'input.background': '#000000',
      'input.border': '#6fc3df',
      'input.foreground': '#ffffff',
      'input.placeholderForeground': '#ffffffb3',
      'dropdown.background': '#000000',
      'dropdown.border': '#6fc3df',
      'dropdown.foreground': '#ffffff',
      'dropdown.listBackground': '#000000',
      'list.focusOutline': '#f38518',
    },
  },
};

// Colours whose registry default is another colour: VS Code defines both variables.
const ALIASES: Record<string, string> = {
  'settings.checkboxBackground': 'checkbox.background',
  'settings.checkboxBorder': 'checkbox.border',
  'settings.checkboxForeground': 'checkbox.foreground',
  'settings.dropdownBackground': 'dropdown.background',
  'settings.dropdownForeground': 'dropdown.foreground',
  'settings.dropdownBorder': 'dropdown.border',
  'settings.dropdownListBorder': 'editorWidget.border',
};

/** The CSS variables VS Code sets on the page's root for a theme. */
export function themeVariables(kind: ThemeKind): Record<string, string> {
  const colors = THEMES[kind].colors;
  const variables: Record<string, string> = {};
  for (const [alias, source] of Object.entries(ALIASES)) variables[`--vscode-${alias.replace(/\./g, '-')}`] = colors[source];
  for (const [id, value] of Object.entries(colors)) variables[`--vscode-${id.replace(/\./g, '-')}`] = value;
  for (const [name, value] of Object.entries(FONTS)) variables[`--vscode-${name}`] = value;
  return variables;
}

interface ThemeArgs {
  variables: Record<string, string>;
  bodyClass: string;
  kind: string;
}

function themeArgs(kind: ThemeKind): ThemeArgs {
  return { variables: themeVariables(kind), bodyClass: THEMES[kind].bodyClass, kind: THEMES[kind].kind };
}

/** Fails with a useful message when the bundle is missing or older than its sources. */
export function assertBuilt(name: string): void {
  const bundle = join(ROOT, 'dist', 'webview', `${name}.js`);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`node esbuild.mjs\` first.`);
  const built = statSync(bundle).mtimeMs;
  // Everything a page bundles from: its parts under webview/ and the protocol and core modules they import.
  const sources = [...tsFiles(join(ROOT, 'webview')), ...tsFiles(join(ROOT, 'src', 'protocol')), ...tsFiles(join(ROOT, 'src', 'core'))];
  const newer = sources.filter((file) => statSync(file).mtimeMs > built);
  if (newer.length > 0)
    throw new Error(`${bundle} is older than ${newer.map((f) => f.slice(ROOT.length + 1)).join(', ')}: run \`node esbuild.mjs\`.`);
}

function tsFiles(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(dir, f))
    : [];
}

/** What the page did that a test may want to see. */
export interface PageRecord {
  /** Messages the page posted to the host, in order. */
  posted: unknown[];
  /** Content-Security-Policy violations ("directive blocked-uri"). */
  csp: string[];
  /** Uncaught errors, console errors and warnings. */
  errors: string[];
}

/** Options of WebviewHarness.open. */
export interface OpenOptions {
  theme?: ThemeKind;
  /** What getState() returns, as VS Code keeps it for a page shown again. */
  savedState?: unknown;
  /** Date.now() stays here (timers still run). */
  fixedTime?: number;
  viewport?: { width: number; height: number };
  /** The type of the page's first message, when it is not `<name>/ready`. */
  readyType?: string;
}

/** One loaded webview page. */
export class WebviewPage {
  constructor(
    readonly page: Page,
    private readonly errors: readonly string[],
  ) {}

  /** Everything recorded so far. */
  async recorded(): Promise<PageRecord> {
    const inPage = await this.page.evaluate(() => {
      const w = window as unknown as { __posted: unknown[]; __csp: string[] };
      return { posted: w.__posted.slice(), csp: w.__csp.slice() };
    });
    return { ...inPage, errors: [...this.errors] };
  }

  /** Sends a host message the way VS Code does: serialized as JSON. */
  async send(message: unknown): Promise<void> {
    await this.page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(message));
  }

  /** Waits until the page posted a message of this type and returns the latest one. */
  async waitForPosted(type: string, timeoutMs = 10_000): Promise<unknown> {
    const handle = await this.page.waitForFunction(
      (t) => (window as unknown as { __posted: { type?: string }[] }).__posted.filter((m) => m.type === t).at(-1),
      type,
      { timeout: timeoutMs },
    );
    return handle.jsonValue();
  }

  /** Switches theme as VS Code does: new variables on the root, new class on the body. */
  async setTheme(kind: ThemeKind): Promise<void> {
    await this.page.evaluate(applyTheme, themeArgs(kind));
  }

  /** Saves a full-page screenshot to test-output/webview/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(OUTPUT_DIR, { recursive: true });
    const path = join(OUTPUT_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }
}

// Runs in the page (serialized by playwright): no closures over Node values. As an init script it runs
// before the document exists, so it paints as soon as the root and the body do.
function applyTheme(args: ThemeArgs): void {
  const paint = (): boolean => {
    const root = document.documentElement;
    if (!root) return false;
    root.removeAttribute('style');
    for (const [name, value] of Object.entries(args.variables)) root.style.setProperty(name, value);
    if (!document.body) return false;
    document.body.className = args.bodyClass;
    document.body.dataset.vscodeThemeKind = args.kind;
    return true;
  };
  if (paint()) return;
  const observer = new MutationObserver(() => {
    if (paint()) observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true });
}

// Runs in the page before its own script: VS Code's API stand-in and the CSP violation recorder.
function installHost(state: { saved: unknown }): void {
  const w = window as unknown as { __posted: unknown[]; __state: unknown; __csp: string[]; acquireVsCodeApi: () => unknown };
  w.__posted = [];
  w.__state = state.saved;
  w.__csp = [];
  let acquired = false;
  w.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      // VS Code serializes webview messages as JSON; do the same so nothing passes here that would not there.
      postMessage: (message: unknown) => w.__posted.push(JSON.parse(JSON.stringify(message))),
      getState: () => w.__state,
      setState: (next: unknown) => {
        w.__state = next;
      },
    };
  };
  document.addEventListener('securitypolicyviolation', (event) => w.__csp.push(`${event.violatedDirective} ${event.blockedURI}`));
}

/** A local server for the page and its resources, and a browser. */
export class WebviewHarness {
  private constructor(
    private readonly server: Server,
    private readonly origin: string,
    private readonly browser: Browser,
  ) {}

  static async start(): Promise<WebviewHarness> {
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname === '/favicon.ico') {
        response.writeHead(204).end();
        return;
      }
      const page = /^\/page\/([a-zA-Z]+)$/.exec(url.pathname);
      if (page) {
        const origin = `http://${request.headers.host ?? ''}`;
        const html = webviewHtml({
          cspSource: origin,
          nonce: newNonce(),
          scriptUri: `${origin}/dist/webview/${page[1]}.js`,
          styleUris: pageStylesheets(page[1]).map((file) => `${origin}/media/${file}`),
          title: 'Labbook test page',
        });
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
        return;
      }
      const file = resolve(ROOT, `.${decodeURIComponent(url.pathname)}`);
      const allowed = SERVED.some((dir) => file.startsWith(join(ROOT, dir) + sep));
      if (!allowed || !existsSync(file)) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    return new WebviewHarness(server, `http://127.0.0.1:${port}`, browser);
  }

  /** Loads dist/webview/<name>.js in a fresh page and waits until its script ran. */
  async open(name: string, options: OpenOptions = {}): Promise<WebviewPage> {
    assertBuilt(name);
    const context = await this.browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(`console ${message.type()}: ${message.text()}`);
    });
    if (options.fixedTime !== undefined) await page.clock.setFixedTime(options.fixedTime);
    // tsx compiles this file with esbuild's keepNames, which wraps functions in __name(); the functions
    // handed to the page keep those calls, so the page needs the helper too.
    await page.addInitScript('window.__name = (target) => target;');
    await page.addInitScript(installHost, { saved: options.savedState });
    await page.addInitScript(applyTheme, themeArgs(options.theme ?? 'dark'));
    await page.goto(`${this.origin}/page/${name}`);
    const webviewPage = new WebviewPage(page, errors);
    await webviewPage.waitForPosted(options.readyType ?? `${name}/ready`);
    return webviewPage;
  }

  async close(): Promise<void> {
    await this.browser.close();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
