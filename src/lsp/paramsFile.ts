// Param keys of params.yaml / params.json documents. YAML 1.2 reads JSON too, so one parser covers both and
// gives each key's offsets; a half-typed document still yields the keys that parse.
import { isMap, isScalar, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import type { ParamSite } from './sites';

const MAX_PARAMS_FILE_CHARS = 1_000_000;
const MAX_DEPTH = 16;
const MAX_SITES = 5_000;

/** True for the file names the runner reads params from by default. */
export function isParamsFile(fileName: string): boolean {
  return /^params\.(?:yaml|json)$/i.test(fileName);
}

/** Param sites of a params document; a nested key `train: {lr: …}` is `train.lr`, as the runner flattens it. */
export function scanParamsFile(text: string): ParamSite[] {
  if (text.length > MAX_PARAMS_FILE_CHARS) return [];
  const sites: ParamSite[] = [];
  const document = parseDocument(text, { uniqueKeys: false, strict: false });
  collect(document.contents, '', 0, text, sites);
  return sites;
}

function collect(node: unknown, prefix: string, depth: number, text: string, sites: ParamSite[]): void {
  if (!isMap(node) || depth > MAX_DEPTH) return;
  for (const pair of node.items) {
    if (sites.length >= MAX_SITES) return;
    const key = pair.key;
    if (!isScalar(key) || !key.range || (typeof key.value !== 'string' && typeof key.value !== 'number')) continue;
    const name = String(key.value);
    const path = prefix ? `${prefix}.${name}` : name;
    if (isMap(pair.value)) {
      collect(pair.value, path, depth + 1, text, sites);
      continue;
    }
    const [start, end] = keyRange(key as Node, text);
    sites.push({ keys: [path], start, end, flag: null });
  }
}

/** The key's text without its quotes. */
function keyRange(key: Node, text: string): [number, number] {
  const [start, end] = key.range!;
  const quoted = text[start] === '"' || text[start] === "'";
  return quoted ? [start + 1, Math.max(start + 1, end - 1)] : [start, end];
}
