// `labbook import PATH…`: runs recorded by TensorBoard, Lightning or Keras CSV loggers, DVCLive and Hydra, brought
// into the store with their own times (docs/import.md).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { importLogs, type ImportResult } from '../capture/logImport/importRuns';
import { formatTable } from './format';
import { CliError, openWorkspace } from './workspace';
import { IMPORT_USAGE } from './usage';

/** Imports the logs; exit 0, or 1 when some records could not be read (the rest is imported), 2 on bad input. */
export async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { experiment: { type: 'string' }, again: { type: 'boolean' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new CliError(`Nothing to import. Usage: labbook ${IMPORT_USAGE}`, 2);
  const missing = positionals.find((path) => !existsSync(path));
  if (missing) throw new CliError(`No such file or folder: ${missing}`, 2);
  const { store } = await openWorkspace(process.cwd(), { create: true });
  let results: ImportResult[];
  try {
    results = importLogs(store, positionals, { experiment: values.experiment, again: values.again });
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  } finally {
    store.close();
  }
  process.stdout.write(values.json ? `${JSON.stringify(results, null, 2)}\n` : importText(results));
  return results.some((result) => result.problems.length > 0) ? 1 : 0;
}

/** The table of imported runs, then each problem on its own line. */
export function importText(results: readonly ImportResult[]): string {
  if (results.length === 0) return 'No TensorBoard, Lightning/Keras CSV, DVCLive or Hydra logs found there.\n';
  const rows = results.map((result) => [
    result.runId.slice(0, 8),
    result.name,
    result.kinds.join(', '),
    String(result.points),
    result.alreadyImported ? 'already imported (--again imports anew)' : 'imported',
  ]);
  const problems = results.flatMap((result) =>
    result.problems.map((problem) => `  ${problem.file}${problem.offset === undefined ? '' : ` at byte ${problem.offset}`}: ${problem.message}\n`),
  );
  return `${formatTable(['RUN', 'NAME', 'FROM', 'POINTS', ''], rows)}\n` + (problems.length > 0 ? `Skipped:\n${problems.join('')}` : '');
}
