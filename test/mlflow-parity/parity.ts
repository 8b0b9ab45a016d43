// The MLflow differential harness: scripted request sequences (sequences/*.json), sent to a server, with the answers
// normalised so that a real MLflow server's recording (test/fixtures/mlflow-parity) and Labbook's replay compare
// field by field. Ids, timestamps and hosts differ between any two servers; everything else a client can see must not.
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';

/** One request of a sequence. Strings may hold `${var}`, replaced by a value an earlier step saved. */
export interface Step {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The path with its query, sent byte for byte (so `..` and `%2e%2e` reach the server as written). */
  path: string;
  /** GET fields, encoded into the query string (lists as repeated keys). */
  query?: Record<string, string | string[]>;
  /** A JSON body. */
  body?: unknown;
  /** A raw body sent as is (artifact uploads, broken JSON). */
  text?: string;
  /** The Content-Type of a raw body (none by default). */
  contentType?: string;
  /** Variables to keep from a 200 answer: name -> dotted path into its JSON (`run.info.run_id`). */
  save?: Record<string, string>;
  /** Why this step is here (not sent). */
  note?: string;
}

/** A named list of steps, run in order against one server. */
export interface Sequence {
  name: string;
  steps: Step[];
}

/** One normalised answer: status, and the JSON body (or the text of a non-JSON body). */
export interface Answer {
  status: number;
  json?: unknown;
  text?: string;
}

/** A recorded sequence: what a real MLflow server answered to each step, normalised. */
export interface Recording {
  sequence: string;
  server: string;
  answers: Answer[];
}

/** A difference between a replayed answer and the recording. */
export interface Difference {
  sequence: string;
  step: number;
  kind: 'status' | 'error_code' | 'message' | 'body';
  expected: unknown;
  actual: unknown;
}

/** A difference kept on purpose (or left to another branch), with the reason. */
export interface KnownDifference {
  sequence: string;
  step: number;
  kind: Difference['kind'];
  reason: string;
}

/** Where the sequences and the recorded answers live. */
export const SEQUENCE_DIR = join(__dirname, 'sequences');
export const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'mlflow-parity');
export const KNOWN_DIFFERENCES = join(__dirname, 'known-differences.json');

/** Every sequence, in file-name order (the order they run in, on one server). */
export function loadSequences(): Sequence[] {
  return readdirSync(SEQUENCE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(SEQUENCE_DIR, f), 'utf8')) as Sequence);
}

/** The recorded answers of a sequence. */
export function loadRecording(name: string): Recording {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8')) as Recording;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function substitute(value: unknown, vars: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      const found = vars.get(name);
      if (found === undefined) throw new Error(`Variable '${name}' is used before a step saved it.`);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  return value;
}

function pathWithQuery(step: Step, vars: ReadonlyMap<string, string>): string {
  const path = substitute(step.path, vars) as string;
  if (!step.query) return path;
  const params = new URLSearchParams();
  const query = substitute(step.query, vars) as Record<string, string | string[]>;
  for (const [key, value] of Object.entries(query)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  return `${path}${path.includes('?') ? '&' : '?'}${params.toString()}`;
}

interface RawAnswer {
  status: number;
  body: Buffer;
}

function send(baseUrl: string, method: string, path: string, body: string | undefined, contentType: string | undefined): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
  if (contentType) headers['Content-Type'] = contentType;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function lookup(value: unknown, dotted: string): string | undefined {
  let at = value;
  for (const part of dotted.split('.')) at = Array.isArray(at) ? at[Number(part)] : isObject(at) ? at[part] : undefined;
  return typeof at === 'string' || typeof at === 'number' ? String(at) : undefined;
}

/** Times only the server sets (creation and update): no two servers answer them alike. */
export const SERVER_TIME_FIELDS: readonly string[] = [
  'creation_time',
  'last_update_time',
  'creation_timestamp',
  'last_updated_timestamp',
  'creation_timestamp_ms',
  'last_updated_timestamp_ms',
];
// A run's start and end are the server's clock too unless the client sends them.
const TIME_KEYS = new Set([...SERVER_TIME_FIELDS, 'start_time', 'end_time']);
const EXPERIMENT_ID_KEYS = new Set(['experiment_id', 'experiment_ids']);
// Key/value lists whose order carries no meaning (the client reads them into dicts). Sorting is stable, so a metric
// history (one key) keeps its order.
const UNORDERED_LISTS = new Set(['tags', 'params', 'metrics']);
const RUN_ID = /\b[0-9a-f]{32}\b/g;
const ARTIFACT_EXPERIMENT = /mlflow-artifacts:\/(\d+)/g;
const HOST = /https?:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+/g;

/** Names ids by their first appearance in a sequence, so two servers' different ids compare equal. */
export class IdNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly vars: ReadonlyMap<string, string>) {}

  /** The placeholder for an id of a kind ('run', 'exp'): the saved variable's name when a step saved it. */
  name(kind: string, id: string): string {
    const key = `${kind}:${id}`;
    let found = this.names.get(key);
    if (!found) {
      const variable = [...this.vars].find(([, value]) => value === id)?.[0];
      found = variable ? `<${variable}>` : `<${kind}#${this.names.size + 1}>`;
      this.names.set(key, found);
    }
    return found;
  }
}

