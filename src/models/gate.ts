// The gate over the store: find the candidate run and the current model, decide with core's table, report, and
// with --promote register and promote the candidate. Usage and data errors throw (exit 2); the verdict is 0 or 1.
import { decideGate, GateDataError } from '../core/gate';
import type { GateCondition, GateDecision, MetricValues } from '../core/gate';
import { gateReport } from '../core/gateReport';
import type { GateSide } from '../core/gateReport';
import { metricDirection } from '../core/metricDirection';
import type { MetricDirection } from '../core/metricDirection';
import { sampledHistory } from '../store/seriesReads';
import type { RunDetail } from '../core/types';
import { NotFoundError } from '../store/errors';
import { parseStage } from '../store/registry';
import type { ModelStage, ModelVersion } from '../store/registry';
import { resolveRunRef } from '../store/runRefs';
import type { Store } from '../store/store';
import type { ModelsService } from './models';

/** One --metric as given: the direction defaults to what the name implies (loss: lower), min-delta to 0. */
export interface GateMetricRequest {
  metric: string;
  direction?: MetricDirection;
  minDelta?: number;
}

/** What to gate: the model, the conditions, the current version to beat and the candidate run. */
export interface GateRequest {
  model: string;
  metrics: GateMetricRequest[];
  /** `Production` (default) or `Staging`, `@alias`, or a run reference. */
  against?: string;
  /** A run reference; default `@last`. */
  candidate?: string;
  promote?: boolean;
}

/** The gate's outcome: exit code 0 (pass) or 1 (fail), the decision, the Markdown report and a JSON summary. */
export interface GateOutcome {
  exitCode: 0 | 1;
  decision: GateDecision;
  report: string;
  summary: GateSummary;
}

/** The machine-readable outcome (`labbook gate --json`). */
export interface GateSummary {
  model: string;
  against: string;
  verdict: 'pass' | 'fail';
  firstDeployment: boolean;
  sameAsCurrent: boolean;
  candidate: { runId: string; runName: string; version: number | null };
  current: { runId: string; runName: string; version: number | null } | null;
  conditions: GateDecision['conditions'];
  promoted: { version: number; stage: ModelStage | null; alias: string | null } | null;
  actions: string[];
}

/** The tag on a gated version holding its last gate result, which its model card shows. */
export const GATE_TAG = 'labbook.gate';

type Baseline = { kind: 'stage'; stage: ModelStage } | { kind: 'alias'; alias: string } | { kind: 'run'; ref: string };

/** Reads --against: a stage (Production, Staging), `@alias`, or a run reference (`@last`, `@best:…` are run references). */
export function parseAgainst(text: string): Baseline {
  if (/^@(last$|best:)/.test(text)) return { kind: 'run', ref: text };
  if (text.startsWith('@')) {
    if (text.length === 1) throw new GateDataError("--against '@' needs an alias name, e.g. @champion.");
    return { kind: 'alias', alias: text.slice(1) };
  }
  const stage = (['Staging', 'Production'] as const).find((s) => s.toLowerCase() === text.toLowerCase());
  if (stage) return { kind: 'stage', stage: parseStage(stage) };
  return { kind: 'run', ref: text };
}

/** The conditions with their directions settled; a metric whose name does not tell its direction must be told. */
export function gateConditions(metrics: readonly GateMetricRequest[]): GateCondition[] {
  return metrics.map(({ metric, direction, minDelta }) => {
    const settled = direction ?? metricDirection(metric);
    if (!settled) throw new GateDataError(`Which way is '${metric}' better? Add --higher-is-better or --lower-is-better after --metric ${metric}.`);
    return { metric, direction: settled, minDelta: minDelta ?? 0 };
  });
}

interface Current {
  run: RunDetail;
  version: ModelVersion | null;
}

function currentVersion(service: ModelsService, model: string, baseline: Baseline): ModelVersion | null {
  try {
    if (baseline.kind === 'stage') return service.registry.latestVersions(model, [baseline.stage])[0] ?? null;
    if (baseline.kind === 'alias') return service.registry.versionByAlias(model, baseline.alias);
  } catch (error) {
    if (error instanceof NotFoundError) return null; // no such model or alias yet: nothing deployed to beat
    throw error;
  }
  return null;
}

function findCurrent(store: Store, service: ModelsService, model: string, baseline: Baseline): Current | null {
  if (baseline.kind === 'run') return { run: store.getRunDetail(resolveRunRef(store, baseline.ref).id), version: null };
  const version = currentVersion(service, model, baseline);
  if (!version) return null;
  const run = version.runId ? store.findRun(version.runId) : undefined;
  if (!run) throw new GateDataError(`${model} v${version.version} has no source run in this store to compare with.`);
  return { run: store.getRunDetail(run.id), version };
}

function findCandidate(store: Store, ref: string): RunDetail {
  const run = store.getRunDetail(resolveRunRef(store, ref).id);
  if (run.status !== 'FINISHED') throw new GateDataError(`The candidate run ${run.name} is ${run.status}, not FINISHED: there is no model to gate.`);
  return run;
}

