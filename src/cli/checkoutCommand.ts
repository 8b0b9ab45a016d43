import { parseArgs } from 'node:util';
import { checkoutRun, ReproduceError, type CheckoutResult } from '../capture/reproduce';
import { quoteWord } from '../core/commandLine';
import { resolveRunRef } from '../store/runRefs';
import { withWorkspace } from './queryCommands';
import { CliError, findWorkspace } from './workspace';

const USAGE = 'Usage: labbook checkout <run> [--into DIR] [--json]';

/** `labbook checkout <run> [--into DIR]`: the run's code, patch and inputs in a git worktree, and the command to rerun it. */
export async function checkoutCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { into: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new CliError(USAGE, 2);
  const cwd = process.cwd();
  return withWorkspace(async ({ store }) => {
    const run = store.getRunDetail(resolveRunRef(store, positionals[0]).id);
    try {
      const result = await checkoutRun(store, run, { cwd, storeDir: findWorkspace(cwd).storeDir, into: values.into });
      process.stdout.write(values.json ? `${JSON.stringify({ run: run.id, ...result })}\n` : `${describeCheckout(run.name, run.id, result)}\n`);
      return 0;
    } catch (error) {
      if (error instanceof ReproduceError) throw new CliError(error.message, error.badInput ? 2 : 1);
      throw error;
    }
  });
}

function describeCheckout(name: string, runId: string, result: CheckoutResult): string {
  const lines = [
    `Checked out run ${name} (${runId.slice(0, 8)}) at ${result.commit.slice(0, 12)} into ${result.dir}`,
    result.patchApplied ? '  uncommitted changes of the run applied' : '  no uncommitted changes to apply',
    `  ${result.restored.length} input file${result.restored.length === 1 ? '' : 's'} restored from the store (sha256 checked)`,
  ];
  if (result.missing.length) {
    lines.push('', 'Not restored:');
    for (const input of result.missing) lines.push(`  ${input.path}: ${input.reason}; ${input.hint}`);
  }
  lines.push('', 'Rerun it with:', `  cd ${quoteWord(result.dir)}`, `  ${result.rerun}`);
  return lines.join('\n');
}
