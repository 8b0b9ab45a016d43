// Finds metric and param keys in Python source without a Python parser.
//
// First pass: a small lexer blanks out comments and the contents of string literals (keeping every offset and
// newline), so the call patterns that follow never match inside a string or a comment and brackets inside
// strings never unbalance a call. Literal contents are then read from the original text by offset.
// Work is bounded: only the first MAX_SCANNED_CHARS are read, calls are followed for at most MAX_CALL_CHARS,
// and at most MAX_SITES sites are kept, so a generated 50 MB file costs no more than a large hand-written one.
import type { DocumentSites, MetricSite, ParamSite } from './sites';

/** Only this much of a document is analysed. */
export const MAX_SCANNED_CHARS = 1_000_000;
const MAX_CALL_CHARS = 20_000;
const MAX_SITES = 5_000;
const MAX_KEY_CHARS = 250;

/** A string literal: `start` is its prefix or opening quote, the content lies in [contentStart, contentEnd). */
interface StringLiteral {
  start: number;
  contentStart: number;
  contentEnd: number;
  end: number;
  /** Lower-cased prefix letters such as 'f' or 'rb'. */
  prefix: string;
}

/** Source with comments and string contents blanked, plus the literals found, by start offset. */
interface MaskedSource {
  original: string;
  masked: string;
  literals: StringLiteral[];
  byStart: Map<number, StringLiteral>;
}

const BACKSLASH = 92;
const NEWLINE = 10;
const STRING_PREFIX = /^(?:[rRuUfFbB]|[rR][bBfF]|[bBfF][rR])$/;
// What the lexer stops at: a comment, a quote, or up to two prefix letters right before a quote.
const LEXER_STOP = /#|(?<![\w\u0080-\uffff])[rRuUfFbB]{1,2}(?=['"])|['"]/g;

function blank(text: string): string {
  return text.replace(/[^\r\n]/g, ' ');
}

/** Reads the literal whose opening quote is at `quote`; an unclosed one-line string ends at its line's end. */
function readLiteral(text: string, start: number, quote: number): StringLiteral {
  const q = text.charCodeAt(quote);
  const triple = text.charCodeAt(quote + 1) === q && text.charCodeAt(quote + 2) === q;
  const contentStart = quote + (triple ? 3 : 1);
  const prefix = text.slice(start, quote).toLowerCase();
  let i = contentStart;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      i += 2;
    } else if (c === q && (!triple || (text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q))) {
      return { start, contentStart, contentEnd: i, end: i + (triple ? 3 : 1), prefix };
    } else if (c === NEWLINE && !triple) {
      break;
    } else {
      i++;
    }
  }
  const stop = Math.min(i, text.length);
  return { start, contentStart, contentEnd: stop, end: stop, prefix };
}

// The lexer jumps from stop to stop with a native regex search instead of visiting every character.
function maskPython(text: string): MaskedSource {
  const parts: string[] = [];
  const literals: StringLiteral[] = [];
  let copied = 0;
  const stops = new RegExp(LEXER_STOP.source, 'g');
  for (let m = stops.exec(text); m; m = stops.exec(text)) {
    const at = m.index;
    if (m[0] === '#') {
      const eol = text.indexOf('\n', at);
      const stop = eol < 0 ? text.length : eol;
      parts.push(text.slice(copied, at), blank(text.slice(at, stop)));
      stops.lastIndex = copied = stop;
      continue;
    }
    const quote = at + (m[0] === '"' || m[0] === "'" ? 0 : m[0].length);
    const literal = readLiteral(text, quote === at || STRING_PREFIX.test(m[0]) ? at : quote, quote);
    literals.push(literal);
    parts.push(text.slice(copied, literal.contentStart), blank(text.slice(literal.contentStart, literal.contentEnd)));
    copied = literal.contentEnd;
    stops.lastIndex = Math.max(literal.end, at + 1);
  }
  parts.push(text.slice(copied));
  return { original: text, masked: parts.join(''), literals, byStart: new Map(literals.map((l) => [l.start, l])) };
}

/**
 * The dotted name written right before `index` (`sys.stdout` before `.write(`), '' when there is none, null
 * when it hangs off a call or subscript (`client().log_metric`, `runs[0].log_metric`), which is no module.
 */
