// What the extension and the language server exchange: settings (from VS Code settings) and the argument of
// the server's `labbook.runWithParams` actions. No vscode import: unit-tested in Node.
// The server reads `storeDir`, `primaryMetric` and `runsToConsider` (src/lsp/server.ts readSettings); the
// extension's settings are named differently (`labbook.storePath`, `labbook.runs.primaryMetric`,
// `labbook.lsp.runsToConsider`), so the client maps them rather than forwarding the raw `labbook` section.

import { isAbsolute } from 'node:path';
import type { LspSettings } from '../lsp/server';

/** The setting values the mapping reads, as VS Code returns them (any type: settings files are hand-edited). */
export interface LspSettingValues {
  /** The resolved store folder of this window (StoreHost.dir()). */
  storeDir: string | undefined;
  primaryMetric: unknown;
  runsToConsider: unknown;
}

/** The server's settings: an absolute store folder and only the values the server accepts. */
export function lspSettingsOf(values: LspSettingValues): LspSettings {
  const settings: LspSettings = {};
  if (values.storeDir) settings.storeDir = values.storeDir;
  if (typeof values.primaryMetric === 'string' && values.primaryMetric.trim()) settings.primaryMetric = values.primaryMetric.trim();
  const runs = values.runsToConsider;
  if (typeof runs === 'number' && Number.isInteger(runs) && runs >= 1 && runs <= 1000) settings.runsToConsider = runs;
  return settings;
}

/** True for the runner's default params files (params.yaml, params.json). */
export function isParamsFilePath(path: string): boolean {
  return /(?:^|[\\/])params\.(?:yaml|json)$/.test(path);
}

/** True for the files the language server reads: Python sources and the runner's params files. */
export function isLspDocument(languageId: string, path: string): boolean {
  return languageId === 'python' || isParamsFilePath(path);
}

/** A validated runWithParams argument. */
export type RunWithParamsArgument = { file: string; args: string[] } | { file: null; params: Record<string, string> };

/** Checks the untrusted command argument (it may come from any language server or a keybinding). */
export function parseRunWithParams(value: unknown): RunWithParamsArgument {
  const input = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  if (typeof input.file === 'string' && isAbsolute(input.file) && Array.isArray(input.args) && input.args.every((arg) => typeof arg === 'string')) {
    return { file: input.file, args: input.args as string[] };
  }
  const params = input.params;
  if (input.file === null && typeof params === 'object' && params !== null && !Array.isArray(params)) {
    const entries = Object.entries(params);
    if (entries.length > 0 && entries.every(([, v]) => typeof v === 'string')) return { file: null, params: params as Record<string, string> };
  }
  throw new Error('Run with Params needs { file, args } or { file: null, params } (from a Labbook code action).');
}
