// Turns printed training output into metric points. The rules are conservative on purpose: a false metric
// pollutes every chart of a run, a missed one can be added with a pattern in labbook.yaml.
// docs/configuration.md describes the rules for users; every scan here is linear in the line length.
import { compileGlobs, type PathMatcher } from './glob';

/** One metric found in a line; `step` is null until a step/epoch/iter marker has been seen. */
export interface ParsedMetric {
  key: string;
  value: number;
  step: number | null;
}

/** How the parser finds metrics: `metrics` in labbook.yaml. */
export interface ScalarParserOptions {
  /** Regular expression sources with named groups `key` and `value`, optionally `step`. */
  patterns?: string[];
  /** Key globs; when non-empty only matching keys are kept. */
  include?: string[];
  /** Key globs that are dropped (wins over include). */
  exclude?: string[];
  /** false turns the built-in rules off so that only `patterns` apply. */
  defaults?: boolean;
  /** true also records the whole-number step markers written as pairs (`step=3`, `'epoch': 2`) as metrics. */
  recordStepMarkers?: boolean;
}

/** Only the start of a line is scanned, so a 10 MB line costs no more than a 64 KiB one. */
export const MAX_SCANNED_CHARS = 64 * 1024;
const MAX_KEY_CHARS = 250;
const MAX_NUMBER_CHARS = 64;
// A malformed dict is retried at its next `{` only a few times, which keeps `{{{{` storms linear.
const MAX_DICT_ATTEMPTS = 4;
const MAX_PATTERN_MATCHES = 1000;
const MAX_CACHED_KEYS = 10_000;

const SPACE = 1;
const LETTER = 2;
const DIGIT = 4;
const KEY_CHAR = 8; // letters, digits and _ . / - inside a key
const OPENER = 16; // punctuation that may stand right before a key
const CLOSER = 32; // punctuation that may stand right after a value
const CLASSES = buildClasses();

function buildClasses(): Uint8Array {
  const table = new Uint8Array(128);
  const mark = (chars: string, flag: number) => {
    for (const ch of chars) table[ch.charCodeAt(0)] |= flag;
  };
  for (let c = 65; c <= 90; c++) table[c] |= LETTER | KEY_CHAR;
  for (let c = 97; c <= 122; c++) table[c] |= LETTER | KEY_CHAR;
  for (let c = 48; c <= 57; c++) table[c] |= DIGIT | KEY_CHAR;
  mark('_./-', KEY_CHAR);
  mark(' \t\n', SPACE);
  mark(',;|([{:', OPENER);
  mark(',;|)]}', CLOSER);
  return table;
}

const UNICODE_LETTER = /\p{L}/u;
const UNICODE_KEY_CHAR = /[\p{L}\p{M}\p{N}]/u;

function has(code: number, flag: number): boolean {
  return code < 128 && (CLASSES[code] & flag) !== 0;
}

function isKeyChar(code: number): boolean {
  return code < 128 ? (CLASSES[code] & KEY_CHAR) !== 0 : UNICODE_KEY_CHAR.test(String.fromCharCode(code));
}

function isLetter(code: number): boolean {
  return code < 128 ? (CLASSES[code] & LETTER) !== 0 : UNICODE_LETTER.test(String.fromCharCode(code));
}

const COLON = 58;
const EQUALS = 61;
const SPACE_CHAR = 32;

