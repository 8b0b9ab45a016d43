// What the e2e tests install and open: the packed extension and a scratch copy of examples/.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
let packed: string | undefined;

/** The .vsix under test: $LABBOOK_VSIX when set, else one packed from this tree (once per test process). */
export function labbookVsix(): string {
  if (process.env.LABBOOK_VSIX) return path.resolve(process.env.LABBOOK_VSIX);
  if (packed) return packed;
  const out = path.join(ROOT, 'test-output', 'e2e', 'labbook-e2e.vsix');
  try {
    execFileSync('bash', [path.join(ROOT, 'scripts', 'package-vsix.sh'), '--out', out], { cwd: ROOT, stdio: 'pipe', timeout: 600_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`packing the extension failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
  }
  packed = out;
  return out;
}

/**
 * Records a tiny finished run named `name` (metric loss 0.25) in `workspace` with the CLI built into dist/; with
 * `modelFile`, the run also writes that file (kept as its model, as `models/*.pkl` is).
 */
export function recordRun(workspace: string, name: string, modelFile?: string): void {
  const cli = path.join(ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build (or unset LABBOOK_VSIX to pack and build)`);
  const writeModel = modelFile
    ? `const fs = require('fs'); fs.mkdirSync(require('path').dirname(${JSON.stringify(modelFile)}), { recursive: true }); fs.writeFileSync(${JSON.stringify(modelFile)}, 'model of ${name}');`
    : '';
  const command = [process.execPath, cli, 'run', '--name', name, '--', process.execPath, '-e', `${writeModel} console.log('loss: 0.25')`];
  execFileSync(command[0], command.slice(1), { cwd: workspace, stdio: 'pipe', timeout: 60_000 });
}

/** A temporary copy of examples/ (without any .labbook store) to open as the workspace; `remove` deletes it. */
export function copyExamples(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-e2e-workspace-'));
  cpSync(path.join(ROOT, 'examples'), dir, { recursive: true, filter: (source) => path.basename(source) !== '.labbook' });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
