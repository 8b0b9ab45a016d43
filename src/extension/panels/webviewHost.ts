// The lifecycle every Labbook webview host shares (Run, Compare, Runs table, Lineage panels and the Metrics view):
// the page says 'ready' first and the host posts nothing before; a hidden page is thrown away
// (retainContextWhenHidden is off), so hiding resets the ready flag and the next page says 'ready' again; every
// incoming message is checked by the panel's protocol, and a bad one is logged to the Labbook output channel,
// never acted on; a failing handler shows its error in the page; a visible page that has not said 'ready' after
// READY_TIMEOUT_MS is brought back by its surface (VS Code sometimes leaves a webview blank: webviewPage.ts sets a
// panel's page again and rebuilds a view). No vscode import: webviewPage.ts adapts panels and views to
// WebviewSurface, and unit tests drive the class with a fake.
import type { ParseResult } from '../../protocol/messageFields';

/** Something to release. */
export interface Releasable {
  dispose(): unknown;
}

/** How long a visible page may take to say 'ready' before it is loaded again (a page here says it in 1-3 s). */
export const READY_TIMEOUT_MS = 15_000;
/** Loads tried after the first before the host gives up and leaves it to the user (Developer: Reload Webviews). */
export const READY_RELOADS = 2;

/** The parts of a webview panel or view a host uses. */
export interface WebviewSurface {
  readonly visible: boolean;
  /** Sets the page: a fresh document, which says 'ready' once its script runs. */
  load(): void;
  /** Brings back a page that never said 'ready' (a panel sets it again, a view is rebuilt). */
  reload(): void;
  postMessage(message: unknown): PromiseLike<boolean>;
  onDidReceiveMessage(listener: (message: unknown) => void): Releasable;
  /** Fires when the surface may have been shown or hidden (a panel's view state, a view's visibility). */
  onDidChangeVisibility(listener: () => void): Releasable;
  onDidDispose(listener: () => void): Releasable;
}

/** Where rejected messages are reported: the Labbook output channel. */
export interface HostLog {
  warn(message: string): void;
}

/** A panel's protocol as its host sees it: the validator, the ready message and the error message. */
export interface WebviewProtocol<ToWebview, FromWebview extends { type: string }> {
  parse(raw: unknown): ParseResult<FromWebview>;
  readyType: FromWebview['type'];
  error(message: string): ToWebview;
}

/** What a panel does at each step of the lifecycle. */
export interface WebviewHostHandlers<FromWebview> {
  /** A checked message, 'ready' included (the host is ready by then). Throwing or rejecting shows the error. */
  receive(message: FromWebview): void | Promise<void>;
  /** The surface is visible (again, or still, after a view-state change). */
  shown?(): void;
  /** The surface was hidden: its page is gone. */
  hidden?(): void;
  /** The surface was closed. */
  disposed?(): void;
}

/** One webview's side of the host: ready flag, checked messages, posting only to a live page, errors shown. */
export class WebviewHost<ToWebview, FromWebview extends { type: string }> {
  private pageReady = false;
  private closed = false;
  private readyTimer: ReturnType<typeof setTimeout> | undefined;
  private reloads = 0;
  private readonly subscriptions: Releasable[];

  constructor(
    private readonly surface: WebviewSurface,
    private readonly protocol: WebviewProtocol<ToWebview, FromWebview>,
    private readonly handlers: WebviewHostHandlers<FromWebview>,
    private readonly log: HostLog,
  ) {
    this.subscriptions = [
      surface.onDidReceiveMessage((raw) => this.receive(raw)),
      surface.onDidChangeVisibility(() => this.visibilityChanged()),
      surface.onDidDispose(() => this.close()),
    ];
    surface.load();
    this.awaitReady();
  }

  /** The current page said 'ready' and has not been hidden or closed since. */
  get ready(): boolean {
    return this.pageReady;
  }

  /** Ready and visible: the only time snapshots and increments are worth posting. */
  get showing(): boolean {
    return this.pageReady && this.surface.visible;
  }

  /** Posts to the page; nothing once the surface is closed (a long build may finish after that). */
  post(...messages: ToWebview[]): void {
    if (this.closed) return;
    for (const message of messages) void this.surface.postMessage(message);
  }

  /** Runs `action`; a throw or a rejection (busy or closed store, …) is shown in the page, not lost in the host. */
  guard(action: () => void | Promise<void>): void {
    try {
      const result = action();
      if (result) result.catch((error: unknown) => this.showError(error));
    } catch (error) {
      this.showError(error);
    }
  }

  /** Shows an error in the page with the protocol's error message. */
  showError(error: unknown): void {
    this.post(this.protocol.error(error instanceof Error ? error.message : String(error)));
  }

  private receive(raw: unknown): void {
    const parsed = this.protocol.parse(raw);
    if (!parsed.ok) {
      this.log.warn(parsed.error);
      return;
    }
    if (parsed.message.type === this.protocol.readyType) {
      this.pageReady = true;
      this.reloads = 0;
      this.stopAwaitingReady();
    }
    this.guard(() => this.handlers.receive(parsed.message));
  }

  private visibilityChanged(): void {
    if (this.closed) return;
    if (this.surface.visible) {
      this.handlers.shown?.();
      this.awaitReady();
      return;
    }
    this.pageReady = false;
    this.stopAwaitingReady();
    this.handlers.hidden?.();
  }

  // A hidden page is not loaded (VS Code loads it when shown), so only a visible one is waited for.
  private awaitReady(): void {
    if (this.closed || this.pageReady || !this.surface.visible || this.readyTimer) return;
    this.readyTimer = setTimeout(() => this.readyOverdue(), READY_TIMEOUT_MS);
    // A watch, not work: it never keeps a process (a test's, a CLI's) alive by itself.
    this.readyTimer.unref?.();
  }

  private stopAwaitingReady(): void {
    clearTimeout(this.readyTimer);
    this.readyTimer = undefined;
  }

  private readyOverdue(): void {
    this.readyTimer = undefined;
    if (this.closed || this.pageReady || !this.surface.visible) return;
    const waited = `The webview page did not say '${this.protocol.readyType}' within ${READY_TIMEOUT_MS / 1000} s`;
    if (this.reloads >= READY_RELOADS) {
      this.log.warn(`${waited} after ${READY_RELOADS} reloads; run "Developer: Reload Webviews" to try again.`);
      return;
    }
    this.reloads++;
    this.log.warn(`${waited}; loading it again (${this.reloads} of ${READY_RELOADS}).`);
    this.surface.reload();
    this.awaitReady();
  }

  private close(): void {
    this.closed = true;
    this.pageReady = false;
    this.stopAwaitingReady();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.handlers.disposed?.();
  }
}
