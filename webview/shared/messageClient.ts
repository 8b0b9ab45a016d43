// A typed channel between a webview page and its extension host, over VS Code's webview API.

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Sends `Out` messages to the host and hands the page every incoming message that `accepts` recognises. */
export class MessageClient<In, Out> {
  // acquireVsCodeApi may be called once per page, so one client owns it.
  private readonly api = acquireVsCodeApi();

  constructor(private readonly accepts: (value: unknown) => value is In) {}

  /** Posts a message to the host. */
  post(message: Out): void {
    this.api.postMessage(message);
  }

  /** Calls `handler` for every message from the host that `accepts` recognises; others are ignored. */
  listen(handler: (message: In) => void): void {
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (this.accepts(event.data)) handler(event.data);
    });
  }

  /** The state saved with setState, kept by VS Code while the page is hidden or reloaded (unchecked). */
  savedState(): unknown {
    return this.api.getState();
  }

  /** Saves state that survives the page being discarded while hidden. */
  saveState(state: unknown): void {
    this.api.setState(state);
  }
}
