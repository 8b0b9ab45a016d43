// The `labbook` command: one table of subcommands, each a small module; errors become messages and exit codes.
import { join } from 'node:path';
import { version } from '../../package.json';
import { runtimeSummary } from '../capture/doctor';
import { damagedStoreMessage, isCorruption, StoreCorruptError } from '../store/integrity';
import { TRASH_DAYS } from '../store/trash';
import { ReadOnlyRunError, StoreTooNewError } from '../store/errors';
import { GATE_USAGE, IMPORT_USAGE, NOTEBOOK_USAGE, QUEUE_USAGE, SERVE_MODEL_USAGE, SWEEP_USAGE } from './usage';
import { CliError, findWorkspace } from './workspace';

type Command = (args: string[]) => Promise<number>;

interface Subcommand {
  summary: string;
  run: Command;
}

/**
 * A command whose module is loaded (and its imports initialised) only when it runs: `labbook ls --json` then does
 * not start the MLflow server's protobuf, the sync client, parquet readers or the language server.
 */
function lazy<M>(load: () => Promise<M>, pick: (module: M) => Command): Command {
  return async (args) => pick(await load())(args);
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  run: {
    summary:
      'run [--queue] [--experiment E] [--name N] [--tag k=v] [--param k=v] [--reproduces <run>] [--debug [--debug-port P]] -- <command…>   track a command (or queue it; under debugpy with --debug)',
    run: lazy(
      () => import('./runCommand.js'),
      (m) => m.runCommand,
    ),
  },
  notebook: {
    summary: `${NOTEBOOK_USAGE}   track a Jupyter kernel session (prints the line to run in the kernel)`,
    run: lazy(
      () => import('./notebookCommand.js'),
      (m) => m.notebookCommand,
    ),
  },
  queue: {
    summary: QUEUE_USAGE,
    run: lazy(
      () => import('./queueCommand.js'),
      (m) => m.queueCommand,
    ),
  },
  sweep: {
    summary: `${SWEEP_USAGE}   run the command once per param set, each a tracked run (docs/sweeps.md)`,
    run: lazy(
      () => import('./sweepCommand.js'),
      (m) => m.sweepCommand,
    ),
  },
  ls: {
    summary: "ls [--json] [--filter 'metrics.acc > 0.9'] [--sort 'metrics.acc desc'] [--experiment E]   list runs",
    run: lazy(
      () => import('./queryCommands.js'),
      (m) => m.lsCommand,
    ),
  },
  show: {
    summary: 'show <run> [--json]   params, metrics, git and artifacts of a run',
    run: lazy(
      () => import('./queryCommands.js'),
      (m) => m.showCommand,
    ),
  },
  compare: {
    summary: 'compare <run> <run>… [--only-diff] [--tolerance REL[,ABS]]   params and metrics side by side; whether a rerun reproduced',
    run: lazy(
      () => import('./queryCommands.js'),
      (m) => m.compareCommand,
    ),
  },
  checkout: {
    summary: "checkout <run> [--into DIR] [--json]   the run's commit, uncommitted changes and input files in a git worktree (docs/reproduce.md)",
    run: lazy(
      () => import('./checkoutCommand.js'),
      (m) => m.checkoutCommand,
    ),
  },
  log: {
    summary: 'log <run>   console output of a run',
    run: lazy(
      () => import('./queryCommands.js'),
      (m) => m.logCommand,
    ),
  },
  rm: {
    summary: 'rm [--purge] <run>…   move runs to the Trash (--purge: delete now)',
    run: lazy(
      () => import('./queryCommands.js'),
      (m) => m.rmCommand,
    ),
  },
  trash: {
    summary: `trash [--json]   runs in the Trash (kept ${TRASH_DAYS} days)`,
    run: lazy(
      () => import('./queryCommands.js'),
      (m) => m.trashCommand,
    ),
  },
  restore: {
    summary: 'restore <run>…   bring runs back from the Trash',
    run: lazy(
      () => import('./queryCommands.js'),
      (m) => m.restoreCommand,
    ),
  },
  export: {
    summary: 'export [--format csv|json] [--filter F] [-o file]   export runs',
    run: lazy(
      () => import('./queryCommands.js'),
      (m) => m.exportCommand,
    ),
  },
  serve: {
    summary: 'serve [--port 5000] [--host 127.0.0.1] [--token T]   MLflow-compatible tracking server for notebooks and scripts',
    run: lazy(
      () => import('./serveCommand.js'),
      (m) => m.serveCommand,
    ),
  },
  'serve-model': {
    summary: `${SERVE_MODEL_USAGE}   score a registered model (MLflow's /invocations, /predict) with Prometheus /metrics and drift`,
    run: lazy(
      () => import('./serveModelCommand.js'),
      (m) => m.serveModelCommand,
    ),
  },
  models: {
    summary: [
      'models ls [NAME] [--json]   registered models and their versions',
      "  labbook models register <run> [--name N] [--path artifact]   register a run's model file as a new version",
      '  labbook models promote NAME VERSION --stage Production [--archive-existing]   move a version to a stage',
      '  labbook models alias NAME ALIAS VERSION   point an alias (champion…) at a version (--remove to drop it)',
      '  labbook models history NAME [--version V] [--json]   who changed stages and aliases, when, from where',
      '  labbook models card NAME VERSION [-o FILE] [--intended-use T] [--notes T]   the model card (Markdown)',
    ].join('\n'),
    run: lazy(
      () => import('./modelsCommand.js'),
      (m) => m.modelsCommand,
    ),
  },
  gate: {
    summary: `${GATE_USAGE}   exit 0 if the candidate beats the current model, 1 if not, 2 on errors`,
    run: lazy(
      () => import('./gateCommand.js'),
      (m) => m.gateCommand,
    ),
  },
  drift: {
    summary:
      'drift REFERENCE CURRENT [--columns a,b] [--target COL] [--json] [--report FILE.html] [--fail-on-drift]   data drift between two CSV/Parquet files',
    run: lazy(
      () => import('./driftCommand.js'),
      (m) => m.driftCommand,
    ),
  },
  import: {
    summary: `${IMPORT_USAGE}   runs logged by TensorBoard, Lightning/Keras CSV loggers, DVCLive or Hydra, with their own times`,
    run: lazy(
      () => import('./importCommand.js'),
      (m) => m.importCommand,
    ),
  },
  remote: {
    summary: 'remote add NAME URL [--token-env VAR] | remote ls | remote rm NAME   MLflow tracking servers to sync with (docs/sync.md)',
    run: lazy(
      () => import('./syncCommands.js'),
      (m) => m.remoteCommand,
    ),
  },
  push: {
    summary: 'push [RUN…|--experiment E|--filter F] [--remote NAME] [--json]   copy runs to a remote (only what is new)',
    run: lazy(
      () => import('./syncCommands.js'),
      (m) => m.pushCommand,
    ),
  },
  pull: {
    summary:
      "pull [--run ID…|--experiment E|--filter F] [--since T] [--lazy-above N|--full-histories] [--remote NAME] [--json]   bring a remote's runs here (read-only)",
    run: lazy(
      () => import('./syncCommands.js'),
      (m) => m.pullCommand,
    ),
  },
  adopt: {
    summary: 'adopt <run>…   make a pulled run a run of this store (writable)',
    run: lazy(
      () => import('./syncCommands.js'),
      (m) => m.adoptCommand,
    ),
  },
  lsp: {
    summary: 'lsp --stdio   language server: metrics inline in any LSP editor (docs/lsp.md)',
    run: lazy(
      () => import('./lspCommand.js'),
      (m) => m.lspCommand,
    ),
  },
  gc: {
    summary: 'gc [--dry-run]   free stored files no run references',
    run: lazy(
      () => import('./queryCommands.js'),
      (m) => m.gcCommand,
    ),
  },
  doctor: {
    summary: 'doctor [--python P] [--json]   runtime, SQLite driver, store, Python packages and git: what is wrong',
    run: lazy(
      () => import('./doctorCommand.js'),
      (m) => m.doctorCommand,
    ),
  },
};

