// Holds back what code-server sends the page, so a test can act on a workbench that has not yet seen the extension
// host's latest messages: the moment a user's click races a redraw, made to happen every time. The sockets stay the
// page's own; only the delivery of their 'message' events waits while the gate holds.
import type { Page } from 'playwright-core';
import { waitUntil } from './waitUntil';

/** The page's websocket messages, held from hold() until release(). */
export interface SocketGate {
  /**
   * Waits until the server has sent nothing for a second (a conversation held half-way, such as a tree refresh
   * waiting for the page's answer, would stall the extension host's next ones), then keeps what it sends.
   */
  hold(): Promise<void>;
  /** Waits until a held message contains `text` (as UTF-8): the server has sent it and the page has not seen it. */
  waitForHeld(text: string, timeoutMs: number): Promise<void>;
  /** Passes the held messages on, in order, and stops holding. */
  release(): Promise<void>;
}

/** How long the server must have sent nothing before hold() holds. */
const QUIET_MS = 1000;

interface PageGate {
  hold(): void;
  holds(text: string): Promise<boolean>;
  count(): number;
  quietFor(): number;
  release(): void;
}

type GatedWindow = Window & { labbookSocketGate: PageGate };

// Runs in the page before its own scripts: every 'message' listener of every WebSocket goes through the gate.
// VS Code listens with addEventListener and receives Blobs.
function installGate(): void {
  const held: { data: unknown; deliver: () => void }[] = [];
  let holding = false;
  let lastMessage = Date.now();
  const wrapped = new WeakMap<object, EventListener>();
  const { addEventListener, removeEventListener } = WebSocket.prototype;
  WebSocket.prototype.addEventListener = function (this: WebSocket, type: string, listener: EventListener, options?: boolean) {
    if (type !== 'message' || typeof listener !== 'function') return addEventListener.call(this, type, listener, options);
    const gated: EventListener = (event) => {
      lastMessage = Date.now();
      const deliver = (): void => listener.call(this, event);
      if (holding) held.push({ data: (event as MessageEvent).data, deliver });
      else deliver();
    };
    wrapped.set(listener, gated);
    return addEventListener.call(this, type, gated, options);
  } as typeof addEventListener;
  WebSocket.prototype.removeEventListener = function (this: WebSocket, type: string, listener: EventListener, options?: boolean) {
    return removeEventListener.call(this, type, wrapped.get(listener) ?? listener, options);
  } as typeof removeEventListener;
  const text = async (data: unknown): Promise<string> =>
    data instanceof Blob ? data.text() : typeof data === 'string' ? data : data instanceof ArrayBuffer ? new TextDecoder().decode(data) : '';
  const gate: PageGate = {
    hold: () => {
      holding = true;
    },
    count: () => held.length,
    quietFor: () => Date.now() - lastMessage,
    holds: async (wanted) => (await Promise.all(held.map(({ data }) => text(data)))).some((message) => message.includes(wanted)),
    release: () => {
      holding = false;
      for (const { deliver } of held.splice(0)) deliver();
    },
  };
  (window as unknown as GatedWindow).labbookSocketGate = gate;
}

/** Puts every websocket the page opens from now on behind a gate (call it in StartOptions.beforeLoad). */
export async function gateSockets(page: Page): Promise<SocketGate> {
  // tsx compiles this file with esbuild's keepNames, which wraps inner functions in a `__name` helper the page lacks.
  await page.addInitScript({ content: `var __name = (target) => target; (${installGate.toString()})();` });
  return {
    hold: async () => {
      const quietFor = (): Promise<number> => page.evaluate(() => (window as unknown as GatedWindow).labbookSocketGate.quietFor());
      await waitUntil(async () => ((await quietFor()) >= QUIET_MS ? true : undefined), { timeoutMs: 60_000, what: 'the server to fall quiet' });
      await page.evaluate(() => (window as unknown as GatedWindow).labbookSocketGate.hold());
    },
    waitForHeld: async (wanted, timeoutMs) => {
      const holds = (): Promise<boolean> => page.evaluate((value) => (window as unknown as GatedWindow).labbookSocketGate.holds(value), wanted);
      await waitUntil(async () => ((await holds()) ? true : undefined), { timeoutMs, what: `the server to send ${JSON.stringify(wanted)}` }).catch(
        async (error: Error) => {
          const count = await page.evaluate(() => (window as unknown as GatedWindow).labbookSocketGate.count());
          throw new Error(`${error.message} (${count} messages held)`);
        },
      );
    },
    release: () => page.evaluate(() => (window as unknown as GatedWindow).labbookSocketGate.release()),
  };
}
