// A model version's card (Markdown): the hand-written intended use and notes stored on the version, and the rest
// generated from the store: source run, params, metrics with the gate's results, a short data sheet, code,
// environment, lineage and stage history. The CLI writes it; the extension opens it in the Markdown preview.
import { formatDateTime, formatDuration, formatMetric } from '../core/format';
import type { Artifact, RunDetail } from '../core/types';
import { lineageRunIds } from '../store/lineage';
import type { AuditEntry } from '../store/modelAudit';
import type { Store } from '../store/store';
import { datasetInputs } from '../store/tracking';
import { GATE_TAG } from './gate';
import { CARD_TAGS } from './models';
import type { ModelsService, VersionView } from './models';

// Counting rows reads the whole file; bigger data files are named by hash and size only.
const MAX_COUNTED_BYTES = 64 * 1024 * 1024;
const TABULAR = /\.(csv|tsv)$/i;

function cell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(header: string[], rows: string[][]): string[] {
  if (rows.length === 0) return ['_None._'];
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)];
}

/** Columns and row count of a stored CSV/TSV file (header excluded), or undefined when not counted. */
function tableShape(store: Store, file: Artifact): { columns: string[]; rows: number } | undefined {
  if (!TABULAR.test(file.path) || file.size > MAX_COUNTED_BYTES || !store.objects.has(file.sha256)) return undefined;
  const lines = store.objects.read(file.sha256).toString('utf8').split(/\r?\n/);
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return { columns: [], rows: 0 };
  const separator = file.path.toLowerCase().endsWith('.tsv') ? '\t' : ',';
  return { columns: lines[0].split(separator).map((c) => c.trim().replace(/^"|"$/g, '')), rows: lines.length - 1 };
}

function dataSheet(store: Store, run: RunDetail): string[] {
  const files = run.artifacts.filter((a) => a.direction === 'input');
  const rows = files.map((file) => {
    const shape = tableShape(store, file);
    return [file.path, `\`${file.sha256.slice(0, 12)}\``, `${file.size}`, shape ? String(shape.rows) : '–', shape ? shape.columns.join(', ') : '–'];
  });
  const datasets = datasetInputs(store, run.id).map((d) => [d.name, `\`${d.digest}\``, d.source || d.sourceType, d.schema ?? '–', d.profile ?? '–']);
  const lines = table(['file', 'sha256', 'bytes', 'rows', 'columns'], rows);
  if (datasets.length) lines.push('', ...table(['dataset (MLflow)', 'digest', 'source', 'schema', 'profile'], datasets));
  return lines;
}

function gateLines(version: VersionView): string[] {
  const text = version.tags[GATE_TAG];
  if (!text) return ['_This version has not been through `labbook gate`._'];
  try {
    const gate = JSON.parse(text) as {
      at: number;
      against: string;
      passed: boolean;
      firstDeployment: boolean;
      conditions: { metric: string; direction: string; minDelta: number; candidate: number | null; current: number | null; passed: boolean }[];
    };
    const head = `Last gate against ${cell(gate.against)} on ${formatDateTime(gate.at)}: **${gate.passed ? 'pass' : 'fail'}**${gate.firstDeployment ? ' (first deployment)' : ''}.`;
    const num = (v: number | null): string => (v === null ? '–' : formatMetric(v));
    const rows = gate.conditions.map((c) => [
      c.metric,
      `${c.direction} is better, min-delta ${c.minDelta}`,
      num(c.current),
      num(c.candidate),
      c.passed ? 'pass' : 'fail',
    ]);
    return [head, '', ...table(['metric', 'condition', 'current', 'this version', 'verdict'], rows)];
  } catch {
    return [`_The stored gate result is not readable: ${cell(text)}_`];
  }
}

/** Describes one audit entry for people: `2026-12-06 09:30 Staging → Production by Ann <a@x> (cli)`. */
export function describeAudit(entry: AuditEntry): string {
  const what: Record<AuditEntry['action'], string> = {
    register: `registered from ${entry.to ?? ''}`,
    stage: `${entry.from ?? ''} → ${entry.to ?? ''}`,
    alias: `alias @${entry.to ?? ''}${entry.from ? ` (moved from v${entry.from})` : ''}`,
    unalias: `alias @${entry.from ?? ''} removed`,
    delete: 'deleted',
  };
  return `${formatDateTime(entry.at)} v${entry.version} ${what[entry.action]} by ${entry.who} (${entry.source})`;
}

