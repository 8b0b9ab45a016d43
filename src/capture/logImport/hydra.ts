// A Hydra run folder: .hydra/config.yaml is the composed config (params, flattened with dots), overrides.yaml the
// command-line overrides that made it; the run's metrics come from whatever else logged into the folder.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paramsFromFile } from '../argvParams';
import { parseYamlText } from '../yamlText';
import type { LogSource } from './types';

/** True when `dir` is a Hydra run folder. */
export function isHydraRunDir(dir: string): boolean {
  return existsSync(join(dir, '.hydra', 'config.yaml'));
}

/** Reads a Hydra run folder's config as params and its overrides as a tag. */
export function readHydraRun(dir: string): LogSource {
  const tags: Record<string, string> = {};
  const overrides = overridesOf(join(dir, '.hydra', 'overrides.yaml'));
  if (overrides.length > 0) tags['labbook.hydra.overrides'] = overrides.join(' ');
  return { kind: 'hydra', dir, params: paramsFromFile(join(dir, '.hydra', 'config.yaml')), tags, points: [], problems: [] };
}

function overridesOf(file: string): string[] {
  if (!existsSync(file)) return [];
  const list = parseYamlText(readFileSync(file, 'utf8'));
  return Array.isArray(list) ? list.map(String) : [];
}