function qualifierBefore(masked: string, index: number): string | null {
  const window = masked.slice(Math.max(0, index - 120), index);
  const dotted = /(?:[A-Za-z_]\w*[ \t]*\.[ \t]*)*$/.exec(window)?.[0] ?? '';
  if (
    window
      .slice(0, window.length - dotted.length)
      .trimEnd()
      .endsWith('.')
  )
    return null;
  return dotted.replace(/[ \t]/g, '').slice(0, -1);
}

/** A bracketed span of code: where each top-level item starts (after spaces) and where the span ends. */
interface Bracketed {
  items: number[];
  /** Index just past the closing bracket, or the bound when it never closes. */
  end: number;
}

/** Splits the bracket at `open` into top-level items, counting brackets in code only (strings are blanked). */
function bracketed(masked: string, open: number): Bracketed {
  const limit = Math.min(masked.length, open + MAX_CALL_CHARS);
  const items = [skipSpace(masked, open + 1, limit)];
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const c = masked[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && --depth === 0) return { items, end: i + 1 };
    else if (c === ',' && depth === 1) items.push(skipSpace(masked, i + 1, limit));
  }
  return { items, end: limit };
}

function skipSpace(masked: string, from: number, limit: number): number {
  let i = from;
  while (i < limit && /\s/.test(masked[i])) i++;
  return i;
}

/** The plain text of a literal usable as a key: no f-string fields, no escapes, not empty, not huge. */
function literalKey(source: MaskedSource, literal: StringLiteral | undefined): string | null {
  if (!literal || literal.contentEnd === literal.end) return null;
  const key = source.original.slice(literal.contentStart, literal.contentEnd);
  if (key.length === 0 || key.length > MAX_KEY_CHARS || /[\\\r\n]/.test(key)) return null;
  if (literal.prefix.includes('f') && /[{}]/.test(key)) return null;
  return key;
}

interface KeyHit {
  key: string;
  start: number;
  end: number;
}

/** The lines a call spans, from its name to its closing bracket: where a hover finds the keys it logs. */
interface Lines {
  lineStart: number;
  lineEnd: number;
}

function linesOf(text: string, from: number, to: number): Lines {
  const end = text.indexOf('\n', to);
  return { lineStart: text.lastIndexOf('\n', from - 1) + 1, lineEnd: end < 0 ? text.length : end };
}

function literalHit(source: MaskedSource, at: number): KeyHit | null {
  const literal = source.byStart.get(at);
  const key = literalKey(source, literal);
  return key === null || !literal ? null : { key, start: literal.contentStart, end: literal.contentEnd };
}

/** Start of a call's first argument, after an optional `name=` keyword. */
function firstArgument(source: MaskedSource, call: Bracketed, keyword: RegExp): number {
  const at = call.items[0];
  const named = keyword.exec(source.masked.slice(at, at + 40));
  return named ? skipSpace(source.masked, at + named[0].length, call.end) : at;
}

/** Keys of a dict display `{"a": …, 'b': …}` or of a `dict(a=…, b=…)` call starting at `at`. */
function dictKeys(source: MaskedSource, at: number): KeyHit[] {
  const { masked } = source;
  const call = /^dict\s*\(/.exec(masked.slice(at, at + 10));
  if (masked[at] !== '{' && !call) return [];
  const items = bracketed(masked, call ? at + call[0].length - 1 : at).items;
  const hits: KeyHit[] = [];
  for (const item of items) {
    if (call) {
      const keyword = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(masked.slice(item, item + MAX_KEY_CHARS));
      if (keyword) hits.push({ key: keyword[1], start: item, end: item + keyword[1].length });
      continue;
    }
    const literal = source.byStart.get(item);
    const hit = literal && masked[skipSpace(masked, literal.end, masked.length)] === ':' ? literalHit(source, item) : null;
    if (hit) hits.push(hit);
  }
  return hits;
}

/** Names under which mlflow/labbook and their logging functions are reachable in this file. */
interface Imports {
  modules: Set<string>;
  /** Bare name (possibly an alias) -> the logging function it is. */
  functions: Map<string, string>;
}

const LOG_FUNCTIONS = ['log_metric', 'log_metrics', 'log_param', 'log_params'];

function findImports(masked: string): Imports {
  const modules = new Set(['mlflow', 'labbook']);
  const functions = new Map<string, string>();
  for (const m of masked.matchAll(/^[ \t]*import[ \t]+([^\n;]+)/gm)) {
    for (const part of m[1].split(',')) {
      const alias = /^\s*(mlflow|labbook)(?:\.[\w.]+)?(?:\s+as\s+(\w+))?\s*$/.exec(part);
      if (alias?.[2]) modules.add(alias[2]);
    }
  }
  for (const m of masked.matchAll(/^[ \t]*from[ \t]+(?:mlflow|labbook)(?:\.[\w.]+)?[ \t]+import[ \t]+(\([^)]*\)|[^\n;]+)/gm)) {
    for (const part of m[1].replace(/[()\\]/g, ' ').split(',')) {
      const name = /^\s*(\w+|\*)(?:\s+as\s+(\w+))?\s*$/.exec(part);
      if (!name) continue;
      if (name[1] === '*') LOG_FUNCTIONS.forEach((fn) => functions.set(fn, fn));
      else if (LOG_FUNCTIONS.includes(name[1])) functions.set(name[2] ?? name[1], name[1]);
    }
  }
  return { modules, functions };
}

