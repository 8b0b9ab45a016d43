// A minimal Debug Adapter Protocol client over TCP: enough to attach to debugpy, set breakpoints and step.
import { connect, type Socket } from 'node:net';

/** A DAP message as the adapter sends it. */
export interface DapMessage {
  type: 'response' | 'event' | 'request';
  seq: number;
  command?: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  body?: Record<string, unknown>;
}

/** Talks DAP to an adapter listening on 127.0.0.1:`port`. */
export class DapClient {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly seen: DapMessage[] = [];
  private readonly waiters: { match: (m: DapMessage) => boolean; resolve: (m: DapMessage) => void }[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  /** Connects, retrying while the adapter is not listening yet. */
  static async connect(port: number, timeoutMs = 20_000): Promise<DapClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        return new DapClient(socket);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Sends a request without waiting for its response (attach answers only after configurationDone). */
  send(command: string, args: Record<string, unknown> = {}): Promise<DapMessage> {
    const seq = this.seq++;
    const json = Buffer.from(JSON.stringify({ type: 'request', seq, command, arguments: args }), 'utf8');
    this.socket.write(Buffer.concat([Buffer.from(`Content-Length: ${json.length}\r\n\r\n`), json]));
    return this.next((m) => m.type === 'response' && m.request_seq === seq, `${command} response`);
  }

  /** Sends a request and fails unless the adapter answers success. */
  async request(command: string, args: Record<string, unknown> = {}): Promise<DapMessage> {
    const response = await this.send(command, args);
    if (!response.success) throw new Error(`${command} failed: ${response.message}`);
    return response;
  }

  /** The first event named `event` (already received or to come). */
  event(event: string, timeoutMs = 20_000): Promise<DapMessage> {
    return this.next((m) => m.type === 'event' && m.event === event, `event ${event}`, timeoutMs);
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }

  private next(match: (m: DapMessage) => boolean, what: string, timeoutMs = 20_000): Promise<DapMessage> {
    const index = this.seen.findIndex(match);
    if (index !== -1) return Promise.resolve(this.seen.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd === -1) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString('ascii'))?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8')) as DapMessage;
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      const waiter = this.waiters.findIndex((w) => w.match(message));
      if (waiter === -1) this.seen.push(message);
      else this.waiters.splice(waiter, 1)[0].resolve(message);
    }
  }
}
