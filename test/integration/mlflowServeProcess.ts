// A tracking server in its own process, on a store another process also serves: `node --import tsx
// mlflowServeProcess.ts <.labbook dir> <token>` prints {"url": …} and serves until its stdin closes.
import { startTrackingServer } from '../../src/server/trackingServer';
import { Store } from '../../src/store/store';

async function main(): Promise<void> {
  const [dir, token] = process.argv.slice(2);
  const store = Store.open(dir);
  const server = await startTrackingServer({ store, token, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void server.close().then(() => {
      store.close();
      process.exit(0);
    });
  });
}

void main();
