// Workspace configuration: labbook.yaml (or .labbook.yaml) at the workspace root, described in
// docs/configuration.md. A bad config never stops a run: each bad field warns and falls back to its default.
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseGates, type GateConfig } from './gateConfig';
import { parseSweeps, type SweepConfig } from './sweepConfig';
import { DEFAULT_DRIFT_SHARE, DRIFT_METHODS, type ColumnDriftSettings, type DriftMethod } from '../core/drift';
import { metricPatternProblem } from './scalarParser';
import { parseYamlText } from './yamlText';

export { matchesAny } from './glob';

/** Everything labbook.yaml can set; every field is filled (from the defaults when the file is silent). */
export interface LabbookConfig {
  /** Experiment new runs go to unless the command names one. */
  experiment?: string;
  metrics: {
    /** Extra regular expressions with named groups `key`, `value` (optional `step`). */
    patterns: string[];
    /** Metric key globs to keep (empty: all). */
    include: string[];
    /** Metric key globs to drop. */
    exclude: string[];
    /** false turns off the built-in printed-output rules. */
    builtin: boolean;
    /** true also records step markers written as pairs (`step=3`) as metrics. */
    recordStepMarkers: boolean;
    /** Read the TensorBoard, CSV logger and DVCLive files a run writes while it runs. */
    fromLogFiles: boolean;
  };
  params: {
    /** Params files relative to the run's cwd, read in order (later files win). */
    files: string[];
    /** Read params from the script's command-line arguments. */
    fromArgv: boolean;
  };
  artifacts: {
    /** Globs (relative to the run's cwd) of files a run writes that are kept as outputs. */
    outputs: string[];
    /**
     * Globs of files recorded as inputs in addition to the files the run reads (Python); unset, programs whose
     * reads are not recorded get the files under data/ they did not change.
     */
    inputs?: string[];
    /** Folders outside the workspace whose files a run reads are inputs too (shared datasets). */
    dataRoots: string[];
    /** Lower-case extensions (with the dot) of files that are models. */
    modelExtensions: string[];
    /** Files larger than this are recorded without storing their bytes. */
    maxFileBytes: number;
  };
  /** The metric that ranks runs (compare views, "best run"). */
  primaryMetric?: string;
  /** Model gates (Testing view, `labbook gate`). */
  gates: GateConfig[];
  /** Named sweeps (`labbook sweep NAME`). */
  sweeps: Record<string, SweepConfig>;
  environment: {
    /** Names (globs) of environment variables recorded with each run's environment. */
    variables: string[];
  };
  system: {
    /** Seconds between system metric samples after the run's first minute. */
    interval: number;
    /** Seconds between samples in the first minute (short runs get a curve too). */
    firstMinuteInterval: number;
  };
  /** MLflow tracking servers to push runs to and pull them from, by name (`labbook remote add`). */
  remotes: Record<string, RemoteConfig>;
  drift: {
    /** Dataset drift when at least this share of the compared columns drifted. */
    driftShare: number;
    /** Columns never compared. */
    ignore: string[];
    /** Method and threshold per column name. */
    columns: Record<string, ColumnDriftSettings>;
  };
}

/** One remote: its URL and, when it needs a token, the environment variable holding it (never the token). */
export interface RemoteConfig {
  url: string;
  tokenEnv?: string;
}

const MODEL_EXTENSIONS = [
  '.pkl',
  '.joblib',
  '.pt',
  '.pth',
  '.onnx',
  '.safetensors',
  '.h5',
  '.keras',
  '.ckpt',
  '.bin',
  '.pb',
  '.tflite',
  '.mlmodel',
  '.cbm',
  '.lgb',
  '.xgb',
];
const OUTPUT_DIRS = ['outputs', 'output', 'models', 'model', 'checkpoints', 'artifacts', 'results'];

