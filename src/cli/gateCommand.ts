// `labbook gate`: exit 0 when the candidate beats the current model on every --metric (and, with --promote, make
// it the current one), 1 when it does not, 2 on usage or data errors. Writes a Markdown report for CI.
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { signed } from '../core/gate';
import { formatMetric, runsJson } from '../core/format';
import { evaluateGate } from '../models/gate';
import type { GateMetricRequest, GateOutcome } from '../models/gate';
import { withModels } from './modelsCommand';
import { CliError, findWorkspace } from './workspace';
import { GATE_USAGE } from './usage';

const OPTIONS = {
  model: { type: 'string', short: 'm' },
  metric: { type: 'string', multiple: true },
  'higher-is-better': { type: 'boolean', multiple: true },
  'lower-is-better': { type: 'boolean', multiple: true },
  'min-delta': { type: 'string', multiple: true },
  against: { type: 'string' },
  candidate: { type: 'string' },
  promote: { type: 'boolean' },
  report: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function minDelta(text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new CliError(`--min-delta takes a number of 0 or more, got '${text ?? ''}'.`, 2);
  }
  return value;
}

/**
 * The --metric conditions in order. --higher-is-better, --lower-is-better and --min-delta apply to the --metric
 * before them (or to the first one when they come before any), so `--metric acc --min-delta 0.01 --metric loss` works.
 */
export function metricRequests(tokens: readonly { kind: string; name?: string; value?: string }[]): GateMetricRequest[] {
  const requests: GateMetricRequest[] = [];
  const early: Omit<GateMetricRequest, 'metric'> = {};
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const target = requests[requests.length - 1] ?? early;
    if (token.name === 'metric') {
      if (!token.value?.trim()) throw new CliError('--metric needs a metric name.', 2);
      requests.push(requests.length === 0 ? { ...early, metric: token.value } : { metric: token.value });
    } else if (token.name === 'higher-is-better' || token.name === 'lower-is-better') {
      const direction = token.name === 'higher-is-better' ? 'higher' : 'lower';
      if (target.direction && target.direction !== direction)
        throw new CliError('--higher-is-better and --lower-is-better contradict each other.', 2);
      target.direction = direction;
    } else if (token.name === 'min-delta') {
      target.minDelta = minDelta(token.value);
    }
  }
  return requests;
}

function summaryText(outcome: GateOutcome): string {
  const { summary } = outcome;
  const head = `${summary.verdict.toUpperCase()}${summary.firstDeployment ? ' (first deployment: no current version to beat)' : ''}: ${summary.model} candidate run ${summary.candidate.runName} vs ${summary.against}${summary.current ? ` (run ${summary.current.runName})` : ''}`;
  const lines = summary.conditions.map((c) => {
    const versus = c.current === null ? '' : ` vs ${formatMetric(c.current)} (${signed(c.delta!)})`;
    return `  ${c.passed ? 'pass' : 'FAIL'}  ${c.metric} ${formatMetric(c.candidate)}${versus}: ${c.reason}`;
  });
  return [head, ...lines, ...summary.actions.map((action) => `  promoted: ${action}`)].join('\n');
}

/** `labbook gate …`. */
export async function gateCommand(args: string[]): Promise<number> {
  const { values, tokens } = parseArgs({ args, options: OPTIONS, strict: true, tokens: true });
  if (!values.model || !values.metric?.length) throw new CliError(`Usage: labbook ${GATE_USAGE}`, 2);
  const metrics = metricRequests(tokens);
  const { storeDir } = findWorkspace(process.cwd());
  if (!existsSync(join(storeDir, 'labbook.db'))) throw new CliError(`No Labbook store at ${storeDir}: there is no candidate run to gate.`, 2);
  return withModels((service, store) => {
    const outcome = evaluateGate(store, service, {
      model: values.model!,
      metrics,
      against: values.against,
      candidate: values.candidate,
      promote: values.promote,
    });
    if (values.report) writeFileSync(resolve(values.report), outcome.report);
    process.stdout.write(`${values.json ? runsJson(outcome.summary, 2) : summaryText(outcome)}\n`);
    return outcome.exitCode;
  });
}