function lineage(store: Store, run: RunDetail, version: VersionView): string[] {
  const linked = lineageRunIds(store, run.id)
    .filter((id) => id !== run.id)
    .map((id) => store.findRun(id))
    .filter((r) => r !== undefined);
  const users = version.modelSha256
    ? linked.filter((r) => store.artifacts(r.id).some((a) => a.direction === 'input' && a.sha256 === version.modelSha256))
    : [];
  const lines = [`- made by run ${cell(run.name)} (\`${run.id}\`)`];
  for (const r of linked) lines.push(`- ${users.includes(r) ? 'used this model file' : 'linked by shared files'}: run ${cell(r.name)} (\`${r.id}\`)`);
  return lines;
}

function runSections(store: Store, run: RunDetail, version: VersionView): string[] {
  const metrics = run.metrics
    .filter((m) => !m.key.startsWith('system/'))
    .map((m) => [m.key, formatMetric(m.last), formatMetric(m.min), formatMetric(m.max)]);
  const git = run.git;
  const envTags = Object.entries(run.tags).filter(([key]) => /^mlflow\.source\.|python|version/i.test(key));
  return [
    '## Source run',
    '',
    `Run ${cell(run.name)} (\`${run.id}\`), ${run.status}, started ${formatDateTime(run.startTime)}, took ${formatDuration((run.endTime ?? run.updatedAt) - run.startTime)}.`,
    '',
    `Command: \`${cell(run.argv.join(' '))}\``,
    '',
    '## Params',
    '',
    ...table(['param', 'value'], Object.entries(run.params)),
    '',
    '## Metrics',
    '',
    ...table(['metric', 'last', 'min', 'max'], metrics),
    '',
    ...gateLines(version),
    '',
    '## Training data',
    '',
    ...dataSheet(store, run),
    '',
    '## Code',
    '',
    git.commit
      ? `- commit \`${git.commit}\`${git.branch ? ` on ${cell(git.branch)}` : ''}${git.remote ? ` (${cell(git.remote)})` : ''}`
      : '- not a git repository',
    git.dirty ? '- **uncommitted changes**: the run started with a patch on top of the commit (stored with the run)' : '- no uncommitted changes',
    '',
    '## Environment',
    '',
    `- host: ${cell(run.host ?? 'unknown')}`,
    `- user: ${cell(run.user ?? 'unknown')}`,
    `- working folder: ${cell(run.cwd ?? 'unknown')}`,
    ...envTags.map(([key, value]) => `- ${cell(key)}: ${cell(value)}`),
    '',
    '## Lineage',
    '',
    ...lineage(store, run, version),
  ];
}

function history(service: ModelsService, name: string, version: number): string[] {
  const trail = service.history(name, version);
  return trail.length ? trail.map((entry) => `- ${cell(describeAudit(entry))}`) : ['_No recorded changes._'];
}

/** Hand-written text: paragraphs kept, HTML defused (a card is previewed as Markdown). */
function prose(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The model card of a version, as Markdown. */
export function modelCard(store: Store, service: ModelsService, name: string, versionNumber: number): string {
  const version = service.version(name, versionNumber);
  const run = version.runId && store.findRun(version.runId) ? store.getRunDetail(version.runId) : undefined;
  const written = (tag: string, hint: string): string => prose(version.tags[tag] ?? '').trim() || `_Not written yet: ${hint}._`;
  const lines = [
    `# Model card: ${cell(name)} v${version.version}`,
    '',
    `- stage: ${version.stage}${version.aliases.length ? `; aliases: ${version.aliases.map((a) => `@${cell(a)}`).join(', ')}` : ''}`,
    `- registered: ${formatDateTime(version.createdAt)}`,
    `- source: \`${cell(version.source)}\``,
    `- model file sha256: ${version.modelSha256 ? `\`${version.modelSha256}\`` : 'not a stored file'}`,
    '',
    '## Intended use',
    '',
    written(CARD_TAGS.intendedUse, `labbook models card ${name} ${version.version} --intended-use "…"`),
    '',
    '## Notes',
    '',
    written(CARD_TAGS.notes, `labbook models card ${name} ${version.version} --notes "…"`),
    '',
    ...(run ? runSections(store, run, version) : ['## Source run', '', '_The source run is not in this store._']),
    '',
    '## Stage history',
    '',
    ...history(service, name, version.version),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
