// The HTTP side of the MLflow API benchmarks: one keep-alive connection, as the mlflow client's requests.Session.
import { Agent, request } from 'node:http';

/** A keep-alive client of one server. */
export class BenchClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly url: URL;

  constructor(url: string) {
    this.url = new URL(url);
  }

  /** POSTs JSON (text, or bytes encoded beforehand); resolves with the answer's text, rejects on any status but 200. */
  post(path: string, body: string | Buffer): Promise<string> {
    return this.send('POST', path, body);
  }

  /** GETs `path` (with its query); resolves with the answer's text, rejects on any status but 200. */
  get(path: string): Promise<string> {
    return this.send('GET', path, undefined);
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, path: string, body: string | Buffer | undefined): Promise<string> {
    const headers = body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    return new Promise((resolve, reject) => {
      const req = request({ agent: this.agent, hostname: this.url.hostname, port: this.url.port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve(text);
          else reject(new Error(`${method} ${path} answered ${res.statusCode}: ${text.slice(0, 200)}`));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}
