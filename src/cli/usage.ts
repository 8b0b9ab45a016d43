// The usage lines of subcommands, apart from their modules: `labbook help` lists them without loading each command.

/** `labbook gate`'s usage line. */
export const GATE_USAGE =
  'gate --model NAME --metric M [--higher-is-better|--lower-is-better] [--min-delta D] [--metric …] [--against Production|@alias|<run>] [--candidate <run>] [--promote] [--report FILE.md] [--json]';

/** `labbook import`'s usage line. */
export const IMPORT_USAGE = 'import PATH… [--experiment E] [--again] [--json]';

/** `labbook notebook`'s usage line. */
export const NOTEBOOK_USAGE = 'notebook [--experiment E] [--name N] [--notebook file.ipynb]';

/** `labbook queue`'s usage: one line per queue subcommand. */
export const QUEUE_USAGE = [
  'queue add [--experiment E] [--name N] [--tag k=v] [--param k=v] -- <command…>   queue a run (also: labbook run --queue …)',
  '  labbook queue ls [--json]   waiting, running and ended entries',
  '  labbook queue cancel ID   cancel a waiting entry, or stop a running one (its run ends KILLED)',
  '  labbook queue move ID --to N|--up|--down   reorder waiting entries',
  '  labbook queue retry ID   put a failed or cancelled entry back at the end',
  '  labbook queue worker [--parallel K] [--once]   run queued entries K at a time (default: one per GPU, else one per two cores)',
].join('\n');

/** `labbook sweep`'s usage lines. */
export const SWEEP_USAGE =
  'sweep [NAME] [--grid lr=0.1,0.01] [--grid seed=1..3] [--random N --param "lr=loguniform(1e-4,1e-1)"] [--parallel K] [--name S] [--seed X] [--experiment E] [--dry-run|--queue] -- <command…>\n' +
  '  labbook sweep --optuna --metric val_loss [--minimize|--maximize] [--trials 20] [--pruner median|none] [--python P] --param "lr=loguniform(1e-4,1e-1)" -- <command…>';

/** `labbook serve-model`'s usage line. */
export const SERVE_MODEL_USAGE =
  'serve-model NAME[/Stage|@alias|/version] [--port 5001] [--host 127.0.0.1] [--token T] [--python P] [--window 1000] [--drift-interval 10] [--log-sample 1] [--log-keep 10000]';
