// The `labbook` command: one table of subcommands, each a small module; errors become messages and exit codes.
import { join } from 'node:path';
import { version } from '../../package.json';
import { runtimeSummary } from '../capture/doctor';
import { damagedStoreMessage, isCorruption, StoreCorruptError } from '../store/integrity';
import { TRASH_DAYS } from '../store/trash';
import { ReadOnlyRunError, StoreTooNewError } from '../store/errors';
import { checkoutCommand } from './checkoutCommand';
import { doctorCommand } from './doctorCommand';
import { GATE_USAGE, gateCommand } from './gateCommand';
import { driftCommand } from './driftCommand';
import { IMPORT_USAGE, importCommand } from './importCommand';
import { lspCommand } from './lspCommand';
import { modelsCommand } from './modelsCommand';
import {
  compareCommand,
  exportCommand,
  gcCommand,
  logCommand,
  lsCommand,
  restoreCommand,
  rmCommand,
  showCommand,
  trashCommand,
} from './queryCommands';
import { QUEUE_USAGE, queueCommand } from './queueCommand';
import { runCommand } from './runCommand';
import { NOTEBOOK_USAGE, notebookCommand } from './notebookCommand';
import { serveCommand } from './serveCommand';
import { SWEEP_USAGE, sweepCommand } from './sweepCommand';
import { SERVE_MODEL_USAGE, serveModelCommand } from './serveModelCommand';
import { adoptCommand, pullCommand, pushCommand, remoteCommand } from './syncCommands';
import { CliError, findWorkspace } from './workspace';

interface Subcommand {
  summary: string;
  run: (args: string[]) => Promise<number>;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  run: {
    summary:
      'run [--queue] [--experiment E] [--name N] [--tag k=v] [--param k=v] [--reproduces <run>] [--debug [--debug-port P]] -- <command…>   track a command (or queue it; under debugpy with --debug)',
    run: runCommand,
  },
  notebook: { summary: `${NOTEBOOK_USAGE}   track a Jupyter kernel session (prints the line to run in the kernel)`, run: notebookCommand },
  queue: { summary: QUEUE_USAGE, run: queueCommand },
  sweep: { summary: `${SWEEP_USAGE}   run the command once per param set, each a tracked run (docs/sweeps.md)`, run: sweepCommand },
  ls: { summary: "ls [--json] [--filter 'metrics.acc > 0.9'] [--sort 'metrics.acc desc'] [--experiment E]   list runs", run: lsCommand },
  show: { summary: 'show <run> [--json]   params, metrics, git and artifacts of a run', run: showCommand },
  compare: {
    summary: 'compare <run> <run>… [--only-diff] [--tolerance REL[,ABS]]   params and metrics side by side; whether a rerun reproduced',
    run: compareCommand,
  },
  checkout: {
    summary: "checkout <run> [--into DIR] [--json]   the run's commit, uncommitted changes and input files in a git worktree (docs/reproduce.md)",
    run: checkoutCommand,
  },
  log: { summary: 'log <run>   console output of a run', run: logCommand },
  rm: { summary: 'rm [--purge] <run>…   move runs to the Trash (--purge: delete now)', run: rmCommand },
  trash: { summary: `trash [--json]   runs in the Trash (kept ${TRASH_DAYS} days)`, run: trashCommand },
  restore: { summary: 'restore <run>…   bring runs back from the Trash', run: restoreCommand },
  export: { summary: 'export [--format csv|json] [--filter F] [-o file]   export runs', run: exportCommand },
  serve: {
    summary: 'serve [--port 5000] [--host 127.0.0.1] [--token T]   MLflow-compatible tracking server for notebooks and scripts',
    run: serveCommand,
  },
  'serve-model': {
    summary: `${SERVE_MODEL_USAGE}   score a registered model (MLflow's /invocations, /predict) with Prometheus /metrics and drift`,
    run: serveModelCommand,
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
    run: modelsCommand,
  },
  gate: { summary: `${GATE_USAGE}   exit 0 if the candidate beats the current model, 1 if not, 2 on errors`, run: gateCommand },
  drift: {
    summary:
      'drift REFERENCE CURRENT [--columns a,b] [--target COL] [--json] [--report FILE.html] [--fail-on-drift]   data drift between two CSV/Parquet files',
    run: driftCommand,
  },
  import: {
    summary: `${IMPORT_USAGE}   runs logged by TensorBoard, Lightning/Keras CSV loggers, DVCLive or Hydra, with their own times`,
    run: importCommand,
  },
  remote: {
    summary: 'remote add NAME URL [--token-env VAR] | remote ls | remote rm NAME   MLflow tracking servers to sync with (docs/sync.md)',
    run: remoteCommand,
  },
  push: { summary: 'push [RUN…|--experiment E|--filter F] [--remote NAME] [--json]   copy runs to a remote (only what is new)', run: pushCommand },
  pull: {
    summary:
      "pull [--run ID…|--experiment E|--filter F] [--since T] [--lazy-above N|--full-histories] [--remote NAME] [--json]   bring a remote's runs here (read-only)",
    run: pullCommand,
  },
  adopt: { summary: 'adopt <run>…   make a pulled run a run of this store (writable)', run: adoptCommand },
  lsp: { summary: 'lsp --stdio   language server: metrics inline in any LSP editor (docs/lsp.md)', run: lspCommand },
  gc: { summary: 'gc [--dry-run]   free stored files no run references', run: gcCommand },
  doctor: { summary: 'doctor [--python P] [--json]   runtime, SQLite driver, store, Python packages and git: what is wrong', run: doctorCommand },
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

if (require.main === module) {
  // Exit only once stdout is flushed: on some platforms pipes are asynchronous and a large --json would be cut.
  const exit = (code: number): void => void process.stdout.write('', () => process.exit(code));
  main(process.argv.slice(2)).then(exit, (error: unknown) => exit(reportError(error)));
}
