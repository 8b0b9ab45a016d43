import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { RunStatus } from '../core/types';
import { HEARTBEAT_STALE_MS, type Store } from '../store/store';
import { changedFiles, outputRole, snapshotFiles, storeArtifact } from './artifacts';
import { paramsFromArgv, paramsFromFile, scriptOfCommand } from './argvParams';
import type { LabbookConfig } from './config';
import { captureGitFacts } from './git';
import { ingestJournal, type IngestContext } from './ingest';
import { recordMachineEnvironment } from './environment';
import { GpuSampler } from './gpuSampler';
import { dvcStageOf } from './dvc';
import { DVC_STAGE_TAG, dvcRootOf, globInputs, READ_ROOTS_ENV, readRoots } from './inputs';
import { LogTailer } from './logImport/tailer';
import { JOURNAL_ENV } from './journal';
import { LineSplitter, MetricCollector, scalarParserFor } from './outputCapture';
import { processRef, storeConsoleLog } from './recovery';
import { nextSampleDelay, SystemSampler } from './systemSampler';

/** Everything the runner needs to launch and record one command. */
export interface RunnerOptions {
  store: Store;
  command: string[];
  /** The command actually started when it differs from the recorded `command` (the script under debugpy). */
  launch?: string[];
  cwd: string;
  config: LabbookConfig;
  /** Folder holding the `labbook` Python package, put on the child's PYTHONPATH. */
  pythonShimDir: string;
  experiment?: string;
  name?: string;
  tags?: Record<string, string>;
  params?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Extra environment for the child, e.g. the MLflow tracking server's address. */
  childEnv?: (runId: string) => Promise<Record<string, string>>;
  /** Called once the run row exists. */
  onStart?: (runId: string) => void;
  /** False: the child gets an empty stdin instead of the runner's (the queue's worker runs several at once). */
  forwardStdin?: boolean;
  /** Stops the run as an interrupt does (the queue's cancel): SIGINT to the child's group, the run ends KILLED. */
  abort?: AbortSignal;
  flushIntervalMs?: number;
  sampleIntervalMs?: number;
  heartbeatIntervalMs?: number;
}

/** How a tracked command ended. */
export interface RunResult {
  runId: string;
  status: RunStatus;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  warnings: string[];
}

/** The exit code a shell gives a process killed by `signal`. */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return 128 + (numbers[signal] ?? 1);
}

/** Final status from how the child ended: an interrupt or a signal is KILLED, 0 is FINISHED, else FAILED. */
export function statusOf(exitCode: number | null, signal: NodeJS.Signals | null, interrupted: boolean): RunStatus {
  if (interrupted || signal) return 'KILLED';
  return exitCode === 0 ? 'FINISHED' : 'FAILED';
}

function collectParams(options: RunnerOptions, scriptArgs: string[]): { params: Record<string, string>; warnings: string[] } {
  const warnings: string[] = [];
  const params: Record<string, string> = {};
  for (const file of options.config.params.files) {
    try {
      Object.assign(params, paramsFromFile(join(options.cwd, file)));
    } catch (error) {
      warnings.push((error as Error).message);
    }
  }
  if (options.config.params.fromArgv) Object.assign(params, paramsFromArgv(scriptArgs));
  return { params: { ...params, ...options.params }, warnings };
}

/**
 * Runs a command as a tracked run: creates the run, streams the child's output through (and into the console
 * log and the metric parser), ingests the journal live, samples system metrics, stores git facts and output
 * files, and records the final status. The child gets its own process group; signals sent to the runner are
 * forwarded to that group exactly once, so Ctrl-C in a terminal and Stop from the editor behave the same.
 */
export async function runTracked(options: RunnerOptions): Promise<RunResult> {
  // From the first moment: a signal before the script starts must not end the runner with the script left running.
  const signals = new SignalForwarder(options.abort);
  try {
    return await trackRun(options, signals);
  } finally {
    signals.stop();
  }
}

