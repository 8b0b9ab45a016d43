// The extension as users get it: the size of the packed .vsix and how long Labbook takes to activate in a real
// VS Code (code-server 4.100.3, the e2e setup). Needs test/e2e's packages (bash scripts/setup-e2e.sh); without them
// it says so and reports nothing.
//
// Activation time: the extension host log line "ExtensionService#_doActivateExtension labbook.labbook, startup: …,
// activationEvent: …" marks only the START of an activation and carries no duration in this VS Code. The duration
// VS Code itself measures (loading the extension's code + the activate() call + the promise it returns) is what
// "Developer: Show Running Extensions" shows per extension, so the bench reads it there, as a user would. The
// workspace holds a recorded run, so Labbook activates at startup on workspaceContains:.labbook/labbook.db, with
// its store, Runs view, status bar and panel serializer all set up.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

type Report = (name: string, value: number, unit: string, target: string) => void;

// The slices of test/e2e's fixtures and harness used here. They are loaded by path at run time, not imported: the
// harness needs playwright-core from test/e2e/node_modules, which the root typecheck must not depend on.
interface Fixtures {
  labbookVsix(): string;
  copyExamples(): { dir: string; remove: () => void };
  recordRun(workspace: string, name: string): void;
}
interface Harness {
  startVsCode(options: { testName: string; workspace: string; extensionVsix: string }): Promise<{
    page: { locator(selector: string, options?: { hasText?: string }): PageLocator };
    waitForActivation(extensionId: string): Promise<void>;
    runCommand(title: string): Promise<void>;
    stop(): Promise<void>;
  }>;
}
interface PageLocator {
  first(): PageLocator;
  locator(selector: string): PageLocator;
  filter(options: { hasText: RegExp }): PageLocator;
  waitFor(options: { timeout: number }): Promise<void>;
  innerText(): Promise<string>;
}

function loadE2e<T>(name: string): Promise<T> {
  return import(pathToFileURL(path.join(ROOT, 'test', 'e2e', `${name}.ts`)).href) as Promise<T>;
}

const ROOT = path.resolve(__dirname, '..', '..');
const E2E_MODULES = path.join(ROOT, 'test', 'e2e', 'node_modules');
const ACTIVATION = /([\d.]+)\s*ms/;

/** Reports the .vsix size and Labbook's activation time in code-server; skips (with a line saying why) without the e2e tools. */
export async function runExtensionBench(report: Report): Promise<void> {
  if (!existsSync(path.join(E2E_MODULES, 'code-server')) || !existsSync(path.join(E2E_MODULES, 'playwright-core'))) {
    process.stdout.write(
      `extension: skipped, ${path.relative(ROOT, E2E_MODULES)} has no code-server/playwright-core (run bash scripts/setup-e2e.sh)\n`,
    );
    return;
  }
  // Loaded only now: they import playwright-core, which exists only after setup-e2e.sh.
  const { copyExamples, labbookVsix, recordRun } = await loadE2e<Fixtures>('fixtures');
  const { startVsCode } = await loadE2e<Harness>('harness');
  const vsix = labbookVsix(); // $LABBOOK_VSIX if set, else packed from this tree
  report('extension: packed .vsix size', statSync(vsix).size / 1024, 'KiB', '<= 5,000');

  const workspace = copyExamples();
  recordRun(workspace.dir, 'bench-run');
  const vscode = await startVsCode({ testName: 'bench-extension', workspace: workspace.dir, extensionVsix: vsix });
  try {
    await vscode.waitForActivation('labbook.labbook');
    await vscode.runCommand('Developer: Show Running Extensions');
    const row = vscode.page.locator('.runtime-extensions-editor .extension', { hasText: 'Labbook' }).first();
    const time = row.locator('.activation-time');
    await time.filter({ hasText: ACTIVATION }).waitFor({ timeout: 60_000 });
    const text = await time.innerText();
    report(
      `extension: activation in code-server (${
        text
          .replace(ACTIVATION, '')
          .replace(/[:\s]+$/, '')
          .trim() || 'activation'
      })`,
      Number(ACTIVATION.exec(text)?.[1]),
      'ms',
      '<= 500',
    );
  } finally {
    await vscode.stop();
    workspace.remove();
  }
}
