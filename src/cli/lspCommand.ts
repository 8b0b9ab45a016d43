import { serveProcess } from '../lsp/server';

/** `labbook lsp --stdio`: the language server for editors other than VS Code (stdout carries the protocol only). */
export async function lspCommand(args: string[]): Promise<number> {
  if (!args.some((arg) => arg === '--stdio' || arg === '--node-ipc' || arg.startsWith('--socket=') || arg.startsWith('--pipe='))) {
    process.stderr.write('Usage: labbook lsp --stdio   (also --node-ipc, --socket=PORT, --pipe=NAME)\n');
    return 2;
  }
  const handle = serveProcess();
  await new Promise<void>((resolve) => process.stdin.once('close', resolve).once('end', resolve));
  handle.dispose();
  return 0;
}
