// The lifecycle every webview host shares, driven through a fake surface: nothing is posted before 'ready', hiding
// resets it, bad messages go to the log and are not handled, handler failures are shown in the page.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { READY_RELOADS, READY_TIMEOUT_MS, WebviewHost } from '../../src/extension/panels/webviewHost';
import type { WebviewProtocol, WebviewSurface } from '../../src/extension/panels/webviewHost';
import { parseWebviewMessage, InvalidMessage } from '../../src/protocol/messageFields';

type From = { type: 'test/ready' } | { type: 'test/ping'; n: number } | { type: 'test/fail' } | { type: 'test/failLater' };
type To = { type: 'test/pong'; n: number } | { type: 'test/error'; message: string };

const protocol: WebviewProtocol<To, From> = {
  parse: (raw) =>
    parseWebviewMessage(raw, 'test', (fields): From => {
      if (fields.type === 'test/ping' && typeof fields.n === 'number') return { type: 'test/ping', n: fields.n };
      if (fields.type === 'test/ready' || fields.type === 'test/fail' || fields.type === 'test/failLater') return { type: fields.type };
      throw new InvalidMessage(`Unknown message type ${String(fields.type)}.`);
    }),
  readyType: 'test/ready',
  error: (message) => ({ type: 'test/error', message }),
};

/** A webview that records what is posted and lets the test send messages, hide, show and close it. */
class FakeSurface implements WebviewSurface {
  visible = true;
  /** Times the page was set, and brought back after it never said ready. */
  loads = 0;
  reloads = 0;
  readonly posted: unknown[] = [];
  private readonly listeners = { message: [] as ((m: unknown) => void)[], visibility: [] as (() => void)[], dispose: [] as (() => void)[] };
  disposedListeners = 0;

  load(): void {
    this.loads++;
  }
  reload(): void {
    this.reloads++;
  }
  postMessage(message: unknown): PromiseLike<boolean> {
    this.posted.push(message);
    return Promise.resolve(true);
  }
  onDidReceiveMessage(listener: (message: unknown) => void) {
    return this.subscribe(this.listeners.message, listener);
  }
  onDidChangeVisibility(listener: () => void) {
    return this.subscribe(this.listeners.visibility, listener);
  }
  onDidDispose(listener: () => void) {
    return this.subscribe(this.listeners.dispose, listener);
  }
  send(message: unknown): void {
    for (const listener of [...this.listeners.message]) listener(message);
  }
  setVisible(visible: boolean): void {
    this.visible = visible;
    for (const listener of [...this.listeners.visibility]) listener();
  }
  close(): void {
    for (const listener of [...this.listeners.dispose]) listener();
  }
  private subscribe<L>(list: L[], listener: L) {
    list.push(listener);
    return { dispose: () => (list.splice(list.indexOf(listener), 1), this.disposedListeners++) };
  }
}

function setup() {
  const surface = new FakeSurface();
  const warnings: string[] = [];
  const received: From[] = [];
  const events: string[] = [];
  const host: WebviewHost<To, From> = new WebviewHost(
    surface,
    protocol,
    {
      receive: (message) => {
        received.push(message);
        if (message.type === 'test/ping') host.post({ type: 'test/pong', n: message.n });
        if (message.type === 'test/fail') throw new Error('store is busy');
        if (message.type === 'test/failLater') return Promise.reject(new Error('later'));
      },
      shown: () => events.push('shown'),
      hidden: () => events.push('hidden'),
      disposed: () => events.push('disposed'),
    },
    { warn: (message) => warnings.push(message) },
  );
  return { surface, host, warnings, received, events };
}

describe('WebviewHost', () => {
  test('is ready only after the page says so, and not after it was hidden', () => {
    const { surface, host, events } = setup();
    assert.equal(host.showing, false);
    surface.send({ type: 'test/ready' });
    assert.deepEqual([host.ready, host.showing], [true, true]);
    surface.setVisible(false);
    assert.deepEqual([host.ready, host.showing], [false, false]);
    surface.setVisible(true);
    assert.equal(host.ready, false, 'a shown page is a new page: it must say ready again');
    surface.send({ type: 'test/ready' });
    assert.equal(host.showing, true);
    assert.deepEqual(events, ['hidden', 'shown']);
  });

  test('bad messages go to the log and reach no handler', () => {
    const { surface, warnings, received } = setup();
    surface.send('not an object');
    surface.send({ type: 'test/ping', n: 'x' });
    surface.send({ type: 'test/ping', n: 2 });
    assert.deepEqual(received, [{ type: 'test/ping', n: 2 }]);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /Test message must be an object/);
    assert.match(warnings[1], /Bad test message/);
  });

  test('a failing handler, sync or async, shows its error in the page', async () => {
    const { surface } = setup();
    surface.send({ type: 'test/fail' });
    surface.send({ type: 'test/failLater' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(surface.posted, [
      { type: 'test/error', message: 'store is busy' },
      { type: 'test/error', message: 'later' },
    ]);
  });

  test('closing stops posting and releases its listeners', () => {
    const { surface, host, events } = setup();
    surface.send({ type: 'test/ready' });
    surface.close();
    host.post({ type: 'test/pong', n: 1 });
    assert.deepEqual(surface.posted, []);
    assert.deepEqual([host.ready, surface.disposedListeners, events], [false, 3, ['disposed']]);
  });

  test("loads its page once, and brings it back when a visible page has not said 'ready' in time, at most READY_RELOADS times", (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { surface, warnings } = setup();
    assert.equal(surface.loads, 1, 'the page is set when the host takes the surface');
    t.mock.timers.tick(READY_TIMEOUT_MS - 1);
    assert.equal(surface.reloads, 0, 'not before the timeout');
    t.mock.timers.tick(1);
    assert.equal(surface.reloads, 1, 'a blank page is brought back');
    assert.match(warnings[0], /did not say 'test\/ready' within 15 s; loading it again \(1 of 2\)/);
    for (let wait = 0; wait < 5; wait++) t.mock.timers.tick(READY_TIMEOUT_MS);
    assert.deepEqual([surface.loads, surface.reloads], [1, READY_RELOADS], 'then it gives up');
    assert.match(warnings.at(-1)!, /after 2 reloads; run "Developer: Reload Webviews"/);
  });

  test('a page that says ready in time, a hidden page and a closed one are not brought back', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const ready = setup();
    ready.surface.send({ type: 'test/ready' });
    const hidden = setup();
    hidden.surface.setVisible(false);
    const closed = setup();
    closed.surface.close();
    for (let wait = 0; wait < 3; wait++) t.mock.timers.tick(READY_TIMEOUT_MS);
    assert.deepEqual([ready.surface.reloads, hidden.surface.reloads, closed.surface.reloads], [0, 0, 0]);
    assert.deepEqual([...ready.warnings, ...hidden.warnings, ...closed.warnings], []);
    // Shown again, VS Code loads the page itself; if that one stays blank, it is brought back.
    hidden.surface.setVisible(true);
    t.mock.timers.tick(READY_TIMEOUT_MS);
    assert.equal(hidden.surface.reloads, 1);
  });

  test('a page that comes late after a reload resets the count', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { surface, host } = setup();
    t.mock.timers.tick(READY_TIMEOUT_MS);
    surface.send({ type: 'test/ready' });
    assert.equal(host.ready, true);
    surface.setVisible(false);
    surface.setVisible(true);
    for (let wait = 0; wait < 3; wait++) t.mock.timers.tick(READY_TIMEOUT_MS);
    assert.equal(surface.reloads, 3, 'two more reloads are allowed for the new page');
  });
});