function usage(): string {
  const lines = Object.values(SUBCOMMANDS).map((command) => `  labbook ${command.summary}`);
  return [
    'Labbook: experiment tracking for training runs.',
    '',
    'Usage:',
    ...lines,
    '',
    'A <run> is an id or id prefix, a run name, @last, or @best:<metric>[:min|max].',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`labbook ${version} (${runtimeSummary()})\n`);
    return 0;
  }
  const command = SUBCOMMANDS[name];
  if (!command) {
    process.stderr.write(`labbook: unknown command '${name}'.\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CliError) {
    process.stderr.write(`labbook: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof ReadOnlyRunError) {
    process.stderr.write(`labbook: ${error.message}\n`);
    return 1;
  }
  if (error instanceof StoreCorruptError || error instanceof StoreTooNewError) {
    process.stderr.write(`labbook: ${error.message}\n`);
    return 2;
  }
  // Damage past the open checks shows up when SQLite reads the page.
  if (isCorruption(error)) {
    process.stderr.write(`labbook: ${damagedStoreMessage(join(findWorkspace(process.cwd()).storeDir, 'labbook.db'), (error as Error).message)}\n`);
    return 2;
  }
  // parseArgs reports unknown or malformed options with these codes.
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`labbook: ${(error as Error).message}\n`);
    return 2;
  }
  process.stderr.write(`labbook: ${(error as Error).stack ?? String(error)}\n`);
  return 1;
}

/** Runs the command line of this process and exits with its code (dist/cli.js calls it; so does running this file). */
export function start(): void {
  // Exit only once stdout is flushed: on some platforms pipes are asynchronous and a large --json would be cut.
  const exit = (code: number): void => void process.stdout.write('', () => process.exit(code));
  main(process.argv.slice(2)).then(exit, (error: unknown) => exit(reportError(error)));
}

if (require.main === module) start();
