// The process of a run's terminal (dist/runInTerminal.js <cli> run …): runs the runner, then keeps the terminal
// open, output and all, until a key is pressed, as a VS Code task's terminal does. The terminal is a real pty, so
// colours, progress bars and Ctrl-C work as in any terminal; and it belongs to VS Code's pty host rather than to the
// extension host, so a window reload neither kills the run nor loses its output.

import { spawn } from 'node:child_process';

/** The line the terminal shows once the run ended. */
export function endedLine(code: number | null, signal: NodeJS.Signals | null): string {
  const how = signal ? `was ended by ${signal}` : `ended with exit code ${code ?? 'unknown'}`;
  return `Labbook: the run ${how}. Press any key to close this terminal.`;
}

function hold(code: number | null, signal: NodeJS.Signals | null): void {
  process.stdout.write(`\r\n\x1b[7m ${endedLine(code, signal)} \x1b[0m\r\n`);
  // Without a terminal there is nobody to press a key: pass the runner's code on, as the runner itself would.
  if (!process.stdin.isTTY) process.exit(code ?? 1);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  // Exit 0: the run's outcome is in the output above and in Labbook's notification, not in VS Code's exit toast.
  process.stdin.once('data', () => process.exit(0));
}

function main(): void {
  const [cli, ...args] = process.argv.slice(2);
  // Ctrl-C reaches the whole foreground process group: the runner records the run as KILLED and ends; this process
  // stays to show that.
  process.on('SIGINT', () => undefined);
  const runner = spawn(process.execPath, [cli, ...args], { stdio: 'inherit' });
  runner.on('error', (error) => {
    process.stderr.write(`Labbook: the runner could not start: ${error.message}\r\n`);
    hold(1, null);
  });
  runner.on('exit', hold);
}

if (require.main === module) main();
