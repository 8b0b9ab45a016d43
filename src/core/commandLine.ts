// Command lines the extension launches. Labbook runs commands directly (no shell), so a typed command line is
// split into words the way a POSIX shell would, and anything only a shell could do (pipes, redirects,
// `$VAR`, `~`) is refused with a message instead of being passed on as a literal and failing obscurely.
import { LABBOOK_DEBUG_TYPE } from './debugAttach';

/** A command line or launch configuration Labbook cannot run; the message says why. */
export class CommandLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandLineError';
  }
}

const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '`']);
const BLANK = new Set([' ', '\t', '\n', '\r']);
// Inside double quotes a backslash escapes only these (POSIX); elsewhere it stays literal.
const DQUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\', '\n']);

function shellOnly(what: string, column: number): CommandLineError {
  return new CommandLineError(`${what} at column ${column} needs a shell, and Labbook runs the command without one. Quote it, or run sh -c '…'.`);
}

function isExpansion(text: string, i: number): boolean {
  return text[i] === '$' && /[A-Za-z_{(0-9@*#?$!-]/.test(text[i + 1] ?? '');
}

/** Splits a command line into words with POSIX shell quoting: '…', "…" and backslash escapes. Throws CommandLineError. */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (BLANK.has(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new CommandLineError(`Unterminated ' quote starting at column ${i + 1}.`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const read = readDoubleQuoted(text, i);
      word += read.value;
      inWord = true;
      i = read.end;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new CommandLineError('A command line cannot end with a backslash.');
      // Backslash-newline is a line continuation, as in a shell.
      if (text[i + 1] !== '\n') {
        word += text[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (OPERATORS.has(c)) {
      throw shellOnly(`'${c}'`, i + 1);
    } else if (isExpansion(text, i)) {
      throw shellOnly(`The expansion '${text.slice(i, i + 2)}…'`, i + 1);
    } else if (c === '~' && !inWord) {
      throw shellOnly("'~'", i + 1);
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function readDoubleQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\' && DQUOTE_ESCAPABLE.has(text[i + 1] ?? '')) {
      if (text[i + 1] !== '\n') value += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`' || isExpansion(text, i)) throw shellOnly(`'${text.slice(i, i + 2)}' inside double quotes`, i + 1);
    value += c;
    i++;
  }
  throw new CommandLineError(`Unterminated " quote starting at column ${start + 1}.`);
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word so splitCommandLine (and a POSIX shell) reads it back unchanged. */
export function quoteWord(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Joins words into a command line that splitCommandLine turns back into the same words. */
export function joinCommandLine(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}

/** What a launched run is recorded with, beyond its command. */
export interface RunnerFlags {
  experiment?: string;
  name?: string;
  tags?: Readonly<Record<string, string>>;
  params?: Readonly<Record<string, string>>;
  /** Run the Python command under debugpy listening on this port (`labbook run --debug-port`). */
  debugPort?: number;
}

function keyValueFlags(flag: string, pairs: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(pairs ?? {}).map(([key, value]) => {
    if (!key || key.includes('=')) throw new CommandLineError(`A ${flag} key must be non-empty and must not contain '=': ${JSON.stringify(key)}.`);
    return `--${flag}=${key}=${value}`;
  });
}

/**
 * Arguments for `node <cli> run [flags] -- <command…>`. Flags use the `--flag=value` form so a value that
 * starts with a dash is never read as another flag.
 */
export function runnerArgs(cliPath: string, flags: RunnerFlags, command: readonly string[]): string[] {
  if (command.length === 0 || !command[0]) throw new CommandLineError('There is no command to run.');
  const named = [
    ...(flags.experiment?.trim() ? [`--experiment=${flags.experiment.trim()}`] : []),
    ...(flags.name?.trim() ? [`--name=${flags.name.trim()}`] : []),
  ];
  const debug = flags.debugPort === undefined ? [] : [`--debug-port=${flags.debugPort}`];
  return [cliPath, 'run', ...named, ...keyValueFlags('tag', flags.tags), ...keyValueFlags('param', flags.params), ...debug, '--', ...command];
}

/** Last segment of a path written with either separator. */
export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  return trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1);
}

const PYTHON = /^python[0-9.]*(?:\.exe)?$/i;

/** True when the program is a Python interpreter (python, python3, python3.12, python.exe). */
export function isPythonProgram(program: string): boolean {
  return PYTHON.test(baseName(program));
}

/** What a command runs, for a terminal title: the script or module of a Python command, else the program. */
export function commandLabel(argv: readonly string[]): string {
  const [program = '', ...rest] = argv;
  if (!isPythonProgram(program)) return baseName(program) || 'command';
  const firstArg = rest.findIndex((arg) => !arg.startsWith('-') || arg === '-m' || arg === '-c');
  const arg = rest[firstArg];
  if (arg === '-m') return rest[firstArg + 1] ?? baseName(program);
  if (arg === '-c' || arg === undefined) return baseName(program);
  return baseName(arg);
}

/** Name of the terminal a run executes in. */
export function terminalName(argv: readonly string[]): string {
  return `Labbook: ${commandLabel(argv)}`;
}

/** Where the interpreter for "Run and Track Current File" may come from, best first. */
export interface InterpreterSources {
  /** The Python extension's active interpreter, when that extension is installed. */
  pythonExtension?: string;
  /** The `labbook.python.path` setting. */
  setting?: string;
  platform: string;
}

/** The Python extension's interpreter, else the setting, else python3 (python on Windows). */
export function chooseInterpreter(sources: InterpreterSources): string {
  const fromExtension = sources.pythonExtension?.trim();
  if (fromExtension) return fromExtension;
  const fromSetting = sources.setting?.trim();
  if (fromSetting) return fromSetting;
  return sources.platform === 'win32' ? 'python' : 'python3';
}

/** Values the `${…}` variables of a launch configuration stand for. */
export interface LaunchVariables {
  workspaceFolder: string;
  /** The active editor's file, when there is one. */
  file?: string;
  env: Readonly<Record<string, string | undefined>>;
  pathSeparator: string;
}

/** A launch configuration turned into a command Labbook can run. */
export interface LaunchCommand {
  name: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

/** True for a Python launch configuration (`python`, `debugpy` or Labbook's own `labbook-debugpy`, request `launch`). */
export function isPythonLaunchConfig(config: unknown): config is Record<string, unknown> {
  if (typeof config !== 'object' || config === null) return false;
  const { type, request } = config as Record<string, unknown>;
  return (type === 'python' || type === 'debugpy' || type === LABBOOK_DEBUG_TYPE) && request === 'launch';
}

function relativeTo(folder: string, file: string, separator: string): string {
  const prefix = folder.endsWith(separator) ? folder : folder + separator;
  return file.startsWith(prefix) ? file.slice(prefix.length) : file;
}

function variableValue(name: string, vars: LaunchVariables): string | undefined {
  if (name.startsWith('env:')) return vars.env[name.slice(4)] ?? '';
  const file = vars.file;
  const needsFile = (value: (f: string) => string): string => {
    if (file === undefined) throw new CommandLineError(`\${${name}} needs an open file, and no file is active.`);
    return value(file);
  };
  switch (name) {
    case 'workspaceFolder':
    case 'workspaceRoot':
      return vars.workspaceFolder;
    case 'workspaceFolderBasename':
      return baseName(vars.workspaceFolder);
    case 'pathSeparator':
    case '/':
      return vars.pathSeparator;
    case 'file':
      return needsFile((f) => f);
    case 'fileBasename':
      return needsFile(baseName);
    case 'fileBasenameNoExtension':
      return needsFile((f) => baseName(f).replace(/\.[^.]*$/, ''));
    case 'fileDirname':
      return needsFile((f) => f.slice(0, f.length - baseName(f).length).replace(/[\\/]$/, ''));
    case 'relativeFile':
      return needsFile((f) => relativeTo(vars.workspaceFolder, f, vars.pathSeparator));
    default:
      return undefined;
  }
}

/** Replaces the `${…}` variables Labbook can resolve; any other variable is an error. */
export function substituteVariables(text: string, vars: LaunchVariables): string {
  return text.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
    const value = variableValue(name, vars);
    if (value === undefined) throw new CommandLineError(`\${${name}} cannot be resolved outside the debugger.`);
    return value;
  });
}

function stringField(config: Record<string, unknown>, key: string): string | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new CommandLineError(`"${key}" must be a string.`);
  return value;
}

function argsField(config: Record<string, unknown>, vars: LaunchVariables): string[] {
  const args = config.args;
  if (args === undefined) return [];
  if (typeof args === 'string') return splitCommandLine(substituteVariables(args, vars));
  if (Array.isArray(args) && args.every((arg) => typeof arg === 'string')) return args.map((arg) => substituteVariables(arg, vars));
  throw new CommandLineError('"args" must be a string or a list of strings.');
}

function envField(config: Record<string, unknown>, vars: LaunchVariables): Record<string, string> {
  const env = config.env;
  if (env === undefined) return {};
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new CommandLineError('"env" must be an object.');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== null && typeof value !== 'string') throw new CommandLineError(`"env.${key}" must be a string.`);
    if (value !== null) out[key] = substituteVariables(value, vars);
  }
  return out;
}

/** The command a Python launch configuration runs (program or module, args, cwd, env). Throws CommandLineError. */
export function launchConfigCommand(config: Record<string, unknown>, interpreter: string, vars: LaunchVariables): LaunchCommand {
  const name = stringField(config, 'name') ?? 'unnamed';
  const program = stringField(config, 'program');
  const module = stringField(config, 'module');
  if (!program && !module) throw new CommandLineError(`"${name}" has neither "program" nor "module".`);
  const python = stringField(config, 'python');
  const target = program ? [substituteVariables(program, vars)] : ['-m', substituteVariables(module!, vars)];
  const cwd = stringField(config, 'cwd');
  return {
    name,
    argv: [python ? substituteVariables(python, vars) : interpreter, ...target, ...argsField(config, vars)],
    cwd: cwd ? substituteVariables(cwd, vars) : vars.workspaceFolder,
    env: envField(config, vars),
  };
}

/** A command line used before, remembered per workspace. */
export interface RecentCommand {
  argv: string[];
  cwd: string;
}

/** Puts a command first in the recent list, dropping an identical older entry and anything past `max`. */
export function rememberCommand(recent: readonly RecentCommand[], entry: RecentCommand, max = 10): RecentCommand[] {
  const key = JSON.stringify([entry.argv, entry.cwd]);
  return [entry, ...recent.filter((old) => JSON.stringify([old.argv, old.cwd]) !== key)].slice(0, max);
}

/** Recent commands read back from storage, keeping only well-formed entries. */
export function parseRecentCommands(value: unknown): RecentCommand[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (entry): entry is RecentCommand =>
      typeof entry === 'object' &&
      entry !== null &&
      Array.isArray((entry as RecentCommand).argv) &&
      (entry as RecentCommand).argv.length > 0 &&
      (entry as RecentCommand).argv.every((arg) => typeof arg === 'string') &&
      typeof (entry as RecentCommand).cwd === 'string',
  );
}