// Marker words that set the step, finest last: once a finer kind was seen, coarser ones no longer move the step
// (so `epoch 2` after `step 200` does not send the step back to 2).
const MARKER_RANK: ReadonlyMap<string, number> = new Map([
  ['epoch', 0],
  ['iter', 1],
  ['iteration', 1],
  ['step', 2],
  ['global_step', 3],
]);
const PATTERN_RANK = 4;
// `Epoch 3/10`, `epoch: 3`, `[epoch 3]`, `Epoch [1][50/100]`, `step=100`; never `step 1.5`, `step: 100%`.
// Spelled-out case classes: measurably faster than the `i` flag on every line.
const MARKER =
  /([Gg][Ll][Oo][Bb][Aa][Ll]_[Ss][Tt][Ee][Pp]|[Ii][Tt][Ee][Rr](?:[Aa][Tt][Ii][Oo][Nn])?|[Ee][Pp][Oo][Cc][Hh]|[Ss][Tt][Ee][Pp])[ \t]*(?:[:=][ \t]*)?\[?(\d{1,15})(?:[ \t]*\/[ \t]*\d{1,15})?(?![\w.%])/g;
// Words that refine the key that follows: `Val Loss: 0.3` is `Val_Loss`, not `Loss`. Any other word before a key
// makes it prose (`Number of params: 5`, `Non-trainable params: 0`).
const QUALIFIERS = new Set([
  'train',
  'training',
  'val',
  'valid',
  'validation',
  'test',
  'eval',
  'evaluation',
  'dev',
  'best',
  'avg',
  'average',
  'mean',
  'final',
  'epoch',
  'step',
  'learning',
  'grad',
  'gradient',
]);
// Log-level words may stand before a key without making it prose (`INFO loss: 0.3`).
const LOG_LEVELS = new Set(['DEBUG', 'INFO', 'WARN', 'WARNING', 'ERROR', 'CRITICAL']);
// Keys (compared lower-case) that look like metrics but are bookkeeping: Lightning's logger version, process facts.
const BOOKKEEPING_KEYS = new Set(['v_num', 'pid', 'port', 'rank', 'local_rank', 'world_size']);
// Non-finite values as Python (nan, inf), JSON/JavaScript (NaN, Infinity) print them; compared lower-case.
const SPECIAL_NUMBERS: ReadonlyMap<string, number> = new Map([
  ['nan', NaN],
  ['inf', Infinity],
  ['infinity', Infinity],
]);
// Scalars printed through a wrapper: `tensor(0.69, grad_fn=<...>)`, numpy 2's `np.float64(0.5)`.
const WRAPPER = /(?:tensor|(?:np|numpy|torch)\.[A-Za-z0-9_]{1,20})\(/y;
// `print(args)` of argparse: these are the run's params (taken from argv), not metrics.
const ARGPARSE_DUMP = /^\s*Namespace\(/;
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]/g;
// Binary output and terminal control codes mean the line is not text we can trust. An undecodable byte (U+FFFD)
// does not: it costs only the pair it stands in.
const GARBAGE = /[\x00-\x08\x0b-\x1f\x7f]/;

interface RawPair {
  key: string;
  value: number;
  /** A step marker word with a whole number (`step=3`): the step, not a metric, unless asked for. */
  marker: boolean;
}

/** The finest step marker seen on one line (rank -1: none); reused line after line. */
class StepChoice {
  rank = -1;
  value = 0;

  offer(rank: number, value: number): void {
    if (rank < this.rank) return;
    this.rank = rank;
    this.value = value;
  }
}

/** A scanned number: its value, where it ends, and whether it was written as a plain integer. */
interface NumberToken {
  value: number;
  end: number;
  integer: boolean;
}

/** Checks a metric pattern source; returns a message naming the problem, or null when it is usable. */
export function metricPatternProblem(source: string): string | null {
  let re: RegExp;
  try {
    re = new RegExp(source, 'g');
  } catch (err) {
    return (err as Error).message;
  }
  const groups = new RegExp(`${re.source}|`).exec('')?.groups;
  if (!groups || !('key' in groups) || !('value' in groups)) return 'needs named groups (?<key>...) and (?<value>...)';
  return null;
}

function compilePattern(source: string): RegExp {
  const problem = metricPatternProblem(source);
  if (problem) throw new Error(`Invalid metric pattern /${source}/: ${problem}`);
  return new RegExp(source, 'g');
}

/** Stateful line parser: remembers the step set by step/epoch/iter markers across lines. */
export class ScalarParser {
  private readonly patterns: RegExp[];
  private readonly included: PathMatcher | null;
  private readonly excluded: PathMatcher | null;
  private readonly builtin: boolean;
  private readonly recordMarkers: boolean;
  private readonly keyAllowed = new Map<string, boolean>();
  private step: number | null = null;
  private stepRank = -1;
  private readonly lineStep = new StepChoice();

  /** Throws when a pattern is not a valid regular expression with `key` and `value` groups. */
  constructor(options: ScalarParserOptions = {}) {
    this.patterns = (options.patterns ?? []).map(compilePattern);
    this.included = options.include?.length ? compileGlobs(options.include) : null;
    this.excluded = options.exclude?.length ? compileGlobs(options.exclude) : null;
    this.builtin = options.defaults ?? true;
    this.recordMarkers = options.recordStepMarkers ?? false;
  }

  /** Metrics in one line of output (without its `\n` or `\r`), each key once (the last written wins). */
  parseLine(line: string): ParsedMetric[] {
    const text = cleanLine(line);
    if (text === null) return [];
    const pairs: RawPair[] = [];
    const steps = this.lineStep;
    steps.rank = -1;
    if (this.builtin) scanBuiltin(text, pairs, steps);
    for (const re of this.patterns) scanPattern(re, text, pairs, steps);
    // Checked only when something was found: most lines yield nothing and this test is the costliest per line.
    if ((pairs.length === 0 && steps.rank < 0) || GARBAGE.test(text)) return [];
    if (steps.rank >= 0 && steps.rank >= this.stepRank) {
      this.step = steps.value;
      this.stepRank = steps.rank;
    }
    return this.collect(pairs);
  }

  private collect(pairs: RawPair[]): ParsedMetric[] {
    // A line carries a handful of pairs; one stuffed with thousands gets an index instead of a quadratic scan.
    const lastIndex = pairs.length > 32 ? new Map(pairs.map((pair, i) => [pair.key, i])) : null;
    const out: ParsedMetric[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const { key, value, marker } = pairs[i];
      if (marker && !this.recordMarkers) continue;
      const isLast = lastIndex ? lastIndex.get(key) === i : !writtenLater(pairs, i);
      if (isLast && this.allowed(key)) out.push({ key, value, step: this.step });
    }
    return out;
  }

  /** Whether a key is kept; cached because a run prints the same few keys millions of times. */
  private allowed(key: string): boolean {
    let ok = this.keyAllowed.get(key);
    if (ok !== undefined) return ok;
    ok = !(this.builtin && BOOKKEEPING_KEYS.has(key.toLowerCase())) && !this.excluded?.(key) && (!this.included || this.included(key));
    if (this.keyAllowed.size >= MAX_CACHED_KEYS) this.keyAllowed.clear();
    this.keyAllowed.set(key, ok);
    return ok;
  }
}

/** True when the key of pairs[i] is written again later in the line (the last one written wins). */
function writtenLater(pairs: RawPair[], i: number): boolean {
  for (let j = i + 1; j < pairs.length; j++) if (pairs[j].key === pairs[i].key) return true;
  return false;
}

/** The part of a raw line worth scanning, or null when nothing is left. */
function cleanLine(line: string): string | null {
  let text = line.length > MAX_SCANNED_CHARS ? line.slice(0, MAX_SCANNED_CHARS) : line;
  if (text.indexOf('\x1b') >= 0) text = text.replace(ANSI, '');
  return text.length === 0 ? null : text;
}

function scanBuiltin(text: string, pairs: RawPair[], steps: StepChoice): void {
  scanMarkers(text, steps);
  const separators = new Separators(text);
  if (separators.next(0) < 0 || ARGPARSE_DUMP.test(text)) return;
  let pos = 0;
  let attempts = 0;
  let brace = text.indexOf('{');
  while (brace >= 0 && attempts < MAX_DICT_ATTEMPTS) {
    const entries: RawPair[] = [];
    const end = scanDict(text, brace, entries, steps);
    if (end < 0) {
      attempts++;
      brace = text.indexOf('{', brace + 1);
      continue;
    }
    scanFree(text, pos, brace, separators, pairs);
    for (const entry of entries) pairs.push(entry);
    pos = end;
    brace = text.indexOf('{', end);
  }
  scanFree(text, pos, text.length, separators, pairs);
}

/** The MARKER_RANK of a word MARKER matched, told apart by its first letter (g, i, e, s) without allocating. */
function markerRankByInitial(initial: number): number {
  switch (initial | 0x20) {
    case 103:
      return 3; // global_step
    case 115:
      return 2; // step
    case 105:
      return 1; // iter, iteration
    default:
      return 0; // epoch
  }
}

function scanMarkers(text: string, steps: StepChoice): void {
  MARKER.lastIndex = 0;
  for (let m = MARKER.exec(text); m; m = MARKER.exec(text)) {
    if (m.index > 0 && isKeyChar(text.charCodeAt(m.index - 1))) continue;
    steps.offer(markerRankByInitial(m[1].charCodeAt(0)), Number(m[2]));
  }
}

function scanPattern(re: RegExp, text: string, pairs: RawPair[], steps: StepChoice): void {
  re.lastIndex = 0;
  let count = 0;
  for (let m = re.exec(text); m && count < MAX_PATTERN_MATCHES; m = re.exec(text), count++) {
    if (m[0].length === 0) re.lastIndex++;
    const groups = m.groups ?? {};
    const key = groups.key?.trim();
    const value = groups.value === undefined ? null : wholeNumber(groups.value.trim());
    if (key && key.length <= MAX_KEY_CHARS && value !== null) pairs.push({ key, value: value.value, marker: false });
    const step = groups.step === undefined ? null : wholeNumber(groups.step.trim());
    if (step?.integer) steps.offer(PATTERN_RANK, step.value);
  }
}

/** The number when `text` is exactly one number, else null. */
function wholeNumber(text: string): NumberToken | null {
  const token = scanNumber(text, 0, text.length);
  return token && token.end === text.length ? token : null;
}

// ---- free text: `key: value` and `key=value` pairs ----

/** Finds `:` and `=` left to right; shared by the segments of a line so no search runs twice over the same text. */
class Separators {
  private colon: number;
  private equals: number;

  constructor(private readonly text: string) {
    this.colon = text.indexOf(':');
    this.equals = text.indexOf('=');
  }

  /** The first separator at or after `from`, or -1. */
  next(from: number): number {
    if (this.colon >= 0 && this.colon < from) this.colon = this.text.indexOf(':', from);
    if (this.equals >= 0 && this.equals < from) this.equals = this.text.indexOf('=', from);
    if (this.colon < 0 || this.equals < 0) return Math.max(this.colon, this.equals);
    return Math.min(this.colon, this.equals);
  }
}

function scanFree(text: string, from: number, to: number, separators: Separators, pairs: RawPair[]): void {
  for (let sep = separators.next(from); sep >= 0 && sep < to;) {
    sep = separators.next(Math.max(scanPair(text, from, to, sep, pairs), sep + 1));
  }
}

/** Tries the pair around the separator at `sep`; returns where its value ends, or -1. */
function scanPair(text: string, from: number, to: number, sep: number, pairs: RawPair[]): number {
  const isColon = text.charCodeAt(sep) === COLON;
  let v = sep + 1;
  // `cuda:0`, `localhost:8080`, `x.py:12` are not metrics; printed metrics put a space after the colon.
  if (isColon && !(v < to && has(text.charCodeAt(v), SPACE))) return -1;
  while (v < to && has(text.charCodeAt(v), SPACE)) v++;
  const token = scanValue(text, v, to);
  if (!token || !valueEndsCleanly(text, token.end, to)) return -1;
  const tight = !isColon && v === sep + 1 && has(text.charCodeAt(sep - 1), KEY_CHAR);
  const key = keyBefore(text, from, sep, tight);
  if (key === null) return -1;
  pairs.push({ key, value: token.value, marker: token.integer && MARKER_RANK.has(key.toLowerCase()) });
  return token.end;
}

/**
 * The key written before a separator, or null when there is none or it reads as prose.
 * `tight` (`key=value` without spaces) is a clear pair whatever stands before it.
 */
function keyBefore(text: string, from: number, sep: number, tight: boolean): string | null {
  let end = sep;
  while (end > from && has(text.charCodeAt(end - 1), SPACE)) end--;
  let start = end;
  while (start > from && isKeyChar(text.charCodeAt(start - 1))) start--;
  if (!isIdentifier(text, start, end)) return null;
  const key = text.slice(start, end);
  if (start === from || has(text.charCodeAt(start - 1), OPENER)) return key;
  if (!has(text.charCodeAt(start - 1), SPACE)) return null;
  const word = wordBefore(text, from, start - 1);
  if (!word) return key;
  if (MARKER_RANK.has(key.toLowerCase())) return QUALIFIERS.has(word.toLowerCase()) || tight ? key : null;
  if (QUALIFIERS.has(word.toLowerCase())) {
    const outer = wordBefore(text, from, start - 1 - word.length - 1);
    if (outer && QUALIFIERS.has(outer.toLowerCase())) return `${outer}_${word}_${key}`;
    return `${word}_${key}`;
  }
  return tight || LOG_LEVELS.has(word) ? key : null;
}

/** The word (key chars starting with a letter, not nan/inf) ending right before a single space at `space`, if any. */
function wordBefore(text: string, from: number, space: number): string | null {
  if (space <= from || text.charCodeAt(space) !== SPACE_CHAR) return null;
  let start = space;
  while (start > from && isKeyChar(text.charCodeAt(start - 1))) start--;
  if (start === space || !isLetter(text.charCodeAt(start))) return null;
  const word = text.slice(start, space);
  return SPECIAL_NUMBERS.has(word.toLowerCase()) ? null : word;
}

function isIdentifier(text: string, start: number, end: number): boolean {
  if (end <= start || end - start > MAX_KEY_CHARS || !isLetter(text.charCodeAt(start))) return false;
  const last = text.charCodeAt(end - 1);
  return has(last, LETTER | DIGIT) || last === 95 /* _ */ || last >= 128;
}

/**
 * After a value: punctuation, the end, or more pairs may follow. A unit or prose (`0 TPU cores`, `3 ms`, `54 %`)
 * means the number was not a metric.
 */
function valueEndsCleanly(text: string, end: number, to: number): boolean {
  if (end >= to) return true;
  const c = text.charCodeAt(end);
  if (c === 44 /* , */) return !has(text.charCodeAt(end + 1), DIGIT); // 1,234 is a grouped number
  if (has(c, CLOSER)) return true;
  if (!has(c, SPACE)) return false;
  let q = end;
  while (q < to && has(text.charCodeAt(q), SPACE)) q++;
  if (q >= to) return true;
  const next = text.charCodeAt(q);
  if (next === 37 /* % */ || next === 47 /* / */) return false;
  return isLetter(next) ? wordsLeadToPair(text, q, to) : true;
}

/** True when the words at `start` are the next key (`acc: ...`, `Val Loss: ...`) or a step marker (`step 100`). */
function wordsLeadToPair(text: string, start: number, to: number): boolean {
  let p = start;
  for (let words = 0; words < 4; words++) {
    const wordStart = p;
    while (p < to && isKeyChar(text.charCodeAt(p))) p++;
    let q = p;
    while (q < to && has(text.charCodeAt(q), SPACE)) q++;
    const next = text.charCodeAt(q);
    if (next === COLON || next === EQUALS) return true;
    if (MARKER_RANK.has(text.slice(wordStart, p).toLowerCase()) && (has(next, DIGIT) || next === 91) /* [ */) return true;
    if (q !== p + 1 || !isLetter(next)) return false;
    p = q;
  }
  return false;
}

// ---- values ----

/** A value at `start`: a number, nan/inf, or a number wrapped as `tensor(...)` / `np.float64(...)`. */
function scanValue(text: string, start: number, to: number): NumberToken | null {
  const first = text.charCodeAt(start);
  if (first !== 116 /* t */ && first !== 110 /* n */) return scanNumber(text, start, to);
  WRAPPER.lastIndex = start;
  if (!WRAPPER.test(text)) return scanNumber(text, start, to);
  const inner = scanNumber(text, WRAPPER.lastIndex, to);
  if (!inner) return null;
  const c = text.charCodeAt(inner.end);
  if (c !== 41 /* ) */ && c !== 44 /* , */) return null;
  const end = skipBalanced(text, inner.end, to, 1);
  return end < 0 ? null : { ...inner, end };
}

// Powers of ten that are exact doubles: mantissa / 10^k is then correctly rounded (the classic fast path).
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_EXACT_DIGITS = 15;

/** A number as Python, JSON or JavaScript print it (`-1.5e-05`, `.5`, `nan`, `-inf`, `Infinity`), or null. */
function scanNumber(text: string, start: number, to: number): NumberToken | null {
  let p = start;
  const sign = text.charCodeAt(p);
  if (sign === 43 || sign === 45) p++;
  else if (!has(sign, DIGIT | LETTER) && sign !== 46) return null;
  const digitsStart = p;
  let mantissa = 0;
  let c = text.charCodeAt(p);
  for (; p < to && c >= 48 && c <= 57; c = text.charCodeAt(++p)) mantissa = mantissa * 10 + (c - 48);
  const intDigits = p - digitsStart;
  let fracDigits = 0;
  const dotted = c === 46;
  if (dotted) {
    const fracStart = ++p;
    for (c = text.charCodeAt(p); p < to && c >= 48 && c <= 57; c = text.charCodeAt(++p)) mantissa = mantissa * 10 + (c - 48);
    fracDigits = p - fracStart;
  }
  if (intDigits + fracDigits === 0) return scanSpecial(text, start, digitsStart, to);
  const mantissaEnd = p;
  if (c === 69 || c === 101) p = scanExponent(text, p + 1, to, p);
  if (p - start > MAX_NUMBER_CHARS || (p < to && isKeyChar(text.charCodeAt(p)))) return null;
  const exact = p === mantissaEnd && intDigits + fracDigits <= MAX_EXACT_DIGITS;
  if (!exact) return { value: Number(text.slice(start, p)), end: p, integer: false };
  const magnitude = mantissa / POW10[fracDigits];
  return { value: sign === 45 ? -magnitude : magnitude, end: p, integer: !dotted };
}

/** Index after an exponent's digits, or `fallback` when there are none (then `e` belongs to what follows). */
function scanExponent(text: string, p: number, to: number, fallback: number): number {
  const sign = text.charCodeAt(p);
  if (sign === 43 || sign === 45) p++;
  const digitsStart = p;
  while (p < to && has(text.charCodeAt(p), DIGIT)) p++;
  return p > digitsStart ? p : fallback;
}

function scanSpecial(text: string, start: number, wordStart: number, to: number): NumberToken | null {
  let p = wordStart;
  while (p < to && p - wordStart < 9 && has(text.charCodeAt(p), LETTER)) p++;
  if (p < to && isKeyChar(text.charCodeAt(p))) return null;
  const magnitude = SPECIAL_NUMBERS.get(text.slice(wordStart, p).toLowerCase());
  if (magnitude === undefined) return null;
  return { value: text.charCodeAt(start) === 45 ? -magnitude : magnitude, end: p, integer: false };
}

// ---- Python dict / JSON object lines ----

/**
 * Reads a flat `{'key': number, ...}` or `{"key": number}` at `open`; pushes the numeric top-level entries
 * (strings, booleans, nested values are skipped) and returns the index after `}`, or -1 when it is not one.
 */
function scanDict(text: string, open: number, entries: RawPair[], steps: StepChoice): number {
  const to = text.length;
  let p = skipSpaces(text, open + 1, to);
  if (text.charCodeAt(p) === 125 /* } */) return p + 1;
  while (p < to) {
    const keyEnd = skipString(text, p, to);
    if (keyEnd < 0) return -1;
    const key = text.slice(p + 1, keyEnd - 1);
    p = skipSpaces(text, keyEnd, to);
    if (text.charCodeAt(p) !== COLON) return -1;
    p = skipSpaces(text, p + 1, to);
    const token = scanValue(text, p, to);
    const valueEnd = token ? token.end : skipDictValue(text, p, to);
    if (valueEnd < 0) return -1;
    if (token) recordDictEntry(key, token, entries, steps);
    p = skipSpaces(text, valueEnd, to);
    const c = text.charCodeAt(p);
    if (c === 125 /* } */) return p + 1;
    if (c !== 44 /* , */) return -1;
    p = skipSpaces(text, p + 1, to);
    if (text.charCodeAt(p) === 125) return p + 1;
  }
  return -1;
}

function recordDictEntry(key: string, token: NumberToken, entries: RawPair[], steps: StepChoice): void {
  if (!isIdentifier(key, 0, key.length) || !isKeyRun(key)) return;
  const rank = MARKER_RANK.get(key.toLowerCase());
  const marker = rank !== undefined && token.integer;
  entries.push({ key, value: token.value, marker });
  if (marker && token.value >= 0) steps.offer(rank, token.value);
}

function isKeyRun(key: string): boolean {
  for (let i = 0; i < key.length; i++) if (!isKeyChar(key.charCodeAt(i))) return false;
  return true;
}

/** Skips a non-numeric dict value: a string, a nested container, or a word such as True/None/func(...). */
function skipDictValue(text: string, p: number, to: number): number {
  const c = text.charCodeAt(p);
  if (c === 39 || c === 34) return skipString(text, p, to);
  if (c === 123 || c === 91 || c === 40) return skipBalanced(text, p + 1, to, 1);
  let q = p;
  while (q < to && isKeyChar(text.charCodeAt(q))) q++;
  if (q === p) return -1;
  return text.charCodeAt(q) === 40 ? skipBalanced(text, q + 1, to, 1) : q;
}

/** Index after the quoted string at `p` (backslash escapes honoured), or -1. */
function skipString(text: string, p: number, to: number): number {
  const quote = text.charCodeAt(p);
  if (quote !== 39 && quote !== 34) return -1;
  for (let i = p + 1; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === quote) return i + 1;
  }
  return -1;
}

/** Index after the bracket that closes `depth` open ones, counting any of ([{ and skipping strings; -1 if none. */
function skipBalanced(text: string, p: number, to: number, depth: number): number {
  for (let i = p; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 39 || c === 34) {
      const end = skipString(text, i, to);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === 40 || c === 91 || c === 123) depth++;
    else if ((c === 41 || c === 93 || c === 125) && --depth === 0) return i + 1;
  }
  return -1;
}

function skipSpaces(text: string, p: number, to: number): number {
  while (p < to && has(text.charCodeAt(p), SPACE)) p++;
  return p;
}
