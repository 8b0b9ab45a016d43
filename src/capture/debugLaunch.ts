import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { isPythonProgram, pythonOptionCount } from './argvParams';

/** Tag marking a run that ran under the debugger. */
export const DEBUGGED_TAG = 'labbook.debugged';

/**
 * The command that runs a Python `command` under debugpy, listening on 127.0.0.1:`port` and waiting for a debug
 * client before the script starts. Interpreter options stay before `-m debugpy`; the script, `-m module` or
 * `-c code` and its arguments follow. Throws for a command that is no Python interpreter.
 */
export function debugpyCommand(command: readonly string[], port: number): string[] {
  if (command.length === 0 || !isPythonProgram(command[0])) {
    throw new Error(
      `--debug runs Python under debugpy: the command must start with a Python interpreter (python script.py), got '${command[0] ?? ''}'.`,
    );
  }
  const options = pythonOptionCount(command.slice(1));
  const target = command.slice(1 + options);
  if (target.length === 0) throw new Error('--debug needs a script, -m module or -c code to debug.');
  return [command[0], ...command.slice(1, 1 + options), '-m', 'debugpy', '--listen', `127.0.0.1:${port}`, '--wait-for-client', ...target];
}

/** A TCP port on 127.0.0.1 that is free right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something listens on TCP `port` (Linux /proc/net/tcp{,6}); undefined where that cannot be seen. */
export function isListening(port: number): boolean | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let seen = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    seen = true;
    // Columns: sl local_address rem_address st …; state 0A is LISTEN.
    if (text.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(`:${hexPort}`) && line.trim().split(/\s+/)[3] === '0A')) return true;
  }
  return seen ? false : undefined;
}