async function trackRun(options: RunnerOptions, signals: SignalForwarder): Promise<RunResult> {
  const { store, config, cwd } = options;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const { script, args } = scriptOfCommand(options.command);
  const collected = collectParams(options, args);
  const warnings = [...collected.warnings];
  const before = snapshotFiles(cwd, config.artifacts.outputs);

  const run = store.createRun({
    experimentName: options.experiment ?? config.experiment ?? 'Default',
    name: options.name,
    argv: options.command,
    cwd,
    sourceFile: script,
  });
  if (Object.keys(collected.params).length) store.logParams(run.id, collected.params, { inferred: true });
  if (options.tags && Object.keys(options.tags).length) store.setTags(run.id, options.tags);
  const runDir = store.runDir(run.id);
  mkdirSync(runDir, { recursive: true });
  const journalPath = join(runDir, 'journal.jsonl');
  const consolePath = join(runDir, 'console.log');
  store.setRunnerInfo(run.id, { ...processRef(process.pid), journalPath, consolePath });
  options.onStart?.(run.id);

  const gitFacts = captureGitFacts(cwd, store.objects).then((facts) => store.setGitFacts(run.id, facts));
  const dvcRoot = dvcRootOf(cwd);
  const dvcStage = dvcRoot && dvcStageOf(dvcRoot, options.command.join(' '));
  if (dvcStage) store.setTags(run.id, { [DVC_STAGE_TAG]: dvcStage });
  const finishInputs = globInputs(store, run.id, cwd, config.artifacts, dvcRoot);
  const environment = recordMachineEnvironment(store, run.id, config.environment.variables, options.env ?? process.env);
  const { ELECTRON_RUN_AS_NODE: _runnerOnly, ...inherited } = options.env ?? process.env; // the editor's Node flag must not reach the script
  const env = {
    ...inherited,
    PYTHONUNBUFFERED: '1',
    PYTHONPATH: [options.pythonShimDir, inherited.PYTHONPATH].filter(Boolean).join(delimiter),
    [JOURNAL_ENV]: journalPath,
    [READ_ROOTS_ENV]: readRoots(cwd, store.dir, config.artifacts.dataRoots).join(delimiter),
    LABBOOK_RUN_ID: run.id,
    ...(await options.childEnv?.(run.id)),
  };

  const ingestContext: IngestContext = {
    cwd,
    modelExtensions: config.artifacts.modelExtensions,
    maxFileBytes: config.artifacts.maxFileBytes,
    dvcRoot,
  };
  const outcome = await superviseChild(options, run.id, env, consolePath, ingestContext, stdout, stderr, signals);
  warnings.push(...outcome.warnings);

  await gitFacts.catch((error: Error) => warnings.push(`git: ${error.message}`));
  warnings.push(...(await ingestJournal(store, run.id, ingestContext, true)));
  for (const problem of await finishInputs()) warnings.push(`input: ${problem}`);
  await environment.catch((error: Error) => warnings.push(`environment: ${error.message}`));
  const after = snapshotFiles(cwd, config.artifacts.outputs);
  for (const path of changedFiles(before, after)) {
    const problem = await storeArtifact(
      store,
      run.id,
      cwd,
      path,
      outputRole(path, config.artifacts.modelExtensions),
      'output',
      config.artifacts.maxFileBytes,
    );
    if (problem) warnings.push(`output: ${problem}`);
  }
  const consoleSha = storeConsoleLog(store, run.id, consolePath);
  const status = statusOf(outcome.exitCode, outcome.signal, outcome.interrupted);
  // reclaim: a recovery that ran while this runner was paused must not have the last word.
  store.finishRun(run.id, status, {
    exitCode: outcome.exitCode ?? (outcome.signal ? exitCodeForSignal(outcome.signal) : null),
    consoleSha,
    reclaim: true,
  });
  rmSync(runDir, { recursive: true, force: true });
  for (const warning of warnings) stderr.write(`labbook: warning: ${warning}\n`);
  return { runId: run.id, status, exitCode: outcome.exitCode, signal: outcome.signal, warnings };
}

interface ChildOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  interrupted: boolean;
  warnings: string[];
}

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** A positive number of milliseconds from the environment (test knobs), else `fallback`. */
function envMs(name: string, fallback: number): number {
  return Number(process.env[name]) || fallback;
}

/**
 * The console log as the runner writes it: written synchronously, so every byte the parser has seen is in the
 * file, and `parsedUpTo` (just past the last newline) is an offset up to which every line has been parsed.
 */
class ConsoleLog {
  private readonly fd: number;
  size = 0;
  parsedUpTo = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Appends a chunk; returns where it starts. */
  append(chunk: Buffer): number {
    const at = this.size;
    for (let done = 0; done < chunk.length;) done += writeSync(this.fd, chunk, done);
    this.size += chunk.length;
    const nl = chunk.lastIndexOf(10);
    if (nl !== -1) this.parsedUpTo = at + nl + 1;
    return at;
  }

