import { parseArgs } from 'node:util';
import { formatDoctor, runDoctor } from '../capture/doctor';
import { findWorkspace } from './workspace';

/** `labbook doctor [--python P] [--json]`: runtime, SQLite driver, store, Python and git; exit 1 when something is wrong. */
export async function doctorCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { python: { type: 'string' }, json: { type: 'boolean' } } });
  const cwd = process.cwd();
  const python = values.python ?? process.env.LABBOOK_PYTHON ?? 'python3';
  const checks = await runDoctor({ storeDir: findWorkspace(cwd).storeDir, python, cwd });
  process.stdout.write(values.json ? `${JSON.stringify(checks, null, 2)}\n` : `${formatDoctor(checks)}\n`);
  return checks.some((check) => check.problem) ? 1 : 0;
}
