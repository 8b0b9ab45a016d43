// Request fields read through small typed helpers: every field is checked, never cast, and a bad one becomes a
// JSON 400 that names it.

/** MLflow error codes this server answers with. */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'ENDPOINT_NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INTERNAL_ERROR'
  | 'TEMPORARILY_UNAVAILABLE';

const STATUS_OF: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
};

/** An error answered as MLflow's `{error_code, message}` with the status that goes with the code. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    status?: number,
  ) {
    super(message);
    this.status = status ?? STATUS_OF[code];
  }
}

/** A 400 INVALID_PARAMETER_VALUE. */
export function invalid(message: string): ApiError {
  return new ApiError('INVALID_PARAMETER_VALUE', message);
}

/** A key/value pair as MLflow sends tags and params. */
export interface KeyValue {
  key: string;
  value: string;
}

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };
const INTEGER = /^-?\d+$/;
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

const API_DOCS = 'See the API docs for more information about request parameters.';

// Python's repr of a JSON value, as MLflow's messages print request values.
function pyRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  return String(value);
}

function pyType(value: unknown): string {
  if (typeof value === 'string') return 'str';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'list';
  return value === null || value === undefined ? 'NoneType' : 'dict';
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : pyRepr(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** MLflow's 400 for a field it could not read: the value, its type, and the pointer to the API docs. */
export function invalidValue(name: string, value: unknown): ApiError {
  return invalid(`Invalid value ${describe(value)} for parameter '${name}' supplied. Hint: Value was of type '${pyType(value)}'. ${API_DOCS}`);
}

/** MLflow's 400 for a required field that is absent (or empty, which protobuf cannot tell from absent). */
export function missing(name: string): ApiError {
  return invalid(`Missing value for required parameter '${name}'. ${API_DOCS}`);
}

/** True for a plain JSON object (not null, not a list). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The fields of one request (a JSON object body or a query string), read with checks. */
export class Fields {
  private constructor(
    private readonly data: Record<string, unknown>,
    private readonly where: string,
  ) {}

  /** Fields of a parsed JSON body; anything but an object is a 400. */
  static fromJson(value: unknown, where = ''): Fields {
    if (!isJsonObject(value)) throw new ApiError('BAD_REQUEST', `${where || 'The request body'} must be a JSON object.`);
    return new Fields(value, where);
  }

  /** Fields of a query string; a repeated key becomes a list. */
  static fromQuery(query: URLSearchParams): Fields {
    const data: Record<string, unknown> = {};
    for (const key of new Set(query.keys())) {
      const all = query.getAll(key);
      data[key] = all.length === 1 ? all[0] : all;
    }
    return new Fields(data, '');
  }

  has(name: string): boolean {
    return this.data[name] !== undefined && this.data[name] !== null;
  }

  /** A required string. */
  string(name: string): string {
    const value = this.optString(name);
    if (value === undefined) throw missing(this.label(name));
    return value;
  }

  /** A required, non-blank string. */
  nonEmpty(name: string): string {
    const value = this.string(name);
    if (!value.trim()) throw missing(this.label(name));
    return value;
  }

  /** The field as sent, unchecked (for messages that quote it). */
  raw(name: string): unknown {
    return this.data[name];
  }

  optString(name: string): string | undefined {
    const value = this.data[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.wrongType(name, value);
    return value;
  }

  /** A required metric/param/tag key: non-blank, at most 250 characters, no NUL. */
  key(name = 'key'): string {
    const value = this.nonEmpty(name);
    if (value.length > 250) throw invalid(`Parameter '${this.label(name)}' is longer than 250 characters.`);
    if (value.includes('\u0000')) throw invalid(`Parameter '${this.label(name)}' contains a NUL character.`);
    return value;
  }

  /** An int64 (a JSON number or a decimal string, as query strings carry them). */
  optInt(name: string): number | undefined {
    const value = this.data[name];
    if (value === undefined || value === null) return undefined;
    const number = typeof value === 'string' && INTEGER.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw this.wrongType(name, value);
    return number;
  }

  int(name: string, fallback?: number): number {
    const value = this.optInt(name) ?? fallback;
    if (value === undefined) throw missing(this.label(name));
    return value;
  }

  /** A positive page size, capped. */
  maxResults(fallback: number, cap: number): number {
    const value = this.int('max_results', fallback);
    if (value < 1 || value > cap) throw invalid(`Invalid value ${value} for parameter 'max_results': it must be between 1 and ${cap}.`);
    return value;
  }

  optBool(name: string): boolean | undefined {
    const value = this.data[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw this.wrongType(name, value);
  }

  /** A metric value: a number, or the strings "NaN", "Infinity", "-Infinity" (or a decimal string). */
  metricValue(name = 'value'): number {
    const value = this.data[name];
    if (value === undefined || value === null) throw missing(this.label(name));
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && value in NON_FINITE) return NON_FINITE[value];
    if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value);
    throw this.wrongType(name, value);
  }

  /** A list of strings (a single string counts as a list of one; absent is empty). */
  strings(name: string): string[] {
    const value = this.data[name];
    if (value === undefined || value === null) return [];
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) if (typeof item !== 'string') throw this.wrongType(name, value);
    return list as string[];
  }

  /** A list of objects, each read as Fields. */
  objects(name: string, limit = Number.POSITIVE_INFINITY): Fields[] {
    const value = this.data[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw this.wrongType(name, value);
    if (value.length > limit) throw invalid(`A request may carry at most ${limit} ${name}; this one has ${value.length}.`);
    return value.map((item, i) => Fields.fromJson(item, `${this.label(name)}[${i}]`));
  }

  /** A nested object read as Fields (absent is empty). */
  object(name: string): Fields {
    const value = this.data[name];
    return value === undefined || value === null ? new Fields({}, this.label(name)) : Fields.fromJson(value, this.label(name));
  }

  /** A list of {key, value} pairs; values must be strings. */
  keyValues(name: string, limit?: number): KeyValue[] {
    return this.objects(name, limit).map((item) => ({ key: item.key(), value: item.string('value') }));
  }

  /** A list of {key, value} pairs as a record; a later pair wins (tags). */
  keyValueMap(name: string, limit?: number): Record<string, string> {
    return Object.fromEntries(this.keyValues(name, limit).map((t) => [t.key, t.value]));
  }

  /** The run id, sent as `run_id` and/or the legacy `run_uuid`. */
  runId(): string {
    const id = this.optString('run_id') || this.optString('run_uuid');
    if (!id) throw missing('run_id');
    return id;
  }

  private label(name: string): string {
    return this.where ? `${this.where}.${name}` : name;
  }

  private wrongType(name: string, value: unknown): ApiError {
    return invalidValue(this.label(name), value);
  }
}

/** Pairs as a record; a key given twice with different values is a 400 (MLflow refuses such batches). */
export function recordOf(pairs: readonly KeyValue[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of pairs) {
    if (key in out && out[key] !== value) throw invalid(`Duplicate ${what} key '${key}' with different values in one request.`);
    out[key] = value;
  }
  return out;
}
