// The registry workflow every face shares (CLI, gate, the Models view): list models with their versions, register
// a run's model file, promote, alias, archive, delete, history. Every change goes through the audited registry.
import type { Actor } from '../core/actor';
import { primaryMetricOf } from '../core/metricDirection';
import type { Artifact, RunDetail } from '../core/types';
import { auditTrail, AuditedRegistry } from '../store/modelAudit';
import type { AuditEntry } from '../store/modelAudit';
import type { ModelStage, ModelVersion } from '../store/registry';
import { resolveRunRef } from '../store/runRefs';
import type { Store } from '../store/store';

/** A request the registry cannot carry out as asked (no model file to register, an unknown path): exit code 2. */
export class ModelsError extends Error {}

/** Version tags that hold a model card's hand-written parts; MLflow clients see and can edit them too. */
export const CARD_TAGS = { intendedUse: 'labbook.card.intended_use', notes: 'labbook.card.notes' } as const;

/** A version as a view shows it: the registry's facts plus its source run's name and key metric and the model file's hash. */
export interface VersionView extends ModelVersion {
  runName: string | null;
  keyMetric: { key: string; value: number } | null;
  /** Path of the model file inside the run, and its sha256 (null for a source that is not one stored file). */
  artifactPath: string | null;
  modelSha256: string | null;
}

/** A registered model with all its versions, newest first. */
export interface ModelView {
  name: string;
  description: string;
  createdAt: number;
  updatedAt: number;
  aliases: { alias: string; version: number }[];
  versions: VersionView[];
}

/** The path inside the run that a `runs:/<id>/<path>` source names, or null. */
export function runSourcePath(source: string): string | null {
  const match = /^runs:\/[^/]+\/(.+)$/.exec(source);
  return match ? match[1] : null;
}

/** Whether an artifact is a model file a run wrote (what registering picks from). */
export function isModelFile(artifact: Pick<Artifact, 'direction' | 'role'>): boolean {
  return artifact.direction === 'output' && artifact.role === 'model';
}

function modelFiles(run: RunDetail): Artifact[] {
  return run.artifacts.filter(isModelFile);
}

/** The file (or folder) of a run to register: `path` when given, else its newest model file. */
function modelPathOf(run: RunDetail, path: string | undefined): string {
  const outputs = run.artifacts.filter((a) => a.direction === 'output');
  if (path !== undefined) {
    const clean = path.replace(/^\.\//, '').replace(/\/+$/, '');
    if (outputs.some((a) => a.path === clean || a.path.startsWith(`${clean}/`))) return clean;
    throw new ModelsError(`Run ${run.name} has no artifact '${path}'. Its files: ${outputs.map((a) => a.path).join(', ') || 'none'}.`);
  }
  const [newest] = modelFiles(run).sort((a, b) => b.createdAt - a.createdAt || a.path.localeCompare(b.path));
  if (!newest) throw new ModelsError(`Run ${run.name} wrote no model file (.pkl, .pt, .onnx, …). Name one with --path.`);
  return newest.path;
}

/** The registry workflow over a store, recording each change as `actor` (`cli`, `extension`, `ci`…). */
export class ModelsService {
  /** The audited registry; use it for reads and for changes this service does not wrap. */
  readonly registry: AuditedRegistry;

  constructor(
    private readonly store: Store,
    actor: Actor | (() => Actor),
  ) {
    this.registry = new AuditedRegistry(store, actor);
  }

  /** Every model (or the one named) with its versions; an unknown name is a NotFoundError. */
  list(name?: string): ModelView[] {
    const models = name === undefined ? this.registry.listModels() : [this.registry.getModel(name)];
    return models.map((model) => ({
      name: model.name,
      description: model.description,
      createdAt: model.createdAt,
      updatedAt: model.updatedAt,
      aliases: model.aliases,
      versions: this.registry.listVersions(model.name).map((version) => this.view(version)),
    }));
  }

  /** One version with its run facts. */
  version(name: string, version: number): VersionView {
    return this.view(this.registry.getVersion(name, version));
  }

  /** Registers a run's model file as the next version of `name` (default: the run's experiment), creating the model if new. */
  register(runRef: string, options: { name?: string; path?: string; description?: string } = {}): ModelVersion {
    const run = this.store.getRunDetail(resolveRunRef(this.store, runRef).id);
    const path = modelPathOf(run, options.path);
    const name = options.name ?? run.experimentName;
    return this.store.transaction(() => {
      if (!this.registry.listModels().some((m) => m.name === name)) this.registry.createModel(name);
      return this.registry.createVersion(name, {
        source: `runs:/${run.id}/${path}`,
        runId: run.id,
        description: options.description,
        userId: run.user,
      });
    });
  }

  /** Moves a version to a stage; archiveExisting sends the versions already in that stage to Archived. */
  promote(name: string, version: number, stage: ModelStage, archiveExisting = false): ModelVersion {
    return this.registry.transitionStage(name, version, stage, archiveExisting);
  }

  /** Moves a version to Archived. */
  archive(name: string, version: number): ModelVersion {
    return this.registry.transitionStage(name, version, 'Archived');
  }

  /** Points an alias (champion, challenger…) at a version, moving it from any other. */
  setAlias(name: string, alias: string, version: number): void {
    this.registry.setAlias(name, alias, version);
  }

  /** Removes an alias. */
  removeAlias(name: string, alias: string): void {
    this.registry.deleteAlias(name, alias);
  }

  /** Deletes a version (its aliases go with it; the audit trail keeps the deletion). */
  deleteVersion(name: string, version: number): void {
    this.registry.deleteVersion(name, version);
  }

  /** The audit trail of a model, or of one version, oldest first. */
  history(name: string, version?: number): AuditEntry[] {
    const trail = auditTrail(this.store, name, version);
    if (trail.length === 0) this.registry.getModel(name); // an unknown model is an error, a silent model an empty list
    return trail;
  }

  /** Stores a model card's hand-written parts on the version (undefined leaves a part as it is; '' clears it). */
  setCardText(name: string, version: number, text: { intendedUse?: string; notes?: string }): void {
    this.store.transaction(() => {
      for (const [part, tag] of Object.entries(CARD_TAGS) as [keyof typeof CARD_TAGS, string][]) {
        const value = text[part];
        if (value !== undefined) this.registry.setVersionTag(name, version, tag, value);
      }
    });
  }

  /** The newest version of `name` registered from `runId`, if any (none when the model does not exist). */
  versionOfRun(name: string, runId: string): ModelVersion | undefined {
    return this.registry.listVersions(name).find((v) => v.runId === runId);
  }

  private view(version: ModelVersion): VersionView {
    const run = version.runId ? this.store.findRun(version.runId) : undefined;
    const path = runSourcePath(version.source);
    if (!run) return { ...version, runName: null, keyMetric: null, artifactPath: path, modelSha256: null };
    const metrics = this.store.metricSummaries(run.id);
    const key = primaryMetricOf(metrics.map((m) => m.key));
    const summary = metrics.find((m) => m.key === key);
    const file = path === null ? undefined : this.store.artifacts(run.id).find((a) => a.direction === 'output' && a.path === path);
    return {
      ...version,
      runName: run.name,
      keyMetric: summary ? { key: summary.key, value: summary.last } : null,
      artifactPath: path,
      modelSha256: file?.sha256 ?? null,
    };
  }
}