/** Collects sites, stopping at MAX_SITES. */
class Collector {
  readonly metrics: MetricSite[] = [];
  readonly params: ParamSite[] = [];

  get full(): boolean {
    return this.metrics.length + this.params.length >= MAX_SITES;
  }

  metric(hit: KeyHit, lines: Lines, keys: readonly string[] = [hit.key]): void {
    if (!this.full) this.metrics.push({ keys, start: hit.start, end: hit.end, ...lines });
  }

  param(hit: KeyHit, keys: readonly string[], flag: string | null): void {
    if (!this.full) this.params.push({ keys, start: hit.start, end: hit.end, flag });
  }
}

function logCalls(source: MaskedSource, imports: Imports, out: Collector): void {
  const names = [...new Set([...LOG_FUNCTIONS, ...imports.functions.keys()])].join('|');
  for (const m of source.masked.matchAll(new RegExp(String.raw`\b(${names})[ \t]*\(`, 'g'))) {
    if (out.full) return;
    const qualifier = qualifierBefore(source.masked, m.index);
    const fn = qualifier === '' ? imports.functions.get(m[1]) : qualifier !== null && imports.modules.has(qualifier) ? m[1] : undefined;
    if (!fn) continue;
    const call = bracketed(source.masked, m.index + m[0].length - 1);
    const hits = fn.endsWith('s')
      ? dictKeys(source, firstArgument(source, call, /^(?:metrics|params)\s*=\s*/))
      : [literalHit(source, firstArgument(source, call, /^key\s*=\s*/))];
    const lines = linesOf(source.masked, m.index, call.end);
    for (const hit of hits) {
      if (!hit) continue;
      if (fn.startsWith('log_param')) out.param(hit, [hit.key], null);
      else out.metric(hit, lines);
    }
  }
}

