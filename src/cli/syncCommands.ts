// `labbook remote`, `push`, `pull` and `adopt`: thin faces over src/sync. A failure of the remote (unreachable,
// refused token, busy, missing endpoint) is one plain message and exit code 1; the store keeps everything it had,
// and the ledger everything the remote acknowledged, so running the same command again resumes.
import { parseArgs } from 'node:util';
import { formatDuration } from '../core/format';
import { resolveRunRef } from '../store/runRefs';
import { ORIGIN_TAG } from '../store/runs';
import type { Store } from '../store/store';
import { MlflowClient, SyncError } from '../sync/client';
import { Ledger } from '../sync/ledger';
import { pull } from '../sync/pull';
import type { PullSummary } from '../sync/pull';
import { push } from '../sync/push';
import type { PushProgress, PushSummary } from '../sync/push';
import { addRemote, findRemote, listRemotes, RemoteError, remoteToken, removeRemote } from '../sync/remotes';
import type { Remote } from '../sync/remotes';
import { experimentIds, withWorkspace } from './queryCommands';
import { CliError, findWorkspace } from './workspace';

/** `labbook remote add NAME URL [--token-env VAR] | ls [--json] | rm NAME`. */
export async function remoteCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'token-env': { type: 'string' }, json: { type: 'boolean' } },
  });
  const [action, ...rest] = positionals;
  const root = findWorkspace(process.cwd()).root;
  return remoteErrors(() => {
    if (action === 'add' && rest.length === 2) {
      addRemote(root, rest[0], rest[1], values['token-env']);
      process.stdout.write(`Remote '${rest[0]}' is ${rest[1]}${values['token-env'] ? ` (token from $${values['token-env']})` : ''}.\n`);
      return 0;
    }
    if (action === 'rm' && rest.length === 1) {
      removeRemote(root, rest[0]);
      process.stdout.write(`Removed remote '${rest[0]}'.\n`);
      return 0;
    }
    if ((action === 'ls' || action === undefined) && rest.length === 0) {
      const remotes = listRemotes(root);
      if (values.json) process.stdout.write(`${JSON.stringify(remotes, null, 2)}\n`);
      else for (const r of remotes) process.stdout.write(`${r.name}\t${r.url}${r.tokenEnv ? `\t(token: $${r.tokenEnv})` : ''}\n`);
      if (!values.json && remotes.length === 0) process.stdout.write('No remotes. Add one: labbook remote add origin http://mlflow.example:5000\n');
      return 0;
    }
    throw new CliError('Usage: labbook remote add NAME URL [--token-env VAR] | labbook remote ls | labbook remote rm NAME', 2);
  });
}

function remoteErrors<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof RemoteError) throw new CliError(error.message, 2);
    throw error;
  }
}

function clientFor(remote: Remote): MlflowClient {
  return new MlflowClient(remote.url, { token: remoteToken(remote) });
}

/** `labbook push [RUN…|--experiment E|--filter F] [--remote NAME] [--json]`. */
export async function pushCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      experiment: { type: 'string', short: 'e' },
      filter: { type: 'string', short: 'f' },
      remote: { type: 'string', short: 'r' },
      json: { type: 'boolean' },
      'progress-json': { type: 'boolean' },
    },
  });
  return withWorkspace(async ({ root, store }) => {
    const remote = remoteErrors(() => findRemote(root, values.remote));
    const client = remoteErrors(() => clientFor(remote));
    const runIds = positionals.length
      ? positionals.map((ref) => resolveRunRef(store, ref).id)
      : store.runIds({ experimentIds: experimentIds(store, values.experiment), filter: values.filter });
    const started = Date.now();
    const summary = await syncErrors('push', () =>
      push(store, client, new Ledger(store.dir, remote.url), runIds, values['progress-json'] ? progressJson : progressLine()),
    );
    endProgress();
    for (const skipped of summary.skipped) process.stderr.write(`labbook: warning: not sent: ${skipped}\n`);
    if (values.json)
      process.stdout.write(
        `${JSON.stringify({ remote: remote.name, url: remote.url, ...summary, requests: client.stats.requests, bytes: client.stats.bytesSent }, null, 2)}\n`,
      );
    else process.stdout.write(`${pushLine(remote, summary, Date.now() - started)}\n`);
    return 0;
  });
}

function pushLine(remote: Remote, s: PushSummary, ms: number): string {
  const rate = s.points > 0 && ms > 0 ? ` (${Math.round((s.points * 1000) / ms).toLocaleString('en-US')} points/s)` : '';
  const files = s.artifacts ? `, ${plural(s.artifacts, 'file')} (${megabytes(s.artifactBytes)})` : '';
  const pulled = s.pulled ? `; ${plural(s.pulled, 'pulled run')} left out` : '';
  const models =
    s.models.versions + s.models.stages + s.models.aliases
      ? `, ${plural(s.models.versions, 'model version')} (${s.models.stages} stage and ${s.models.aliases} alias changes)`
      : '';
  return (
    `Pushed ${plural(s.runs, 'run')} to ${remote.name} (${s.created} created, ${s.upToDate} already up to date${pulled}): ` +
    `${count(s.points)} points, ${count(s.params)} params, ${count(s.tags)} tags${files}${models} in ${formatDuration(ms)}${rate}.`
  );
}