/** The configuration used where labbook.yaml says nothing; frozen, so copy before changing. */
export const DEFAULT_CONFIG: LabbookConfig = deepFreeze({
  metrics: { patterns: [], include: [], exclude: [], builtin: true, recordStepMarkers: false, fromLogFiles: true },
  params: { files: ['params.yaml', 'params.json'], fromArgv: true },
  artifacts: {
    // Anywhere below the run folder: a script in examples/iris/ run from the repo root writes examples/iris/models/.
    outputs: [...OUTPUT_DIRS.map((dir) => `**/${dir}/**`), ...MODEL_EXTENSIONS.map((ext) => `**/*${ext}`)],
    modelExtensions: MODEL_EXTENSIONS,
    dataRoots: [],
    maxFileBytes: 2 * 1024 ** 3,
  },
  gates: [],
  sweeps: {},
  environment: { variables: ['CUDA_VISIBLE_DEVICES', 'OMP_NUM_THREADS', 'PYTHONHASHSEED'] },
  system: { interval: 5, firstMinuteInterval: 1 },
  remotes: {},
  drift: { driftShare: DEFAULT_DRIFT_SHARE, ignore: [], columns: {} },
});

/** The file names looked for, in order of preference. */
export const CONFIG_FILE_NAMES = ['labbook.yaml', '.labbook.yaml'] as const;
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Result of reading a workspace's configuration. */
export interface LoadedConfig {
  config: LabbookConfig;
  /** Human-readable problems, each naming the file and the field; the config is still usable. */
  warnings: string[];
  /** The file that was read, or null when there is none. */
  path: string | null;
}

