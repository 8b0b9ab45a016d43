// `labbook checkout`: a run's code and inputs back on disk. A detached git worktree at the run's commit, its stored
// uncommitted patch applied, its input files written from the object store and hash-checked, and a marker that
// makes a `labbook run` started there record which run it reproduces (and in which store).
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { joinCommandLine } from '../core/commandLine';
import type { RunDetail } from '../core/types';
import { sha256OfFile } from '../store/objects';
import type { Store } from '../store/store';

/** A checkout that cannot be made; the message says why and what to do. `badInput` marks a mistake in the request. */
export class ReproduceError extends Error {
  constructor(
    message: string,
    readonly badInput = false,
  ) {
    super(message);
  }
}

/** File in a checkout's root naming the run it reproduces and the store to record reruns in. */
export const MARKER_FILE = '.labbook-reproduces';

/** What the marker holds. */
export interface ReproduceMarker {
  run: string;
  store: string;
}

/** An input that was not written, and what to do about it. */
export interface MissingInput {
  path: string;
  reason: string;
  hint: string;
}

/** What a checkout did. */
export interface CheckoutResult {
  dir: string;
  commit: string;
  patchApplied: boolean;
  /** Inputs written from the store (path in the worktree, relative to its root), each hash-checked. */
  restored: string[];
  missing: MissingInput[];
  /** The run's working directory inside the worktree. */
  cwd: string;
  /** The command line that reruns the run there. */
  rerun: string;
}

/** Where `labbook checkout` puts a run when no folder is given: inside the store, so a rerun there finds it. */
export function defaultCheckoutDir(storeDir: string, runId: string): string {
  return join(storeDir, 'checkouts', runId.slice(0, 8));
}

function git(cwd: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ ok: !error, stdout, stderr: stderr || (error?.message ?? '') }),
    );
  });
}

async function repositoryRoot(cwd: string): Promise<string> {
  const top = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok) throw new ReproduceError(`${cwd} is not in a git repository: run labbook checkout from the repository the run was made in.`, true);
  return top.stdout.trim();
}

async function checkCommit(root: string, commit: string): Promise<void> {
  if ((await git(root, ['cat-file', '-e', `${commit}^{commit}`])).ok) return;
  const shallow = (await git(root, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
  const fix = shallow ? 'This clone is shallow: run `git fetch --unshallow` and try again.' : `Fetch it (git fetch origin ${commit}) and try again.`;
  throw new ReproduceError(`The run's commit ${commit.slice(0, 12)} is not in this repository. ${fix}`);
}

function checkTarget(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new ReproduceError(`${dir} already exists and is not empty; choose another folder with --into DIR (or remove it).`, true);
}

/** Reads the marker of the checkout `cwd` lies in (looked for up to the worktree's root), with the checkout's root. */
export function readMarker(cwd: string): (ReproduceMarker & { root: string }) | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const path = join(dir, MARKER_FILE);
    if (existsSync(path)) {
      const marker = parseMarker(readFileSync(path, 'utf8'));
      return marker && { ...marker, root: dir };
    }
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) return undefined;
  }
}

function parseMarker(text: string): ReproduceMarker | undefined {
  try {
    const value = JSON.parse(text) as Partial<ReproduceMarker>;
    return typeof value.run === 'string' && typeof value.store === 'string' ? { run: value.run, store: value.store } : undefined;
  } catch {
    return undefined;
  }
}

async function writeMarker(dir: string, marker: ReproduceMarker): Promise<void> {
  writeFileSync(join(dir, MARKER_FILE), `${JSON.stringify(marker)}\n`);
  // info/exclude is shared by all worktrees of a repository; one line keeps the marker out of `git status`.
  const exclude = resolve(dir, (await git(dir, ['rev-parse', '--git-path', 'info/exclude'])).stdout.trim());
  const lines = existsSync(exclude) ? readFileSync(exclude, 'utf8').split('\n') : [];
  if (lines.includes(`/${MARKER_FILE}`)) return;
  mkdirSync(dirname(exclude), { recursive: true });
  appendFileSync(exclude, `${lines.length && lines[lines.length - 1] !== '' ? '\n' : ''}/${MARKER_FILE}\n`);
}

async function applyPatch(store: Store, dir: string, patchSha: string): Promise<void> {
  const applied = await git(dir, ['apply', '--binary', '--whitespace=nowarn', store.objects.pathOf(patchSha)]);
  if (!applied.ok) throw new ReproduceError(`The run's uncommitted changes do not apply to commit in ${dir}:\n${applied.stderr.trim()}`);
}