/** `labbook pull [--experiment E|--filter F] [--since T] [--remote NAME] [--json]`. */
export async function pullCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      experiment: { type: 'string', short: 'e' },
      filter: { type: 'string', short: 'f' },
      since: { type: 'string' },
      remote: { type: 'string', short: 'r' },
      json: { type: 'boolean' },
      'progress-json': { type: 'boolean' },
    },
  });
  const since = values.since === undefined ? undefined : parseSince(values.since);
  return withWorkspace(async ({ root, store }) => {
    const remote = remoteErrors(() => findRemote(root, values.remote));
    const client = remoteErrors(() => clientFor(remote));
    const started = Date.now();
    const summary = await syncErrors('pull', () =>
      pull(store, client, new Ledger(store.dir, remote.url), { experiment: values.experiment, filter: values.filter, since }, (done) => {
        if (values['progress-json']) progressJson({ runsDone: done });
        else if (process.stderr.isTTY) process.stderr.write(`\rlabbook: pulled ${plural(done, 'run')}`);
      }),
    );
    endProgress();
    if (values.json) process.stdout.write(`${JSON.stringify({ remote: remote.name, url: remote.url, ...summary }, null, 2)}\n`);
    else process.stdout.write(`${pullLine(remote, summary, Date.now() - started)}\n`);
    return 0;
  }, true);
}

function pullLine(remote: Remote, s: PullSummary, ms: number): string {
  const own = s.own ? `; ${plural(s.own, 'run')} of this store left alone` : '';
  const files = s.artifacts ? `, ${plural(s.artifacts, 'file')} (${megabytes(s.artifactBytes)})` : '';
  return `Pulled ${plural(s.runs, 'run')} from ${remote.name} (${s.created} new${own}): ${count(s.points)} new points${files} in ${formatDuration(ms)}.`;
}

/** A time for --since: an ISO date or date-time, or an age such as 30m, 12h, 7d. */
export function parseSince(text: string, now = Date.now()): number {
  const age = /^(\d+)\s*([mhdw])$/.exec(text.trim());
  if (age) return now - Number(age[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[age[2] as 'm' | 'h' | 'd' | 'w'];
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new CliError(`--since takes a date (2026-01-31, 2026-01-31T12:00Z) or an age (30m, 12h, 7d), got '${text}'.`, 2);
  return at;
}

/** `labbook adopt RUN…`: a pulled run becomes a run of this store (writable; a push continues its remote run). */
export async function adoptCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length === 0) throw new CliError('Usage: labbook adopt RUN…', 2);
  return withWorkspace(({ store }) => {
    for (const ref of positionals) adopt(store, resolveRunRef(store, ref).id);
    return 0;
  });
}

function adopt(store: Store, runId: string): void {
  const origin = store.originOf(runId);
  if (origin === undefined) {
    process.stdout.write(`Run ${runId.slice(0, 8)} is already this store's own.\n`);
    return;
  }
  store.asImport(() => {
    store.deleteTag(runId, ORIGIN_TAG);
    store.setTags(runId, { 'labbook.adopted_from': origin });
  });
  process.stdout.write(
    `Adopted run ${runId.slice(0, 8)} from ${origin}: it is writable here, and a push to that remote continues the same remote run.\n`,
  );
}

async function syncErrors<T>(what: string, action: () => Promise<T>): Promise<T> {
  // Ctrl-C stops at once: the ledger already holds every acknowledged batch, so there is nothing to finish first.
  const interrupted = (): void => {
    endProgress();
    process.stderr.write(`labbook: ${what} interrupted; what the remote acknowledged is recorded: run the same command again to resume.\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    return await action();
  } catch (error) {
    endProgress();
    if (error instanceof SyncError)
      throw new CliError(
        `${what} stopped: ${error.message}\nNothing local was lost; what the remote acknowledged is recorded, so running the same command again resumes.`,
        1,
      );
    throw error;
  } finally {
    process.removeListener('SIGINT', interrupted);
  }
}

/** `--progress-json`: one JSON line of progress per step on stderr, for a program (the editor) to show. */
function progressJson(progress: Partial<PushProgress>): void {
  process.stderr.write(`${JSON.stringify({ progress })}\n`);
}

let progressShown = false;

function progressLine(): (p: PushProgress) => void {
  if (!process.stderr.isTTY) return () => undefined;
  return (p) => {
    progressShown = true;
    const percent = p.pointsTotal ? ` ${Math.floor((100 * p.points) / p.pointsTotal)}%` : '';
    process.stderr.write(
      `\rlabbook: push${percent} · ${p.runsDone}/${p.runsTotal} runs · ${count(p.points)}/${count(p.pointsTotal)} points · ${megabytes(p.bytes)} sent `,
    );
  };
}

function endProgress(): void {
  if (progressShown || process.stderr.isTTY) process.stderr.write(progressShown ? '\n' : '');
  progressShown = false;
}

function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