function normaliseString(text: string, ids: IdNames): string {
  return text
    .replace(HOST, '<host>')
    .replace(ARTIFACT_EXPERIMENT, (_, eid: string) => `mlflow-artifacts:/${ids.name('exp', eid)}`)
    .replace(RUN_ID, (id) => ids.name('run', id));
}

function sortKeyed(list: unknown[]): unknown[] {
  const keyOf = (item: unknown): string => (isObject(item) ? String(item.key ?? '') : '');
  return [...list].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

/**
 * A JSON answer with ids, server times and hosts replaced by placeholders, key/value lists sorted, and empty lists and
 * objects dropped (protobuf JSON leaves them out; the client reads absent and empty alike).
 */
export function normalise(value: unknown, ids: IdNames, key = ''): unknown {
  if (TIME_KEYS.has(key) && typeof value === 'number') return '<time>';
  // Page tokens are opaque: each server's own token only has to lead to the same next page.
  if (key === 'next_page_token' && typeof value === 'string') return '<token>';
  if (EXPERIMENT_ID_KEYS.has(key) && typeof value === 'string') return ids.name('exp', value);
  if (typeof value === 'string') return normaliseString(value, ids);
  if (Array.isArray(value)) {
    const items = value.map((v) => normalise(v, ids, key === 'experiment_ids' ? key : ''));
    return UNORDERED_LISTS.has(key) ? sortKeyed(items) : items;
  }
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = normalise(value[k], ids, k);
    if ((Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0)) continue;
    out[k] = v;
  }
  return out;
}

/** Sends every step of a sequence to `baseUrl` and returns the normalised answers. */
/**
 * Waits until the clock moves to a new millisecond. The recorded server took more than one per request, so the
 * records a sequence creates have distinct creation times there; Labbook can create two in one millisecond, and
 * MLflow's tie-break (id) would then order them otherwise than the recording shows. It waits on the clock, not a
 * fixed time.
 */
async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() === start) await new Promise<void>((resolve) => setImmediate(resolve));
}

export async function runSequence(baseUrl: string, sequence: Sequence): Promise<Answer[]> {
  const vars = new Map<string, string>();
  const ids = new IdNames(vars);
  const answers: Answer[] = [];
  for (const step of sequence.steps) {
    await nextMillisecond();
    const json = step.body !== undefined;
    const body = json ? JSON.stringify(substitute(step.body, vars)) : step.text;
    const raw = await send(baseUrl, step.method, pathWithQuery(step, vars), body, json ? 'application/json' : step.contentType);
    const parsed = parseJson(raw.body);
    // A server that refused what the other accepted still runs the rest: the later steps then show the difference.
    for (const [name, dotted] of Object.entries(step.save ?? {})) vars.set(name, lookup(parsed, dotted) ?? `unsaved-${name}`);
    const empty = raw.body.length === 0;
    answers.push(
      parsed !== undefined || empty
        ? { status: raw.status, json: normalise(empty ? {} : parsed, ids) }
        : { status: raw.status, text: normaliseString(raw.body.toString('utf8').slice(0, 2000), ids) },
    );
  }
  return answers;
}

function errorPart(answer: Answer, field: 'error_code' | 'message'): unknown {
  return isObject(answer.json) ? answer.json[field] : undefined;
}

function withoutError(answer: Answer): unknown {
  if (!isObject(answer.json)) return answer.text;
  const { error_code: _code, message: _message, ...rest } = answer.json;
  return rest;
}

/** The differences between replayed answers and a recording: status, error code, message, rest of the body. */
export function compareAnswers(sequence: string, expected: readonly Answer[], actual: readonly Answer[]): Difference[] {
  const out: Difference[] = [];
  expected.forEach((want, step) => {
    const got = actual[step];
    const add = (kind: Difference['kind'], e: unknown, a: unknown): void => {
      if (JSON.stringify(e) !== JSON.stringify(a)) out.push({ sequence, step, kind, expected: e, actual: a });
    };
    add('status', want.status, got.status);
    add('error_code', errorPart(want, 'error_code'), errorPart(got, 'error_code'));
    add('message', errorPart(want, 'message'), errorPart(got, 'message'));
    add('body', withoutError(want), withoutError(got));
  });
  return out;
}
