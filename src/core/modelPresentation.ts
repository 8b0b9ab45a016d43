// How a registered model's versions read in the Models view: the row's description and tooltip. Pure, so the
// same words can be checked without VS Code.

import { formatDateTime, formatMetric, relativeTime, truncate } from './format';

/** What a version row shows: the registry's facts and, when its source run is in the store, that run's name and key metric. */
export interface VersionFacts {
  name: string;
  version: number;
  stage: string;
  aliases: readonly string[];
  source: string;
  createdAt: number;
  description: string;
  runName: string | null;
  keyMetric: { key: string; value: number } | null;
  /** sha256 of the model file the source points to, when the store recorded it. */
  modelSha256: string | null;
}

/** `Production · @champion · val_loss 0.231 · 3d ago`: stage (unless None), aliases, key metric, age. */
export function versionDescription(facts: VersionFacts, now = Date.now()): string {
  const parts: string[] = [];
  if (facts.stage !== 'None') parts.push(facts.stage);
  if (facts.aliases.length) parts.push(facts.aliases.map((alias) => `@${alias}`).join(' '));
  if (facts.keyMetric) parts.push(`${facts.keyMetric.key} ${formatMetric(facts.keyMetric.value)}`);
  parts.push(relativeTime(facts.createdAt, now));
  return parts.join(' · ');
}

/** The tooltip's lines (plain text; never rendered as Markdown), ending with the newest audit entries given. */
export function versionTooltip(facts: VersionFacts, history: readonly string[] = []): string {
  const lines = [`${facts.name} version ${facts.version}`, `Stage: ${facts.stage}`];
  if (facts.aliases.length) lines.push(`Aliases: ${facts.aliases.map((alias) => `@${alias}`).join(', ')}`);
  lines.push(`Source: ${truncate(facts.source, 200)}`);
  if (facts.runName !== null) {
    const metric = facts.keyMetric ? ` (${facts.keyMetric.key} ${formatMetric(facts.keyMetric.value)})` : '';
    lines.push(`Run: ${truncate(facts.runName, 120)}${metric}`);
  }
  if (facts.modelSha256) lines.push(`Model file: sha256 ${facts.modelSha256.slice(0, 16)}…`);
  lines.push(`Created: ${formatDateTime(facts.createdAt)}`);
  if (facts.description) lines.push('', truncate(facts.description, 500));
  if (history.length) lines.push('', 'History:', ...history.slice(-TOOLTIP_HISTORY).map((line) => truncate(line, 200)));
  return lines.join('\n');
}

/** How many of a version's newest audit entries its tooltip lists. */
const TOOLTIP_HISTORY = 5;

/** A version row's context value: the words the Models view's menus match (package.json `viewItem =~ ...`). */
export function versionContextValue(version: { stage: string; aliases: readonly string[]; runId: string | null }): string {
  const words = ['modelVersion', `stage-${version.stage}`];
  if (version.aliases.length) words.push('hasAliases');
  if (version.runId) words.push('hasRun');
  return words.join(' ');
}
