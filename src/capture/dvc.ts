// DVC-tracked data (formats from DVC's docs: `<file>.dvc`, `dvc.lock`, `.dvc/config`): a file a run reads that DVC
// tracks is recorded by DVC's own md5, path and remote rather than copied into Labbook's store.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseYamlText } from './yamlText';

/** How DVC knows a file: the `.dvc` or `dvc.lock` entry covering it (a file's own, or its tracked folder's). */
export interface DvcTracking {
  /** The .dvc or dvc.lock file, relative to the workspace. */
  dvcFile: string;
  /** The tracked path (the file, or the folder holding it), relative to the workspace. */
  path: string;
  /** DVC's md5 of that path (a folder's ends in `.dir`). */
  md5: string | null;
  /** The default remote's name and URL from .dvc/config, when one is set. */
  remote?: { name: string; url: string | null };
}

interface DvcOut {
  path?: unknown;
  md5?: unknown;
}

/** The DVC entry covering `file` within `root` (searched from the file's folder up to the root), if any. */
export function dvcTrackingOf(file: string, root: string): DvcTracking | undefined {
  const absolute = resolve(file);
  const top = resolve(root);
  for (let dir = dirname(absolute); dir === top || dir.startsWith(top + sep); dir = dirname(dir)) {
    const found = fromDvcFiles(absolute, dir) ?? fromDvcLock(absolute, dir);
    if (found) return { ...found, dvcFile: relative(top, found.dvcFile), path: relative(top, found.path), remote: defaultRemote(top) };
    if (dir === top) break;
  }
  return undefined;
}

/** `<name>.dvc` files in `dir` whose out is the file or a folder holding it. */
function fromDvcFiles(file: string, dir: string): DvcTracking | undefined {
  const below = relative(dir, file).split(sep);
  for (let depth = 1; depth <= below.length; depth++) {
    const tracked = join(dir, ...below.slice(0, depth));
    const dvcFile = `${tracked}.dvc`;
    if (!existsSync(dvcFile)) continue;
    const out = outsOf(dvcFile, 'outs').find(
      (candidate) => typeof candidate.path === 'string' && resolve(dirname(dvcFile), candidate.path) === tracked,
    );
    if (out) return { dvcFile, path: tracked, md5: typeof out.md5 === 'string' ? out.md5 : null };
  }
  return undefined;
}

/** A `dvc.lock` in `dir` with a stage out that is the file or a folder holding it. */
function fromDvcLock(file: string, dir: string): DvcTracking | undefined {
  const lock = join(dir, 'dvc.lock');
  if (!existsSync(lock)) return undefined;
  for (const out of outsOf(lock, 'stages')) {
    if (typeof out.path !== 'string') continue;
    const tracked = resolve(dir, out.path);
    if (file === tracked || file.startsWith(tracked + sep))
      return { dvcFile: lock, path: tracked, md5: typeof out.md5 === 'string' ? out.md5 : null };
  }
  return undefined;
}

/** The outs of a .dvc file (`outs`), or of every stage of a dvc.lock (`stages`); [] when unreadable. */
function outsOf(path: string, layout: 'outs' | 'stages'): DvcOut[] {
  let data: unknown;
  try {
    data = parseYamlText(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
  if (typeof data !== 'object' || data === null) return [];
  if (layout === 'outs') return listOf((data as { outs?: unknown }).outs);
  const stages = (data as { stages?: unknown }).stages;
  if (typeof stages !== 'object' || stages === null) return [];
  return Object.values(stages).flatMap((stage: unknown) => listOf((stage as { outs?: unknown } | null)?.outs));
}

function listOf(value: unknown): DvcOut[] {
  return Array.isArray(value) ? value.filter((item): item is DvcOut => typeof item === 'object' && item !== null) : [];
}

/** The default remote in .dvc/config (and .dvc/config.local, which wins): `[core] remote = NAME`, `['remote "NAME"'] url = …`. */
export function defaultRemote(root: string): { name: string; url: string | null } | undefined {
  const sections = { ...iniSections(join(root, '.dvc', 'config')) };
  for (const [name, values] of Object.entries(iniSections(join(root, '.dvc', 'config.local')))) sections[name] = { ...sections[name], ...values };
  const name = sections.core?.remote;
  if (!name) return undefined;
  return { name, url: sections[`remote "${name}"`]?.url ?? null };
}

/** DVC's config is INI (configobj): `[section]` or `['remote "name"']` headers, `key = value` lines. */
function iniSections(path: string): Record<string, Record<string, string>> {
  if (!existsSync(path)) return {};
  const sections: Record<string, Record<string, string>> = {};
  let current = '';
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const header = /^\s*\[\s*'?(.+?)'?\s*\]\s*$/.exec(line);
    if (header) {
      current = header[1];
      continue;
    }
    const pair = /^\s*([^=#;]+?)\s*=\s*(.*?)\s*$/.exec(line);
    if (pair) (sections[current] ??= {})[pair[1]] = pair[2];
  }
  return sections;
}

/** The dvc.yaml stage whose `cmd` is this command line, if the workspace has one. */
export function dvcStageOf(root: string, commandLine: string): string | undefined {
  const file = join(root, 'dvc.yaml');
  if (!existsSync(file)) return undefined;
  let data: unknown;
  try {
    data = parseYamlText(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const stages = (data as { stages?: Record<string, { cmd?: unknown }> } | null)?.stages ?? {};
  const normalize = (cmd: unknown): string => (Array.isArray(cmd) ? cmd.join(' && ') : String(cmd)).trim().replace(/\s+/g, ' ');
  return Object.entries(stages).find(([, stage]) => normalize(stage?.cmd) === normalize(commandLine))?.[0];
}