  /** The streams ended: their last lines were parsed too. */
  close(): void {
    this.parsedUpTo = this.size;
    closeSync(this.fd);
  }
}

function superviseChild(
  options: RunnerOptions,
  runId: string,
  env: NodeJS.ProcessEnv,
  consolePath: string,
  ingestContext: IngestContext,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  signals: SignalForwarder,
): Promise<ChildOutcome> {
  // Stopped while the run was set up: the script is not started only to be sent the signal, which Python can even
  // swallow while it still imports ("Exception ignored in ... KeyboardInterrupt") and run on.
  const early = signals.caughtBeforeStart();
  if (early) return Promise.resolve({ exitCode: null, signal: early, interrupted: true, warnings: [] });
  const { store, config } = options;
  const warnings: string[] = [];
  const consoleLog = new ConsoleLog(consolePath);
  const collector = new MetricCollector(scalarParserFor(config.metrics));
  const [program, ...programArgs] = options.launch ?? options.command;
  const child = spawn(program, programArgs, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  // Recovery leaves the run alone while this process lives, even if the runner is killed or paused.
  if (child.pid !== undefined) store.setChildProcess(runId, processRef(child.pid));
  const streams = [pipeOutput(child.stdout!, stdout, consoleLog, collector), pipeOutput(child.stderr!, stderr, consoleLog, collector)];
  const stopStdin = options.forwardStdin === false ? closeStdin(child) : forwardStdin(child);

  signals.attach(child);

  let ingesting = Promise.resolve();
  const flush = (): void => {
    try {
      storePrinted(store, runId, collector, consoleLog);
    } catch (error) {
      warnings.push(`metrics: ${(error as Error).message}`);
    }
    ingesting = ingesting
      .then(() => ingestJournal(store, runId, ingestContext))
      .then((found) => void warnings.push(...found))
      .catch((error: Error) => void warnings.push(`journal: ${error.message}`));
  };
  const stopSampling = sampleSystem(store, runId, child.pid ?? -1, options.sampleIntervalMs, config);
  const followLogs = config.metrics.fromLogFiles ? logFileFollower(store, runId, options.cwd, warnings) : () => undefined;
  const timers = [
    setInterval(flush, options.flushIntervalMs ?? envMs('LABBOOK_FLUSH_INTERVAL_MS', 250)),
    setInterval(followLogs, envMs('LABBOOK_LOG_FILES_INTERVAL_MS', 1000)),
    setInterval(() => store.heartbeat(runId), options.heartbeatIntervalMs ?? Math.min(10_000, HEARTBEAT_STALE_MS / 4)),
  ];

  return new Promise((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', async (code, signal) => {
      timers.forEach(clearInterval);
      stopSampling();
      signals.stop();
      stopStdin();
      await Promise.all(streams);
      consoleLog.close();
      flush();
      followLogs();
      await ingesting;
      if (spawnError) {
        const message = (spawnError as NodeJS.ErrnoException).code === 'ENOENT' ? `command not found: ${program}` : spawnError.message;
        stderr.write(`labbook: ${message}\n`);
        warnings.push(message);
      }
      resolve({ exitCode: spawnError ? 127 : code, signal: spawnError ? null : signal, interrupted: signals.interrupted, warnings });
    });
  });
}

/**
 * Samples the process tree (and GPUs when nvidia-smi exists) at once, then every `system.firstMinuteInterval` s for
 * the first minute and every `system.interval` s after (a fixed `fixedMs` when given); returns the stop function.
 */
