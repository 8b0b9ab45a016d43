// `labbook models …`: the model registry from a terminal (ls, register, promote, alias, history, card). Every change
// is recorded in the audit trail as the git user (or OS user), from `cli` (or `ci` inside a CI job).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GateDataError } from '../core/gate';
import { formatDateTime, formatMetric, runsJson } from '../core/format';
import { describeAudit, modelCard } from '../models/card';
import { ModelsError, ModelsService } from '../models/models';
import { AlreadyExistsError, InvalidValueError, NotFoundError } from '../store/errors';
import { localActor } from '../store/modelAudit';
import { parseStage } from '../store/registry';
import { RunRefError } from '../store/runRefs';
import type { Store } from '../store/store';
import { formatTable } from './format';
import { CliError, openWorkspace } from './workspace';

/** Errors that mean "you asked for something that is not there or not allowed": exit code 2, no stack trace. */
const USER_ERRORS = [GateDataError, ModelsError, NotFoundError, InvalidValueError, AlreadyExistsError, RunRefError];

/** Runs `action` with the workspace's store and a models service acting as this CLI user; user errors exit 2. */
export async function withModels<T>(action: (service: ModelsService, store: Store) => T): Promise<T> {
  const workspace = await openWorkspace(process.cwd());
  for (const warning of workspace.warnings) process.stderr.write(`labbook: warning: ${warning}\n`);
  try {
    return action(new ModelsService(workspace.store, () => localActor('cli', { cwd: workspace.root })), workspace.store);
  } catch (error) {
    if (USER_ERRORS.some((kind) => error instanceof kind)) throw new CliError((error as Error).message, 2);
    throw error;
  } finally {
    workspace.store.close();
  }
}

/** A version number as typed: `3` or `v3`. */
export function parseVersion(text: string | undefined): number {
  const match = /^v?(\d+)$/i.exec(text ?? '');
  const version = match ? Number(match[1]) : NaN;
  if (!(version >= 1)) throw new CliError(`A version is a number such as 3 (or v3), got '${text ?? ''}'.`, 2);
  return version;
}

function usageError(usage: string): CliError {
  return new CliError(`Usage: labbook models ${usage}`, 2);
}

function lsModels(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (positionals.length > 1) throw usageError('ls [NAME] [--json]');
  return withModels((service) => {
    const models = service.list(positionals[0]);
    if (values.json) {
      process.stdout.write(`${runsJson(models, 2)}\n`);
      return 0;
    }
    if (models.length === 0) {
      process.stdout.write('No registered models yet. Register one with: labbook models register @last --name NAME\n');
      return 0;
    }
    const rows = models.flatMap((model) =>
      model.versions.map((v) => [
        model.name,
        `v${v.version}`,
        v.stage,
        v.aliases.map((a) => `@${a}`).join(' '),
        v.runName ?? v.runId?.slice(0, 8) ?? '',
        v.keyMetric ? `${v.keyMetric.key}=${formatMetric(v.keyMetric.value)}` : '',
        v.modelSha256?.slice(0, 12) ?? '',
        formatDateTime(v.createdAt),
      ]),
    );
    process.stdout.write(`${formatTable(['MODEL', 'VERSION', 'STAGE', 'ALIASES', 'RUN', 'METRIC', 'MODEL FILE', 'CREATED'], rows)}\n`);
    return 0;
  });
}

function register(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { name: { type: 'string', short: 'n' }, path: { type: 'string' }, description: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw usageError('register <run> [--name N] [--path artifact]');
  return withModels((service) => {
    const version = service.register(positionals[0], values);
    process.stdout.write(`Registered ${version.name} v${version.version} from ${version.source}\n`);
    return 0;
  });
}

function promote(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { stage: { type: 'string', short: 's' }, 'archive-existing': { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const usage = 'promote NAME VERSION --stage Staging|Production|Archived|None [--archive-existing]';
  if (positionals.length !== 2 || values.stage === undefined) throw usageError(usage);
  const version = parseVersion(positionals[1]);
  return withModels((service) => {
    const stage = parseStage(values.stage!);
    const before = service.registry.listVersions(positionals[0]).filter((v) => v.stage === stage && v.version !== version);
    const moved = service.promote(positionals[0], version, stage, values['archive-existing'] ?? false);
    const archived = values['archive-existing'] && stage !== 'None' && stage !== 'Archived' ? before.map((v) => `v${v.version}`) : [];
    process.stdout.write(`${moved.name} v${moved.version} → ${moved.stage}${archived.length ? ` (archived ${archived.join(', ')})` : ''}\n`);
    return 0;
  });
}

function alias(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { remove: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const [name, aliasName, versionText] = positionals;
  if (values.remove ? positionals.length !== 2 : positionals.length !== 3)
    throw usageError('alias NAME ALIAS VERSION   (or: alias NAME ALIAS --remove)');
  const label = aliasName.replace(/^@/, '');
  return withModels((service) => {
    if (values.remove) {
      service.removeAlias(name, label);
      process.stdout.write(`${name}: alias @${label} removed\n`);
      return 0;
    }
    const version = parseVersion(versionText);
    service.setAlias(name, label, version);
    process.stdout.write(`${name}: @${label} → v${version}\n`);
    return 0;
  });
}

function history(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, version: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw usageError('history NAME [--version V] [--json]');
  const version = values.version === undefined ? undefined : parseVersion(values.version);
  return withModels((service) => {
    const trail = service.history(positionals[0], version);
    if (values.json) process.stdout.write(`${JSON.stringify(trail, null, 2)}\n`);
    else process.stdout.write(trail.length ? `${trail.map(describeAudit).join('\n')}\n` : `No recorded changes of ${positionals[0]} yet.\n`);
    return 0;
  });
}

function card(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { output: { type: 'string', short: 'o' }, 'intended-use': { type: 'string' }, notes: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 2) throw usageError('card NAME VERSION [-o FILE] [--intended-use TEXT] [--notes TEXT]');
  const version = parseVersion(positionals[1]);
  return withModels((service, store) => {
    if (values['intended-use'] !== undefined || values.notes !== undefined) {
      service.setCardText(positionals[0], version, { intendedUse: values['intended-use'], notes: values.notes });
    }
    const text = modelCard(store, service, positionals[0], version);
    if (values.output === undefined) {
      process.stdout.write(text);
      return 0;
    }
    writeFileSync(resolve(values.output), text);
    process.stderr.write(`labbook: wrote the model card of ${positionals[0]} v${version} to ${values.output}\n`);
    return 0;
  });
}

const MODEL_COMMANDS: Record<string, (args: string[]) => Promise<number>> = { ls: lsModels, register, promote, alias, history, card };

/** `labbook models <ls|register|promote|alias|history|card> …`. */
export async function modelsCommand(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const command = name === undefined ? undefined : MODEL_COMMANDS[name];
  if (!command) throw new CliError(`Usage: labbook models ${Object.keys(MODEL_COMMANDS).join('|')} … (labbook help lists their options)`, 2);
  return command(rest);
}
