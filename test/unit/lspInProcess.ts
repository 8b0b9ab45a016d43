// Test and benchmark helper (not shipped): a client wired to a Labbook language server inside this process over
// in-memory streams. The server runs exactly as over stdio (same JSON-RPC framing).
import { PassThrough } from 'node:stream';
import {
  createConnection,
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from 'vscode-languageserver/node';
import { startServer, type ServerHandle, type ServerOptions } from '../../src/lsp/server';

/** A client connection (not yet listening) and the server it talks to. */
export interface InProcessSession {
  client: ProtocolConnection;
  server: ServerHandle;
  /** Stops the server and closes both ends. */
  close(): void;
}

/** Starts a server on in-memory streams and returns the client side; call `client.listen()` after adding handlers. */
export function connectInProcess(options: ServerOptions = {}): InProcessSession {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  const server = startServer(serverConnection, options);
  const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  return {
    client,
    server,
    close: () => {
      server.dispose();
      client.dispose();
      serverConnection.dispose();
      toServer.end();
      toClient.end();
    },
  };
}