/** DVC's own instruction for a path it tracks (a `.dvc` sibling or an output in `dvc.lock`), else undefined. */
function dvcHint(worktree: string, path: string): string | undefined {
  if (existsSync(join(worktree, `${path}.dvc`))) return `dvc checkout ${path}  (or dvc pull ${path} if the cache lacks it)`;
  const lock = join(worktree, 'dvc.lock');
  if (!existsSync(lock)) return undefined;
  return dvcLockPaths(readFileSync(lock, 'utf8')).some((out) => path === out || path.startsWith(`${out}/`))
    ? `dvc pull ${path}  (a dvc.lock output; dvc checkout ${path} if the cache has it)`
    : undefined;
}

/** Output paths of the stages in a dvc.lock (schema 2: `stages.<name>.outs[].path`, relative to the repository root). */
function dvcLockPaths(text: string): string[] {
  try {
    const lock = parseYaml(text) as { stages?: Record<string, { outs?: { path?: unknown }[] }> } | null;
    return Object.values(lock?.stages ?? {}).flatMap((stage) => (stage.outs ?? []).map((out) => String(out.path ?? '').replace(/\/$/, '')));
  } catch {
    return [];
  }
}

const toPosix = (path: string): string => path.split(sep).join('/');

async function restoreInputs(
  store: Store,
  run: RunDetail,
  repoRoot: string,
  worktree: string,
): Promise<Pick<CheckoutResult, 'restored' | 'missing'>> {
  const restored: string[] = [];
  const missing: MissingInput[] = [];
  for (const input of run.artifacts.filter((a) => a.direction === 'input')) {
    const original = isAbsolute(input.path) ? input.path : join(run.cwd ?? repoRoot, input.path);
    const inRepo = toPosix(relative(repoRoot, original));
    if (inRepo.startsWith('..') || isAbsolute(inRepo)) {
      missing.push({ path: original, reason: 'outside the repository', hint: `make sure ${original} holds sha256 ${input.sha256.slice(0, 12)}…` });
      continue;
    }
    const target = join(worktree, inRepo);
    if (!store.objects.has(input.sha256)) {
      const hint = dvcHint(worktree, inRepo) ?? `copy it from ${original} (sha256 ${input.sha256.slice(0, 12)}…)`;
      missing.push({ path: inRepo, reason: 'the store has no copy of its bytes', hint });
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(store.objects.pathOf(input.sha256), target);
    const written = await sha256OfFile(target);
    if (written !== input.sha256)
      throw new ReproduceError(`${inRepo} was written with sha256 ${written}, not the run's ${input.sha256}; the stored copy is damaged.`);
    restored.push(inRepo);
  }
  return { restored, missing };
}

/** The rerun command, from the checkout's root: a `cd` into the run's folder when it is not the root. */
function rerunCommand(runId: string, argv: readonly string[], cwd: string): string {
  const run = `labbook run --reproduces ${runId} -- ${joinCommandLine(argv)}`;
  return cwd === '' ? run : `cd ${joinCommandLine([cwd])} && ${run}`;
}

/**
 * Checks a run out into `into` (default: defaultCheckoutDir). Everything is checked before the worktree is made;
 * a patch that does not apply or an input that does not hash back removes the worktree again.
 */
export async function checkoutRun(store: Store, run: RunDetail, options: { cwd: string; storeDir: string; into?: string }): Promise<CheckoutResult> {
  const commit = run.git.commit;
  if (!commit)
    throw new ReproduceError(`Run ${run.name} was not made in a git repository (no commit recorded): there is no code to check out.`, true);
  const repoRoot = await repositoryRoot(options.cwd);
  await checkCommit(repoRoot, commit);
  const patchSha = run.git.patchSha;
  if (patchSha && !store.objects.has(patchSha))
    throw new ReproduceError(`The run's uncommitted changes (blob ${patchSha.slice(0, 12)}) are missing from the store at ${store.objects.root}.`);
  const dir = resolve(options.cwd, options.into ?? defaultCheckoutDir(options.storeDir, run.id));
  checkTarget(dir);
  // A checkout folder deleted by hand stays registered until pruned, and git would refuse the same path again.
  await git(repoRoot, ['worktree', 'prune']);
  const added = await git(repoRoot, ['worktree', 'add', '--detach', dir, commit]);
  if (!added.ok) throw new ReproduceError(`git worktree add failed:\n${added.stderr.trim()}`);
  try {
    if (patchSha) await applyPatch(store, dir, patchSha);
    await writeMarker(dir, { run: run.id, store: options.storeDir });
    const inputs = await restoreInputs(store, run, repoRoot, dir);
    const cwd = run.cwd ? toPosix(relative(repoRoot, run.cwd)) : '';
    const runCwd = cwd.startsWith('..') || isAbsolute(cwd) ? '' : cwd;
    return { dir, commit, patchApplied: patchSha !== null, ...inputs, cwd: runCwd, rerun: rerunCommand(run.id, run.argv, runCwd) };
  } catch (error) {
    await git(repoRoot, ['worktree', 'remove', '--force', dir]);
    throw error;
  }
}
