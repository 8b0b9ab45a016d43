// Sets one value in a params.yaml / params.json text with the smallest edit: only the value's own characters
// change, so comments, order and formatting stay. No vscode import: unit-tested in Node.

import { isScalar, parseDocument, stringify } from 'yaml';

/** Replace the characters [start, end) of the text with `text`. */
export interface TextReplacement {
  start: number;
  end: number;
  text: string;
}

// The runner stores nested keys as dotted paths (`model.depth`); a key with a literal dot is tried first.
function pathsOf(key: string): string[][] {
  const parts = key.split('.');
  return parts.length > 1 ? [[key], parts] : [[key]];
}

// The new value keeps the type the file had: a number stays a number, anything else that is not the same
// type becomes a string.
function valueText(original: unknown, value: string, json: boolean): string {
  const asNumber = Number(value);
  if (typeof original === 'number' && value.trim() !== '' && Number.isFinite(asNumber)) return value.trim();
  if (typeof original === 'boolean' && (value === 'true' || value === 'false')) return value;
  if (original === null && value === 'null') return value;
  return json ? JSON.stringify(value) : stringify(value).trimEnd();
}

/** The edit that sets `key` (a dotted path for nested keys) to `value` in a params file's text. */
export function paramsEdit(text: string, key: string, value: string, json: boolean): TextReplacement {
  const document = parseDocument(text, { keepSourceTokens: false });
  if (document.errors.length > 0) throw new Error(`The params file cannot be read: ${document.errors[0].message.split('\n')[0]}`);
  for (const path of pathsOf(key)) {
    const node: unknown = document.getIn(path, true);
    if (node === undefined) continue;
    if (!isScalar(node) || !node.range) throw new Error(`'${key}' in the params file is not a single value, so it cannot be set.`);
    const [start, end] = node.range;
    return { start, end, text: valueText(node.value, value, json) };
  }
  throw new Error(`The params file has no '${key}'.`);
}