/** `add_argument("-l", "--learning-rate", dest="lr", …)`: the param is the dest, set from the long option. */
function argparseOptions(source: MaskedSource, out: Collector): Map<string, string> {
  const flags = new Map<string, string>();
  for (const m of source.masked.matchAll(/\badd_argument[ \t]*\(/g)) {
    if (out.full) break;
    const open = m.index + m[0].length - 1;
    const call = bracketed(source.masked, open);
    const options = leadingLiterals(source, call);
    const chosen = options.find((o) => o.key.startsWith('--')) ?? options.find((o) => /^-\w/.test(o.key));
    if (!chosen) continue;
    const name = chosen.key.replace(/^-+/, '');
    const dest = /(?<!\w)dest\s*=\s*/.exec(source.masked.slice(open, call.end));
    const keys = [...new Set([(dest && literalHit(source, open + dest.index + dest[0].length)?.key) || name.replace(/-/g, '_'), name])];
    keys.forEach((key) => flags.set(key, chosen.key));
    out.param(chosen, keys, chosen.key);
  }
  return flags;
}

function leadingLiterals(source: MaskedSource, call: Bracketed): KeyHit[] {
  const hits: KeyHit[] = [];
  for (const item of call.items) {
    const hit = literalHit(source, item);
    if (!hit) break;
    hits.push(hit);
  }
  return hits;
}

// Calls whose text reaches the console: print, tqdm/sys.stdout writes, logging calls (the runner reads stderr too).
const OUTPUT_CALL = /\b(print|write|info|debug|warning|error)[ \t]*\(/g;
const OUTPUT_QUALIFIERS: Record<string, RegExp> = {
  print: /^$/,
  write: /^(?:tqdm|sys\.stdout|sys\.stderr)$/,
  log: /^(?:self\.)?(?:logging|_?logger|_?LOGGER|log)$/,
};

function writesOutput(name: string, qualifier: string | null): boolean {
  return qualifier !== null && (OUTPUT_QUALIFIERS[name] ?? OUTPUT_QUALIFIERS.log).test(qualifier);
}

// `loss: {x}`, `loss={x}`, `val loss: %f`; the key may follow a qualifier word (`val loss`), kept as a fallback.
const KEY_BEFORE_FIELD = /(?<![\w./-])(?:([A-Za-z]\w*) )?([A-Za-z_][\w./-]*)[ \t]*[:=][ \t]*(?=[{%])/g;
// `'loss': {x}` inside a double-quoted string (dict-style lines such as Hugging Face's).
const QUOTED_KEY = /(['"])([A-Za-z_][\w./-]*)\1[ \t]*:/g;
// f"{acc=}" prints `acc=0.9`.
const SELF_DOCUMENTING = /\{[ \t]*([A-Za-z_][\w.]*)[ \t]*=[ \t]*(?:![rsa])?(?::[^}]*)?\}/g;
// `print("loss:", loss)`: the key ends the literal and a value follows as the next argument.
const TRAILING_KEY = /(?<![\w./-])(?:([A-Za-z]\w*) )?([A-Za-z_][\w./-]*)[ \t]*[:=][ \t]*$/g;

function printedKeys(source: MaskedSource, out: Collector): void {
  for (const m of source.masked.matchAll(OUTPUT_CALL)) {
    if (out.full) return;
    if (!writesOutput(m[1], qualifierBefore(source.masked, m.index))) continue;
    const open = m.index + m[0].length - 1;
    const { end } = bracketed(source.masked, open);
    const lines = linesOf(source.masked, m.index, end);
    for (const literal of literalsBetween(source.literals, open, end)) {
      const content = source.original.slice(literal.contentStart, literal.contentEnd);
      const followedByArgument = source.masked[skipSpace(source.masked, literal.end, end)] === ',';
      const patterns = [KEY_BEFORE_FIELD, QUOTED_KEY];
      if (literal.prefix.includes('f')) patterns.push(SELF_DOCUMENTING);
      if (followedByArgument) patterns.push(TRAILING_KEY);
      for (const pattern of patterns) keysInText(content, pattern, literal.contentStart, lines, out);
    }
  }
}

function keysInText(content: string, pattern: RegExp, base: number, lines: Lines, out: Collector): void {
  for (const m of content.matchAll(pattern)) {
    const key = pattern === SELF_DOCUMENTING ? m[1] : m[2];
    const qualifier = pattern === SELF_DOCUMENTING || pattern === QUOTED_KEY ? undefined : m[1];
    const start = base + m.index + m[0].indexOf(key, qualifier ? qualifier.length : 0);
    const keys = qualifier ? [`${qualifier}_${key}`, key] : [key];
    if (key.length <= MAX_KEY_CHARS) out.metric({ key, start, end: start + key.length }, lines, keys);
  }
}

function literalsBetween(literals: readonly StringLiteral[], from: number, to: number): StringLiteral[] {
  let lo = 0;
  let hi = literals.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (literals[mid].start < from) lo = mid + 1;
    else hi = mid;
  }
  const found: StringLiteral[] = [];
  for (let i = lo; i < literals.length && literals[i].start < to; i++) found.push(literals[i]);
  return found;
}

/** Metric and param sites of a Python source text, in document order. */
export function scanPython(text: string): DocumentSites {
  const source = maskPython(text.length > MAX_SCANNED_CHARS ? text.slice(0, text.lastIndexOf('\n', MAX_SCANNED_CHARS) + 1) : text);
  const out = new Collector();
  const flags = argparseOptions(source, out);
  logCalls(source, findImports(source.masked), out);
  printedKeys(source, out);
  const params = out.params.map((site) => (site.flag !== null ? site : { ...site, flag: site.keys.map((k) => flags.get(k)).find(Boolean) ?? null }));
  const byOffset = (a: { start: number }, b: { start: number }) => a.start - b.start;
  return { metrics: out.metrics.sort(byOffset), params: params.sort(byOffset) };
}
