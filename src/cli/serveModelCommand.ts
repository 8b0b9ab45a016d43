// `labbook serve-model NAME[/Stage|@alias|/version]`: a scoring server for a registered version (docs/serving.md).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { version as labbookVersion } from '../../package.json';
import { readSortedDataset } from '../capture/driftData';
import type { DatasetSample } from '../core/drift';
import { ModelsError } from '../models/models';
import { modelFilesOf, parseModelRef, resolveModelRef, trainingDataOf, type ModelRef } from '../models/servedVersion';
import { isLoopback } from '../server/crossSite';
import { announceServedModel } from '../server/scoring/discovery';
import { DEFAULT_INFERENCE_LOG } from '../server/scoring/inferenceLogger';
import { ModelProcess } from '../server/scoring/modelProcess';
import { startScoringServer, type DriftSettings } from '../server/scoring/scoringServer';
import type { Store } from '../store/store';
import { CliError, openWorkspace, pythonShimDir } from './workspace';
import { SERVE_MODEL_USAGE } from './usage';

function numberOption(text: string | undefined, name: string, check: (n: number) => boolean, what: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || !check(value)) throw new CliError(`--${name} takes ${what}, got '${text}'.`, 2);
  return value;
}

// The model's files are linked (not copied) from the blob store into a folder laid out as the run stored them.
function modelFolder(files: { path: string; blobPath: string }[]): string {
  const folder = mkdtempSync(join(tmpdir(), 'labbook-serve-'));
  for (const file of files) {
    const target = join(folder, 'model', file.path);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(file.blobPath, target);
  }
  return folder;
}

async function driftReference(store: Store, name: string, version: number, log: (line: string) => void): Promise<DatasetSample | undefined> {
  const data = trainingDataOf(store, name, version);
  if ('reason' in data) {
    log(`no drift gauge: ${data.reason}`);
    return undefined;
  }
  const [file] = data.files;
  try {
    return await readSortedDataset(file.blobPath, { format: file.format });
  } catch (error) {
    log(`no drift gauge: the training data ${file.path} cannot be read: ${(error as Error).message}`);
    return undefined;
  }
}

function stageLabel(ref: ModelRef): string | undefined {
  return ref.stage ?? (ref.alias !== undefined ? `@${ref.alias}` : undefined);
}

/** `labbook serve-model`: serves a registered version until Ctrl-C or SIGTERM. */
export async function serveModelCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string', short: 'p', default: '5001' },
      host: { type: 'string', default: '127.0.0.1' },
      token: { type: 'string' },
      python: { type: 'string' },
      window: { type: 'string' },
      'drift-interval': { type: 'string' },
      'log-sample': { type: 'string' },
      'log-keep': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new CliError(`Usage: labbook ${SERVE_MODEL_USAGE}`, 2);
  const port = numberOption(values.port, 'port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port number')!;
  const window = numberOption(values.window, 'window', (n) => Number.isInteger(n) && n >= 1, 'a number of rows') ?? 1000;
  const intervalS = numberOption(values['drift-interval'], 'drift-interval', (n) => n > 0, 'seconds') ?? 10;
  const sample = numberOption(values['log-sample'], 'log-sample', (n) => n >= 0 && n <= 1, 'a share between 0 and 1') ?? DEFAULT_INFERENCE_LOG.sample;
  const keep = numberOption(values['log-keep'], 'log-keep', (n) => Number.isInteger(n) && n >= 1, 'a number of rows') ?? DEFAULT_INFERENCE_LOG.keep;
  const token = values.token ?? process.env.LABBOOK_SERVE_TOKEN ?? randomBytes(24).toString('hex');
  const log = (line: string): void => void process.stderr.write(`labbook: ${line}\n`);

  const workspace = await openWorkspace(process.cwd());
  const store = workspace.store;
  const ref = parseModelRef(positionals[0]);
  let folder: string | undefined;
  let model: ModelProcess | undefined;
  try {
    const modelVersion = resolveModelRef(store, ref);
    // A registered file is linked alone into the folder, where serving.py finds it as the folder's one pickle.
    folder = modelFolder(modelFilesOf(store, modelVersion));
    model = new ModelProcess({
      python: values.python ?? process.env.LABBOOK_PYTHON ?? 'python3',
      script: join(pythonShimDir(), 'labbook', 'serving.py'),
      modelPath: join(folder, 'model'),
      log: (line) => log(`model: ${line}`),
    });
    const info = await model.start().catch((error: Error) => {
      throw new CliError(`${modelVersion.name} version ${modelVersion.version}: ${error.message}`, 1);
    });
    const reference = await driftReference(store, modelVersion.name, modelVersion.version, log);
    const drift: DriftSettings | undefined = reference ? { reference, window, intervalMs: intervalS * 1000 } : undefined;
    const server = await startScoringServer({
      model,
      info,
      name: modelVersion.name,
      version: modelVersion.version,
      host: values.host,
      port,
      token,
      serverVersion: labbookVersion,
      inferenceLog: { store, options: { ...DEFAULT_INFERENCE_LOG, sample, keep } },
      drift,
      window,
      log,
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        throw new CliError(`Port ${port} on ${values.host} is in use: pick another with --port (0 takes a free one).`, 2);
      throw error;
    });
    const removeAnnouncement = announceServedModel(store.dir, {
      pid: process.pid,
      url: server.url,
      token,
      model: modelVersion.name,
      version: modelVersion.version,
      ...(stageLabel(ref) ? { stage: stageLabel(ref) } : {}),
      startedAt: new Date().toISOString(),
    });
    process.stdout.write(
      [
        `Serving ${modelVersion.name} version ${modelVersion.version} (${info.flavor}, ${info.task}) at ${server.url}`,
        `  POST ${server.url}/invocations   GET ${server.url}/metrics`,
        `  token: ${values.token || process.env.LABBOOK_SERVE_TOKEN ? '<the one you gave>' : token}  (send Authorization: Bearer <token>)`,
        isLoopback(values.host) ? '' : `  listening on ${values.host}: reachable beyond this machine, with the token`,
        'Press Ctrl-C to stop.',
        '',
      ]
        .filter((line, i, all) => line || i === all.length - 1)
        .join('\n'),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    removeAnnouncement();
    await server.close();
    return 0;
  } catch (error) {
    if (error instanceof ModelsError) throw new CliError(error.message, 2);
    throw error;
  } finally {
    await model?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
    store.close();
  }
}