function valuesOf(run: RunDetail): MetricValues {
  return Object.fromEntries(run.metrics.map((m) => [m.key, m.last]));
}

function side(store: Store, run: RunDetail, label: string, metrics: readonly string[]): GateSide {
  const series = Object.fromEntries(
    metrics.map((key) => [key, sampledHistory(store, run.id, key, 100).map((p): [number, number] => [p.step, p.value])]),
  );
  const data = run.artifacts.filter((a) => a.direction === 'input').map((a) => ({ path: a.path, sha256: a.sha256 }));
  return { label, runId: run.id, commit: run.git.commit, dirty: run.git.dirty, params: run.params, data, series };
}

function againstLabel(baseline: Baseline): string {
  if (baseline.kind === 'stage') return baseline.stage;
  return baseline.kind === 'alias' ? `@${baseline.alias}` : `run ${baseline.ref}`;
}

function promoteCandidate(service: ModelsService, request: GateRequest, baseline: Baseline, candidate: RunDetail, current: Current | null) {
  const actions: string[] = [];
  let version = service.versionOfRun(request.model, candidate.id);
  if (!version) {
    version = service.register(candidate.id, { name: request.model });
    actions.push(`registered ${request.model} v${version.version} from run ${candidate.name}`);
  }
  if (baseline.kind === 'alias') {
    service.setAlias(request.model, baseline.alias, version.version);
    actions.push(`alias @${baseline.alias} → v${version.version}${current?.version ? ` (was v${current.version.version})` : ''}`);
    return { actions, promoted: { version: version.version, stage: null, alias: baseline.alias } };
  }
  const stage = baseline.kind === 'stage' ? baseline.stage : 'Production';
  const before = service.registry.listVersions(request.model).filter((v) => v.stage === stage && v.version !== version.version);
  service.promote(request.model, version.version, stage, true);
  actions.push(`v${version.version} → ${stage}`, ...before.map((v) => `v${v.version} ${stage} → Archived`));
  return { actions, promoted: { version: version.version, stage, alias: null } };
}

/** Evaluates the gate (and promotes on a pass when asked). Throws GateDataError, RunRefError or ModelsError for exit 2. */
export function evaluateGate(store: Store, service: ModelsService, request: GateRequest): GateOutcome {
  const conditions = gateConditions(request.metrics);
  const baseline = parseAgainst(request.against ?? 'Production');
  const candidate = findCandidate(store, request.candidate ?? '@last');
  const current = findCurrent(store, service, request.model, baseline);
  const decision = decideGate(conditions, valuesOf(candidate), current ? valuesOf(current.run) : null);
  const sameAsCurrent = current?.run.id === candidate.id;
  // Registering and promoting are one change: a failure in between leaves no half-promoted candidate.
  const promotion =
    decision.passed && request.promote ? store.transaction(() => promoteCandidate(service, request, baseline, candidate, current)) : null;
  const candidateVersion = service.versionOfRun(request.model, candidate.id) ?? null;
  const against = againstLabel(baseline);
  if (candidateVersion) recordGate(service, candidateVersion, against, decision);
  const metrics = conditions.map((c) => c.metric);
  const candidateLabel = `run ${candidate.name} (${candidate.id.slice(0, 8)})${candidateVersion ? `, ${request.model} v${candidateVersion.version}` : ''}`;
  const currentSide = current ? side(store, current.run, currentLabel(request.model, against, current), metrics) : null;
  const actions = promotion?.actions ?? [];
  const report = gateReport({
    model: request.model,
    against,
    decision,
    candidate: side(store, candidate, candidateLabel, metrics),
    current: currentSide,
    sameAsCurrent,
    actions,
  });
  const summary: GateSummary = {
    model: request.model,
    against,
    verdict: decision.passed ? 'pass' : 'fail',
    firstDeployment: decision.firstDeployment,
    sameAsCurrent,
    candidate: { runId: candidate.id, runName: candidate.name, version: candidateVersion?.version ?? null },
    current: current ? { runId: current.run.id, runName: current.run.name, version: current.version?.version ?? null } : null,
    conditions: decision.conditions,
    promoted: promotion?.promoted ?? null,
    actions,
  };
  return { exitCode: decision.passed ? 0 : 1, decision, report, summary };
}

function currentLabel(model: string, against: string, current: Current): string {
  const run = `run ${current.run.name} (${current.run.id.slice(0, 8)})`;
  return current.version ? `${against}: ${model} v${current.version.version}, ${run}` : run;
}

function recordGate(service: ModelsService, version: ModelVersion, against: string, decision: GateDecision): void {
  const result = {
    at: Date.now(),
    against,
    passed: decision.passed,
    firstDeployment: decision.firstDeployment,
    conditions: decision.conditions.map(({ metric, direction, minDelta, candidate, current, passed }) => ({
      metric,
      direction,
      minDelta,
      candidate,
      current,
      passed,
    })),
  };
  service.registry.setVersionTag(version.name, version.version, GATE_TAG, JSON.stringify(result));
}
