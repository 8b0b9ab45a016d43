// yaml.parse composes documents recursively, and V8 can abort the whole process (not throw) when it compiles a
// regular expression close to the stack limit, so a hostile, deeply nested labbook.yaml or params.yaml could
// take down the runner or the extension host. The CST parser is iterative: measure nesting there first.
import { Composer, LineCounter, Parser } from 'yaml';
import type { CST } from 'yaml';

/** Nesting deeper than any real config or params file, yet far from the stack limit. */
export const MAX_YAML_DEPTH = 200;

/**
 * Parses one YAML document to plain data like yaml.parse (an empty text gives null), printing nothing.
 * Throws the first syntax error (with line and column), for several documents, or for nesting deeper than `maxDepth`.
 */
export function parseYamlText(text: string, maxDepth = MAX_YAML_DEPTH): unknown {
  const lineCounter = new LineCounter();
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  if (nestingDepth(tokens) > maxDepth) throw new Error(`nested deeper than ${maxDepth} levels`);
  const docs = Array.from(new Composer().compose(tokens, true, text.length));
  if (docs.length > 1) throw new Error('contains more than one YAML document');
  const doc = docs[0];
  if (doc.errors.length > 0) {
    const { message, pos } = doc.errors[0];
    const { line, col } = lineCounter.linePos(pos[0]);
    throw new Error(`${message.split('\n')[0]} (line ${line}, column ${col})`);
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

/** Deepest collection nesting in the syntax tree, walked without recursion. */
function nestingDepth(tokens: CST.Token[]): number {
  const pending: Array<{ token: CST.Token; depth: number }> = tokens.map((token) => ({ token, depth: 0 }));
  let max = 0;
  while (pending.length > 0) {
    const { token, depth } = pending.pop()!;
    max = Math.max(max, depth);
    if (token.type === 'document' && token.value) pending.push({ token: token.value, depth });
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    for (const item of token.items) {
      if ('key' in item && item.key) pending.push({ token: item.key, depth: depth + 1 });
      if (item.value) pending.push({ token: item.value, depth: depth + 1 });
    }
  }
  return max;
}