function sampleSystem(store: Store, runId: string, pid: number, fixedMs: number | undefined, config: LabbookConfig): () => void {
  const sampler = new SystemSampler(pid);
  const gpus = new GpuSampler();
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async (): Promise<void> => {
    const points = [...sampler.sample(), ...(await gpus.sample())];
    if (stopped) return; // the run ended while nvidia-smi answered: the store may be closing
    if (points.length > 0) store.logMetrics(runId, points);
    const delay = fixedMs ?? nextSampleDelay(Date.now() - start, config.system.interval * 1000, config.system.firstMinuteInterval * 1000);
    timer = setTimeout(() => void tick(), delay);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Reads the TensorBoard, CSV logger and DVCLive files the run writes (docs/import.md) into the run. */
function logFileFollower(store: Store, runId: string, cwd: string, warnings: string[]): () => void {
  const tailer = new LogTailer(cwd, Date.now());
  return () => {
    try {
      const { points, params, problems } = tailer.poll();
      if (points.length > 0) store.logMetrics(runId, points);
      if (Object.keys(params).length > 0) store.logParams(runId, params, { inferred: true });
      warnings.push(
        ...problems.map(
          (problem) => `log file ${problem.file}${problem.offset === undefined ? '' : ` at byte ${problem.offset}`}: ${problem.message}`,
        ),
      );
    } catch (error) {
      warnings.push(`log files: ${(error as Error).message}`);
    }
  };
}

/**
 * Signals sent to the runner (and the editor's or queue's abort), caught from the start of a run and forwarded to
 * the script's process group, each exactly once; a second Ctrl-C escalates for scripts that ignore the first, a
 * third cannot be ignored. Caught before the script starts (while the run is set up), a signal means the script is
 * never started; it used to end the runner by default, or be missed, with the script left running unsupervised.
 */
class SignalForwarder {
  interrupted = false;
  private interrupts = 0;
  private child: ChildProcess | undefined;
  private pending: NodeJS.Signals | undefined;
  private stopped = false;

  constructor(private readonly abort: AbortSignal | undefined) {
    for (const signal of FORWARDED_SIGNALS) process.on(signal, this.onSignal);
    abort?.addEventListener('abort', this.onAbort, { once: true });
    if (abort?.aborted) this.onAbort();
  }

  /** The signal caught while the run was set up (before a script was attached), if any. */
  caughtBeforeStart(): NodeJS.Signals | undefined {
    return this.child ? undefined : this.pending;
  }

  /** The script runs (its group exists once spawn returns): signals go to it from now on. */
  attach(child: ChildProcess): void {
    this.child = child;
  }

  /** The script ended (or never ran): signals take their default course again. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const signal of FORWARDED_SIGNALS) process.off(signal, this.onSignal);
    this.abort?.removeEventListener('abort', this.onAbort);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.interrupted = true;
    this.interrupts += 1;
    const sent: NodeJS.Signals = signal !== 'SIGINT' || this.interrupts === 1 ? signal : this.interrupts === 2 ? 'SIGTERM' : 'SIGKILL';
    if (this.child) signalGroup(this.child, sent);
    else this.pending = sent;
  };

  private readonly onAbort = (): void => this.onSignal('SIGINT');
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole group, so worker processes stop too
  } catch {
    child.kill(signal);
  }
}

/**
 * Stores the printed points with the console offset they cover, in one transaction. Points of lines that a
 * recovery stored while this runner was paused (the offset moved past them) are dropped, not doubled.
 */
function storePrinted(store: Store, runId: string, collector: MetricCollector, consoleLog: ConsoleLog): void {
  store.transaction(() => {
    const stored = store.consoleOffset(runId);
    store.logMetrics(runId, collector.take(stored));
    if (consoleLog.parsedUpTo > stored) store.setConsoleOffset(runId, consoleLog.parsedUpTo);
  });
}

function pipeOutput(
  source: NodeJS.ReadableStream,
  passThrough: NodeJS.WritableStream,
  consoleLog: ConsoleLog,
  collector: MetricCollector,
): Promise<void> {
  const lines = new LineSplitter((line, end) => collector.line(line, Date.now(), end));
  return new Promise((resolve) => {
    source.on('data', (chunk: Buffer) => {
      // Backpressure: a slow reader of our output pauses the child instead of growing our memory.
      if (!passThrough.write(chunk)) {
        source.pause();
        passThrough.once('drain', () => source.resume());
      }
      lines.write(chunk, consoleLog.append(chunk));
    });
    source.on('end', () => {
      lines.end(consoleLog.size);
      resolve();
    });
    source.on('error', () => resolve());
  });
}

function closeStdin(child: ChildProcess): () => void {
  child.stdin?.on('error', () => undefined);
  child.stdin?.end();
  return () => undefined;
}

// The child has its own process group (so one Ctrl-C reaches it once), which keeps it from reading the
// terminal itself: the runner hands its stdin over instead.
function forwardStdin(child: ChildProcess): () => void {
  const input = process.stdin;
  if (!child.stdin) return () => undefined;
  child.stdin.on('error', () => undefined); // the child may exit without reading
  if (input.isTTY === undefined && input.readableEnded) {
    child.stdin.end();
    return () => undefined;
  }
  input.pipe(child.stdin);
  return () => {
    input.unpipe(child.stdin!);
    input.pause();
    input.unref?.();
  };
}
