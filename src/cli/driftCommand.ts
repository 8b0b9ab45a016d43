// `labbook drift REFERENCE CURRENT`: data drift between two CSV or Parquet files (docs/drift.md).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../capture/config';
import { DataFileError, readSortedDatasets } from '../capture/driftData';
import { computeDrift, DriftInputError, type DriftOptions, type DriftReport } from '../core/drift';
import { driftReportHtml, formatScore, scoreKind } from '../core/driftReport';
import { CliError, findWorkspace } from './workspace';

/** Runs the command; exit 0, or 1 with --fail-on-drift when the dataset drifted, 2 on bad input. */
export async function driftCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      columns: { type: 'string', multiple: true },
      target: { type: 'string' },
      json: { type: 'boolean' },
      report: { type: 'string' },
      'fail-on-drift': { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 2) throw new CliError('drift takes two files: labbook drift REFERENCE CURRENT (CSV or Parquet).', 2);
  const { config, warnings } = loadConfig(findWorkspace(process.cwd()).root);
  for (const warning of warnings) process.stderr.write(`labbook: ${warning}\n`);
  const columns = values.columns?.flatMap((list) => list.split(',').map((c) => c.trim())).filter((c) => c !== '');
  const options: DriftOptions = {
    columns,
    target: values.target,
    driftShare: config.drift.driftShare,
    perColumn: config.drift.columns,
    ignore: config.drift.ignore,
  };
  const report = await driftOf(positionals[0], positionals[1], options);
  if (values.report) writeFileSync(values.report, driftReportHtml(report));
  process.stdout.write(values.json ? `${JSON.stringify(report, jsonReplacer, 2)}\n` : driftText(report));
  return values['fail-on-drift'] && report.datasetDrift ? 1 : 0;
}

async function driftOf(referencePath: string, currentPath: string, options: DriftOptions): Promise<DriftReport> {
  const wanted = options.columns ? new Set([...options.columns, ...(options.target ? [options.target] : [])]) : undefined;
  try {
    // Bundled, dist/driftWorker.js sits beside dist/cli.js; from source there is none and the files are read here.
    const [reference, current] = await readSortedDatasets([referencePath, currentPath], { columns: wanted }, join(__dirname, 'driftWorker.js'));
    return computeDrift(reference, current, options);
  } catch (error) {
    if (error instanceof DataFileError || error instanceof DriftInputError) throw new CliError(error.message, 2);
    throw error;
  }
}

/** Histograms' typed arrays and infinities as JSON can hold them. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? null : value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

/** The report as an aligned table, the columns not compared, and the dataset verdict. */
export function driftText(report: DriftReport): string {
  const header = ['column', 'type', 'method', 'score', 'threshold', 'drift'];
  const rows = report.columns.map((c) => [
    c.column,
    c.type,
    c.method,
    `${formatScore(c.score)} ${scoreKind(c)}`,
    formatScore(c.threshold),
    c.drifted ? 'DRIFT' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const lines = [line(header), ...rows.map(line)];
  for (const column of report.columns) for (const note of column.notes) lines.push(`  ${column.column}: ${note}`);
  for (const skipped of report.skipped) lines.push(`not compared: ${skipped.column}: ${skipped.reason}`);
  const verdict = report.datasetDrift ? 'Dataset drift' : 'No dataset drift';
  lines.push(
    '',
    `${verdict}: ${report.driftedColumns} of ${report.columns.length} columns drifted (share ${formatScore(report.shareOfDriftedColumns)}, threshold ${formatScore(report.driftShare)}).`,
  );
  return `${lines.join('\n')}\n`;
}
