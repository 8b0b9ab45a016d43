// `labbook doctor`: what this Labbook runs on and what is wrong with it, for the CLI and the palette command alike.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { damagedStoreMessage } from '../store/integrity';
import { SCHEMA_VERSION } from '../store/schema';
import { openDatabase, sqliteDriver } from '../store/sqlite';

/** One line of the report: `problem` says what is wrong and what to do; absent when all is well. */
export interface DoctorCheck {
  name: string;
  value: string;
  problem?: string;
}

/** What the doctor looks at. */
export interface DoctorInput {
  storeDir: string;
  python: string;
  cwd: string;
}

/** Python packages Labbook works with, by import name. */
const PYTHON_PACKAGES = ['mlflow', 'numpy', 'pandas', 'sklearn', 'scipy', 'torch', 'yaml', 'debugpy', 'ipykernel', 'optuna'];

// One interpreter start for every package: find_spec does not import them (torch alone takes seconds to import).
const PYTHON_PROBE = `
import importlib.util, importlib.metadata, json, sys
names = {"sklearn": "scikit-learn", "yaml": "PyYAML"}
found = {}
for module in sys.argv[1:]:
    if importlib.util.find_spec(module) is None: continue
    try: found[module] = importlib.metadata.version(names.get(module, module))
    except Exception: found[module] = "?"
print(json.dumps({"version": sys.version.split()[0], "executable": sys.executable, "packages": found}))
`;

/** Runs every check; never throws (a failing check is a line with a problem). */
export async function runDoctor(input: DoctorInput): Promise<DoctorCheck[]> {
  const [python, git] = await Promise.all([pythonChecks(input.python, input.cwd), gitCheck(input.cwd)]);
  return [...runtimeChecks(), ...storeChecks(input.storeDir), ...python, git];
}

/** The report as aligned text lines, problems marked, for a terminal or a text document. */
export function formatDoctor(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((check) => check.name.length));
  const lines = checks.map((check) => `${check.problem ? '✗' : '✓'} ${check.name.padEnd(width)}  ${check.value}`);
  const problems = checks.filter((check) => check.problem).map((check) => `- ${check.name}: ${check.problem}`);
  const verdict = problems.length === 0 ? ['', 'No problems found.'] : ['', `${problems.length} problem(s):`, ...problems];
  return [...lines, ...verdict].join('\n');
}

/** The runtime and SQLite driver as one phrase, e.g. `Node v24.1.0, SQLite driver node:sqlite`. */
export function runtimeSummary(): string {
  try {
    return `Node ${process.version}, SQLite driver ${sqliteDriver()}`;
  } catch {
    return `Node ${process.version}, no SQLite driver`;
  }
}

function runtimeChecks(): DoctorCheck[] {
  const runtime = process.versions.electron ? `Electron ${process.versions.electron} (Node ${process.version})` : `Node ${process.version}`;
  const checks: DoctorCheck[] = [{ name: 'runtime', value: `${runtime}, ${process.platform}-${process.arch}` }];
  try {
    checks.push({ name: 'SQLite driver', value: sqliteDriver() });
  } catch (error) {
    checks.push({ name: 'SQLite driver', value: 'none', problem: (error as Error).message });
  }
  return checks;
}

function storeChecks(storeDir: string): DoctorCheck[] {
  const file = join(storeDir, 'labbook.db');
  if (!existsSync(file)) {
    return [{ name: 'store', value: `${storeDir} (not created yet: the first tracked run creates it)` }];
  }
  const checks: DoctorCheck[] = [{ name: 'store', value: `${file} (${megabytes(file)}; WAL ${megabytes(`${file}-wal`)})` }];
  try {
    // Read-only: the doctor never writes to a store, least of all a damaged one.
    const db = openDatabase(file, { readonly: true });
    try {
      checks.push(schemaCheck(db.pragma('user_version', { simple: true }) as number));
      const integrity = String(db.pragma('quick_check', { simple: true }));
      checks.push(
        integrity === 'ok'
          ? { name: 'integrity', value: 'ok' }
          : { name: 'integrity', value: integrity, problem: damagedStoreMessage(file, integrity) },
      );
      const runs = db.prepare("SELECT COUNT(*) FROM runs WHERE lifecycle = 'active'").pluck().get() as number;
      checks.push({ name: 'runs', value: String(runs) });
    } finally {
      db.close();
    }
  } catch (error) {
    checks.push({ name: 'integrity', value: 'cannot be read', problem: damagedStoreMessage(file, (error as Error).message) });
  }
  return checks;
}

function schemaCheck(version: number): DoctorCheck {
  const value = `${version} (this Labbook: ${SCHEMA_VERSION})`;
  if (version > SCHEMA_VERSION) return { name: 'schema', value, problem: 'the store was written by a newer Labbook: update Labbook.' };
  if (version < SCHEMA_VERSION) return { name: 'schema', value: `${value}, migrated on the next write` };
  return { name: 'schema', value };
}

function megabytes(file: string): string {
  if (!existsSync(file)) return 'none';
  return `${(statSync(file).size / 1048576).toFixed(1)} MB`;
}

async function pythonChecks(python: string, cwd: string): Promise<DoctorCheck[]> {
  const result = await run(python, ['-c', PYTHON_PROBE, ...PYTHON_PACKAGES], cwd);
  if (result.error) {
    return [{ name: 'python', value: python, problem: `cannot run it (${result.error}): install Python 3 or set labbook.python.path.` }];
  }
  const probe = JSON.parse(result.stdout) as { version: string; executable: string; packages: Record<string, string> };
  const packages = Object.entries(probe.packages).map(([name, version]) => `${name} ${version}`);
  return [
    { name: 'python', value: `${probe.version} (${probe.executable})` },
    { name: 'python packages', value: packages.length > 0 ? packages.join(', ') : 'none of ' + PYTHON_PACKAGES.join(', ') },
  ];
}

async function gitCheck(cwd: string): Promise<DoctorCheck> {
  const version = await run('git', ['--version'], cwd);
  if (version.error) return { name: 'git', value: 'not found', problem: 'install git: runs then record their commit and uncommitted changes.' };
  const inside = await run('git', ['rev-parse', '--is-inside-work-tree'], cwd);
  const where = inside.error ? 'not a git work tree here: runs record no commit' : 'in a work tree';
  return { name: 'git', value: `${version.stdout.trim().replace(/^git version /, '')}, ${where}` };
}

function run(command: string, args: string[], cwd: string): Promise<{ stdout: string; error?: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: 20_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve(error ? { stdout, error: (stderr.trim().split('\n').pop() || error.message).slice(0, 200) } : { stdout });
    });
  });
}
