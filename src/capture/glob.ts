// Glob matching for config paths, behind one function so the engine stays a one-line choice.
// picomatch: small, well kept, compiled once per glob list (Node 20's path.matchesGlob is experimental and noisy).
import picomatch from 'picomatch';

/** Tests one relative path (either slash style). */
export type PathMatcher = (relPath: string) => boolean;

const NEVER: PathMatcher = () => false;
const compiled = new WeakMap<readonly string[], PathMatcher>();

/** A matcher for "any of `globs`": `**` spans folders, `*` stays inside one, dotfiles are not matched by wildcards. */
export function compileGlobs(globs: readonly string[]): PathMatcher {
  if (globs.length === 0) return NEVER;
  const match = picomatch([...globs]);
  return (relPath) => match(toSlashes(relPath));
}

/** True when `relPath` matches at least one of `globs` (the compiled matcher is reused for the same array). */
export function matchesAny(relPath: string, globs: readonly string[]): boolean {
  let matcher = compiled.get(globs);
  if (!matcher) {
    matcher = compileGlobs(globs);
    compiled.set(globs, matcher);
  }
  return matcher(relPath);
}

function toSlashes(path: string): string {
  return path.includes('\\') ? path.replace(/\\/g, '/') : path;
}
