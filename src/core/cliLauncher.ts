// The `labbook` launcher scripts the extension puts on its terminals' PATH (src/extension/cliLauncher.ts), as text.

/** The launcher scripts' texts: a POSIX shell script and a Windows batch file. */
export function launcherScripts(node: string, cli: string): { sh: string; cmd: string } {
  const quoteSh = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
  return {
    // ELECTRON_RUN_AS_NODE: in desktop VS Code the host's "Node" is Electron; the runner drops it again for scripts.
    sh: `#!/bin/sh\n# Written by the Labbook extension: runs its bundled CLI.\nELECTRON_RUN_AS_NODE=1 exec ${quoteSh(node)} ${quoteSh(cli)} "$@"\n`,
    cmd: `@echo off\r\nrem Written by the Labbook extension: runs its bundled CLI.\r\nset ELECTRON_RUN_AS_NODE=1\r\n"${node}" "${cli}" %*\r\n`,
  };
}

/** The shell line that puts the launcher folder on PATH outside VS Code. */
export function pathLine(binDir: string, platform: string): string {
  return platform === 'win32' ? `set PATH=${binDir};%PATH%` : `export PATH="${binDir}:$PATH"`;
}
