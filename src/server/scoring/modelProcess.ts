// The model runs in a Python child (python/labbook/serving.py) that speaks JSON lines over stdin/stdout: requests go
// out at once with an id and answers come back in order. A child that dies fails what it had in flight with a 503
// and is started again for the next request.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ApiError } from '../fields';
import type { InputTable } from './payload';

/** What the model told about itself when it loaded. */
export interface ModelInfo {
  flavor: string;
  /** Feature names in the model's order, when it knows them (sklearn's feature_names_in_, or the MLflow signature). */
  features: string[] | null;
  task: 'classifier' | 'regressor' | 'unknown';
  classes: unknown[] | null;
}

/** How to start the model's process. */
export interface ModelProcessOptions {
  python: string;
  /** python/labbook/serving.py. */
  script: string;
  /** The model folder (MLflow layout) or file. */
  modelPath: string;
  /** Where the child's stderr goes (the model's own prints and warnings). */
  log: (line: string) => void;
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

interface Pending {
  resolve: (predictions: unknown[]) => void;
  reject: (error: Error) => void;
}

type Answer = { id: number; predictions?: unknown[]; error?: string } & Partial<ModelInfo> & { ready?: boolean; fatal?: string };

/** The model's process: started by `start`, restarted after a crash, stopped by `close`. */
export class ModelProcess {
  private child: ChildProcess | undefined;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private starting: Promise<ModelInfo> | undefined;
  private closed = false;
  /** How many times the child died and was started again. */
  restarts = 0;

  constructor(private readonly options: ModelProcessOptions) {}

  /** Starts the child and resolves once the model is loaded; rejects with the child's reason when it cannot load. */
  start(): Promise<ModelInfo> {
    this.starting ??= this.spawnChild();
    return this.starting;
  }

  private spawnChild(): Promise<ModelInfo> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.python, [this.options.script, this.options.modelPath], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: this.options.env,
      });
      this.child = child;
      let ready = false;
      child.on('error', (error) => reject(new Error(`Cannot start ${this.options.python}: ${error.message}`)));
      createInterface({ input: child.stderr! }).on('line', (line) => this.options.log(line));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const answer = JSON.parse(line) as Answer;
        if (answer.fatal !== undefined) return reject(new Error(`The model cannot be loaded: ${answer.fatal}`));
        if (answer.ready) {
          ready = true;
          return resolve({
            flavor: answer.flavor ?? '?',
            features: answer.features ?? null,
            task: answer.task ?? 'unknown',
            classes: answer.classes ?? null,
          });
        }
        this.settle(answer);
      });
      child.stdin!.on('error', () => undefined); // a dead child's EPIPE; its exit says what happened
      child.on('exit', (code, signal) => {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        if (ready) return this.childGone(child, how);
        reject(new Error(`The model process ${how} before the model loaded.`));
        // The next request tries to load it again; no restart loop for a model that does not load.
        if (this.child === child) [this.child, this.starting] = [undefined, undefined];
      });
    });
  }

  private settle(answer: Answer): void {
    const pending = this.pending.get(answer.id);
    if (!pending) return;
    this.pending.delete(answer.id);
    if (answer.error !== undefined) pending.reject(new ApiError('BAD_REQUEST', `The model could not score this input: ${answer.error}`));
    else pending.resolve(answer.predictions ?? []);
  }

  private childGone(child: ChildProcess, how: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    const inFlight = [...this.pending.values()];
    this.pending.clear();
    for (const request of inFlight) {
      request.reject(new ApiError('TEMPORARILY_UNAVAILABLE', `The model process ${how} while scoring; it is being restarted, retry the request.`));
    }
    if (this.closed) return;
    this.restarts++;
    this.options.log(`model process ${how}; restarting it`);
    this.starting = undefined;
    // Started again at once, so the next request finds it loading or loaded; a model that no longer loads is reported then.
    this.start().catch((error: Error) => this.options.log(error.message));
  }

  /** Scores rows; a bad input is a 400, a crash of the child a 503. */
  async predict(table: InputTable): Promise<unknown[]> {
    if (this.closed) throw new ApiError('TEMPORARILY_UNAVAILABLE', 'The model server is shutting down.');
    try {
      await this.start();
    } catch (error) {
      throw new ApiError('TEMPORARILY_UNAVAILABLE', (error as Error).message);
    }
    const child = this.child!;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.stdin!.write(`${JSON.stringify({ id, columns: table.columns, rows: table.rows })}\n`);
    });
  }

  /** The child's pid while it runs (tests kill it to check the restart). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the child. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}
