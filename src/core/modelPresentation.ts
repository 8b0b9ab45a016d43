// How a registered model's versions read in the Models view: the row's description and tooltip. Pure, so the
// same words can be checked without VS Code.

import { formatDateTime, formatMetric, relativeTime, truncate } from './format';
import { choosePrimaryMetric } from './runDistinction';

/** What a version row shows: the registry's facts and, when its source run is in the store, that run's key metric. */
export interface VersionFacts {
  name: string;
  version: number;
  stage: string;
  aliases: readonly string[];
  source: string;
  createdAt: number;
  description: string;
  /** The source run, when the store has it. */
  run?: { id: string; name: string; metrics: Readonly<Record<string, number>> };
  /** sha256 of the model file the source points to, when the store recorded it. */
  modelSha256?: string;
}

/** The metric a version row shows: the source run's primary metric (val_loss before loss before system/*). */
export function keyMetric(metrics: Readonly<Record<string, number>>): { key: string; value: number } | undefined {
  const key = choosePrimaryMetric(Object.keys(metrics));
  return key === undefined ? undefined : { key, value: metrics[key] };
}

/** `Production · @champion · val_loss 0.231 · 3d ago`: stage (unless None), aliases, key metric, age. */
export function versionDescription(facts: VersionFacts, now = Date.now()): string {
  const parts: string[] = [];
  if (facts.stage !== 'None') parts.push(facts.stage);
  if (facts.aliases.length) parts.push(facts.aliases.map((alias) => `@${alias}`).join(' '));
  const metric = facts.run && keyMetric(facts.run.metrics);
  if (metric) parts.push(`${metric.key} ${formatMetric(metric.value)}`);
  parts.push(relativeTime(facts.createdAt, now));
  return parts.join(' · ');
}

/** The tooltip's lines (plain text; the view renders them as such, never as Markdown). */
export function versionTooltip(facts: VersionFacts): string {
  const lines = [`${facts.name} version ${facts.version}`, `Stage: ${facts.stage}`];
  if (facts.aliases.length) lines.push(`Aliases: ${facts.aliases.map((alias) => `@${alias}`).join(', ')}`);
  lines.push(`Source: ${truncate(facts.source, 200)}`);
  if (facts.run) {
    const metric = keyMetric(facts.run.metrics);
    lines.push(`Run: ${truncate(facts.run.name, 120)}${metric ? ` (${metric.key} ${formatMetric(metric.value)})` : ''}`);
  }
  if (facts.modelSha256) lines.push(`Model file: sha256 ${facts.modelSha256.slice(0, 16)}…`);
  lines.push(`Created: ${formatDateTime(facts.createdAt)}`);
  if (facts.description) lines.push('', truncate(facts.description, 500));
  return lines.join('\n');
}

/** A version row's context value: the words the Models view's menus match (package.json `viewItem =~ ...`). */
export function versionContextValue(version: { stage: string; aliases: readonly string[]; runId: string | null }): string {
  const words = ['modelVersion', `stage-${version.stage}`];
  if (version.aliases.length) words.push('hasAliases');
  if (version.runId) words.push('hasRun');
  return words.join(' ');
}

/** `runs:/<id>/<path>` for a file or folder of a run, as MLflow writes a version's source. */
export function runSource(runId: string, path: string): string {
  return `runs:/${runId}/${path.replace(/^\/+/, '')}`;
}