/** Reads labbook.yaml (or .labbook.yaml) at `workspaceDir`; never throws for a bad or unreadable file. */
export function loadConfig(workspaceDir: string): LoadedConfig {
  const warnings: string[] = [];
  const found = CONFIG_FILE_NAMES.map((name) => join(workspaceDir, name)).filter(isFile);
  if (found.length === 0) return { config: defaults(), warnings, path: null };
  const path = found[0];
  if (found.length > 1) warnings.push(`${basename(found[1])} is ignored because ${basename(path)} exists`);
  const raw = readConfigData(path, warnings);
  return { config: raw === undefined ? defaults() : validateConfig(raw, basename(path), warnings), warnings, path };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The parsed file, or undefined (with a warning) when it cannot be read or parsed. */
function readConfigData(path: string, warnings: string[]): unknown {
  const name = basename(path);
  try {
    if (statSync(path).size > MAX_CONFIG_BYTES) {
      warnings.push(`${name} is larger than ${MAX_CONFIG_BYTES} bytes; using the defaults`);
      return undefined;
    }
    return parseYamlText(readFileSync(path, 'utf8').replace(/^\uFEFF/, '')) as unknown;
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    warnings.push(`${name} cannot be read: ${message}; using the defaults`);
    return undefined;
  }
}

/**
 * Checks parsed configuration data field by field: a field of the wrong type warns (naming the file and field)
 * and keeps its default; unknown keys and invalid metric patterns warn and are ignored.
 */
export function validateConfig(raw: unknown, fileName: string, warnings: string[]): LabbookConfig {
  const config = defaults();
  if (raw === null || raw === undefined) return config;
  const fields = new FieldReader(fileName, warnings);
  const root = fields.section(raw, '', [
    'experiment',
    'metrics',
    'params',
    'artifacts',
    'primaryMetric',
    'gates',
    'sweeps',
    'environment',
    'system',
    'remotes',
    'drift',
  ]);
  config.experiment = fields.name(root, 'experiment');
  config.primaryMetric = fields.name(root, 'primaryMetric');
  if (config.experiment === undefined) delete config.experiment;
  if (config.primaryMetric === undefined) delete config.primaryMetric;

  const metrics = fields.section(root.metrics, 'metrics', ['patterns', 'include', 'exclude', 'builtin', 'recordStepMarkers', 'fromLogFiles']);
  config.metrics.patterns = fields.patterns(metrics, 'metrics.patterns') ?? config.metrics.patterns;
  config.metrics.include = fields.strings(metrics, 'metrics.include') ?? config.metrics.include;
  config.metrics.exclude = fields.strings(metrics, 'metrics.exclude') ?? config.metrics.exclude;
  config.metrics.builtin = fields.boolean(metrics, 'metrics.builtin') ?? config.metrics.builtin;
  config.metrics.recordStepMarkers = fields.boolean(metrics, 'metrics.recordStepMarkers') ?? config.metrics.recordStepMarkers;
  config.metrics.fromLogFiles = fields.boolean(metrics, 'metrics.fromLogFiles') ?? config.metrics.fromLogFiles;

  const params = fields.section(root.params, 'params', ['files', 'fromArgv']);
  config.params.files = fields.strings(params, 'params.files') ?? config.params.files;
  config.params.fromArgv = fields.boolean(params, 'params.fromArgv') ?? config.params.fromArgv;

  const artifacts = fields.section(root.artifacts, 'artifacts', ['outputs', 'inputs', 'dataRoots', 'modelExtensions', 'maxFileBytes']);
  config.artifacts.outputs = fields.strings(artifacts, 'artifacts.outputs') ?? config.artifacts.outputs;
  const inputs = fields.strings(artifacts, 'artifacts.inputs');
  if (inputs) config.artifacts.inputs = inputs;
  config.artifacts.dataRoots = fields.strings(artifacts, 'artifacts.dataRoots') ?? config.artifacts.dataRoots;
  config.artifacts.modelExtensions =
    fields.strings(artifacts, 'artifacts.modelExtensions')?.map(normalizeExtension) ?? config.artifacts.modelExtensions;
  config.artifacts.maxFileBytes = fields.byteCount(artifacts, 'artifacts.maxFileBytes') ?? config.artifacts.maxFileBytes;
  config.gates = parseGates(root.gates, (message) => warnings.push(`${fileName}: ${message}`));
  config.sweeps = parseSweeps(root.sweeps, (message) => warnings.push(`${fileName}: ${message}`));

  const environment = fields.section(root.environment, 'environment', ['variables']);
  config.environment.variables = fields.strings(environment, 'environment.variables') ?? config.environment.variables;

  const system = fields.section(root.system, 'system', ['interval', 'firstMinuteInterval']);
  config.system.interval = fields.seconds(system, 'system.interval') ?? config.system.interval;
  config.system.firstMinuteInterval = fields.seconds(system, 'system.firstMinuteInterval') ?? config.system.firstMinuteInterval;
  const remotes = fields.section(root.remotes, 'remotes', Object.keys((root.remotes as object | undefined) ?? {}));
  for (const [name, value] of Object.entries(remotes)) {
    const remote = fields.remote(value, `remotes.${name}`);
    if (remote) config.remotes[name] = remote;
  }

  const drift = fields.section(root.drift, 'drift', ['driftShare', 'ignore', 'columns']);
  config.drift.driftShare = fields.fraction(drift, 'drift.driftShare') ?? config.drift.driftShare;
  config.drift.ignore = fields.strings(drift, 'drift.ignore') ?? config.drift.ignore;
  const columns = fields.section(drift.columns, 'drift.columns', Object.keys((drift.columns as object | undefined) ?? {}));
  for (const [column, value] of Object.entries(columns)) {
    const settings = fields.driftColumn(value, `drift.columns.${column}`);
    if (settings) config.drift.columns[column] = settings;
  }
  return config;
}

/** `PT` and `.Pt` both mean `.pt`: extensions are compared lower-case with their dot. */
function normalizeExtension(ext: string): string {
  const lower = ext.toLowerCase();
  return lower.startsWith('.') ? lower : `.${lower}`;
}

type Section = Record<string, unknown>;

/** Reads typed fields out of parsed YAML, warning (with the file and field name) about anything unusable. */
class FieldReader {
  constructor(
    private readonly fileName: string,
    private readonly warnings: string[],
  ) {}

  /** A mapping with the given keys; anything else warns and reads as empty. */
  section(value: unknown, path: string, known: readonly string[]): Section {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.warn(`${path || 'the top level'} must be a mapping; using the defaults${path ? ' for it' : ''}`);
      return {};
    }
    const section = value as Section;
    for (const key of Object.keys(section)) {
      if (!known.includes(key)) this.warn(`unknown key '${path ? `${path}.` : ''}${key}' is ignored`);
    }
    return section;
  }

  /** A non-blank string, or undefined. */
  name(section: Section, field: string): string | undefined {
    const value = section[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' && value.trim() !== '') return value;
    this.warn(`${field} must be a non-empty string; ignoring it`);
    return undefined;
  }

  /** A list of non-empty strings (a single string counts as a list of one), or undefined. */
  strings(section: Section, path: string): string[] | undefined {
    const value = section[leaf(path)];
    if (value === undefined || value === null) return undefined;
    const list: unknown = typeof value === 'string' ? [value] : value;
    if (Array.isArray(list) && list.every((item) => typeof item === 'string' && item !== '')) return [...(list as string[])];
    this.warn(`${path} must be a list of non-empty strings; using the default`);
    return undefined;
  }

  /** Metric patterns: the valid ones, with a warning for each invalid one. */
  patterns(section: Section, path: string): string[] | undefined {
    const sources = this.strings(section, path);
    return sources?.filter((source, i) => {
      const problem = metricPatternProblem(source);
      if (problem) this.warn(`${path}[${i}] /${source}/ is ignored: ${problem}`);
      return problem === null;
    });
  }

  boolean(section: Section, path: string): boolean | undefined {
    const value = section[leaf(path)];
    if (value === undefined || value === null || typeof value === 'boolean') return value ?? undefined;
    this.warn(`${path} must be true or false; using the default`);
    return undefined;
  }

  /** A whole number of bytes >= 0. */
  byteCount(section: Section, path: string): number | undefined {
    const value = section[leaf(path)];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    this.warn(`${path} must be a whole number of bytes (0 or more); using the default`);
    return undefined;
  }

  /** A number in (0, 1]. */
  /** A sampling interval: seconds from 0.1 to an hour. */
  seconds(section: Section, path: string): number | undefined {
    const value = section[leaf(path)];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && value >= 0.1 && value <= 3600) return value;
    this.warn(`${path} must be a number of seconds from 0.1 to 3600; using the default`);
    return undefined;
  }

  fraction(section: Section, path: string): number | undefined {
    const value = section[leaf(path)];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && value > 0 && value <= 1) return value;
    this.warn(`${path} must be a number above 0 and at most 1; using the default`);
    return undefined;
  }

  /** One column's drift settings: `method` (one of DRIFT_METHODS) and `threshold` (a number above 0). */
  driftColumn(value: unknown, path: string): ColumnDriftSettings | undefined {
    const section = this.section(value, path, ['method', 'threshold']);
    const settings: ColumnDriftSettings = {};
    const method = section.method;
    if (DRIFT_METHODS.includes(method as DriftMethod)) settings.method = method as DriftMethod;
    else if (method !== undefined) this.warn(`${path}.method must be one of ${DRIFT_METHODS.join(', ')}; using the default`);
    const threshold = section.threshold;
    if (typeof threshold === 'number' && threshold > 0) settings.threshold = threshold;
    else if (threshold !== undefined) this.warn(`${path}.threshold must be a number above 0; using the default`);
    return Object.keys(settings).length > 0 ? settings : undefined;
  }

  /** A remote: `url` (http or https) and an optional `tokenEnv` (an environment variable name). */
  remote(value: unknown, path: string): RemoteConfig | undefined {
    const section = this.section(value, path, ['url', 'tokenEnv']);
    const url = section.url;
    if (typeof url !== 'string' || !/^https?:\/\/[^/]/.test(url)) {
      this.warn(`${path}.url must be an http:// or https:// URL; ignoring this remote`);
      return undefined;
    }
    const tokenEnv = section.tokenEnv;
    if (tokenEnv === undefined || tokenEnv === null) return { url };
    if (typeof tokenEnv === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) return { url, tokenEnv };
    this.warn(`${path}.tokenEnv must be an environment variable name; ignoring it`);
    return { url };
  }

  private warn(message: string): void {
    this.warnings.push(`${this.fileName}: ${message}`);
  }
}

function leaf(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

function defaults(): LabbookConfig {
  return structuredClone(DEFAULT_CONFIG) as LabbookConfig;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
