// The model registry: named models, numbered versions with a stage, tags and aliases (MLflow's semantics).
import { AlreadyExistsError, InvalidValueError, NotFoundError } from './errors';
import { keyValueRecord, prepared } from './statements';
import type { Store } from './store';
import { connectionOf } from './connection';

/** Registry stage of a model version. */
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';

/** Every stage, in MLflow's order. */
export const MODEL_STAGES: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** One version of a registered model. */
export interface ModelVersion {
  name: string;
  version: number;
  createdAt: number;
  updatedAt: number;
  stage: ModelStage;
  description: string;
  /** Where the files are: `runs:/…`, `models:/<model id>` or an artifact URI. */
  source: string;
  runId: string | null;
  modelId: string | null;
  /** Where the files were found when the version was registered from another version's `models:/` URI. */
  storageLocation: string | null;
  runLink: string;
  status: string;
  userId: string | null;
  tags: Record<string, string>;
  aliases: string[];
}

/** A registered model with its newest version per stage. */
export interface RegisteredModel {
  name: string;
  createdAt: number;
  updatedAt: number;
  description: string;
  tags: Record<string, string>;
  aliases: { alias: string; version: number }[];
  latestVersions: ModelVersion[];
}

/** What a new version is made from. */
export interface NewModelVersion {
  source: string;
  runId?: string | null;
  modelId?: string | null;
  storageLocation?: string | null;
  runLink?: string;
  description?: string;
  userId?: string | null;
  tags?: Record<string, string>;
}

interface ModelRow {
  name: string;
  created_at: number;
  updated_at: number;
  description: string;
}

interface VersionRow {
  name: string;
  version: number;
  created_at: number;
  updated_at: number;
  stage: ModelStage;
  description: string;
  source: string;
  run_id: string | null;
  model_id: string | null;
  storage_location: string | null;
  run_link: string;
  status: string;
  user_id: string | null;
}

/** The canonical stage for any casing of its name ("production" is Production), or InvalidValueError. */
export function parseStage(text: string): ModelStage {
  const stage = MODEL_STAGES.find((s) => s.toLowerCase() === text.trim().toLowerCase());
  if (!stage) throw new InvalidValueError(`Invalid Model Version stage: ${text}. Value must be one of ${MODEL_STAGES.join(', ')}.`);
  return stage;
}

// "latest" and "v<n>" already mean something in models:/ URIs, so MLflow refuses them as aliases.
function checkAlias(alias: string): void {
  if (!alias.trim()) throw new InvalidValueError('An alias cannot be empty.');
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw new InvalidValueError(`'${alias}' cannot be an alias: 'latest' and 'v<number>' are reserved.`);
  }
}

/** The model registry of a store. Version numbers are handed out inside write transactions, so several processes can register at once. */
export class ModelRegistry {
  constructor(private readonly store: Store) {}

  createModel(name: string, options: { description?: string; tags?: Record<string, string> } = {}): RegisteredModel {
    if (!name.trim()) throw new InvalidValueError('A registered model needs a name.');
    connectionOf(this.store)
      .transaction(() => {
        if (this.modelRow(name)) throw new AlreadyExistsError(`Registered Model (name=${name}) already exists.`);
        const now = Date.now();
        this.sql('INSERT INTO registered_models (name, created_at, updated_at, description) VALUES (?, ?, ?, ?)').run(
          name,
          now,
          now,
          options.description ?? '',
        );
        for (const [key, value] of Object.entries(options.tags ?? {})) this.setModelTag(name, key, value);
      })
      .immediate();
    return this.getModel(name);
  }

  getModel(name: string): RegisteredModel {
    const row = this.modelRow(name);
    if (!row) throw new NotFoundError(`Registered Model with name=${name} not found`);
    return this.toModel(row);
  }

  /** Every registered model, by name. */
  /**
   * What the registry holds, in one string that changes whenever a model, version, stage or alias does: the Models
   * view compares it on every store change. One statement, however many versions (listing them costs a query each).
   */
  fingerprint(): string {
    const row = this.sql(
      `SELECT json_array(
        (SELECT json_group_array(json_array(name, updated_at)) FROM (SELECT name, updated_at FROM registered_models ORDER BY name)),
        (SELECT json_group_array(json_array(name, version, updated_at, stage)) FROM (SELECT name, version, updated_at, stage FROM model_versions ORDER BY name, version)),
        (SELECT json_group_array(json_array(name, alias, version)) FROM (SELECT name, alias, version FROM model_aliases ORDER BY name, alias))
      ) AS fingerprint`,
    ).get() as { fingerprint: string };
    return row.fingerprint;
  }

  listModels(): RegisteredModel[] {
    return (this.sql('SELECT * FROM registered_models ORDER BY name').all() as ModelRow[]).map((row) => this.toModel(row));
  }

  renameModel(name: string, newName: string): RegisteredModel {
    if (!newName.trim()) throw new InvalidValueError('A registered model needs a name.');
    connectionOf(this.store)
      .transaction(() => {
        this.touchModel(name);
        if (name !== newName && this.modelRow(newName)) throw new AlreadyExistsError(`Registered Model (name=${newName}) already exists.`);
        this.sql('UPDATE registered_models SET name = ? WHERE name = ?').run(newName, name);
      })
      .immediate();
    return this.getModel(newName);
  }

  updateModel(name: string, description: string): RegisteredModel {
    this.touchModel(name);
    this.sql('UPDATE registered_models SET description = ? WHERE name = ?').run(description, name);
    return this.getModel(name);
  }

  /** Deletes a model with its versions, tags and aliases. */
  deleteModel(name: string): void {
    if (this.sql('DELETE FROM registered_models WHERE name = ?').run(name).changes === 0)
      throw new NotFoundError(`Registered Model with name=${name} not found`);
  }

  setModelTag(name: string, key: string, value: string): void {
    this.touchModel(name);
    this.sql('INSERT OR REPLACE INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)').run(name, key, value);
  }

  /** Removes a model's tag; one that is not set is no error, as in MLflow (the model must exist). */
  deleteModelTag(name: string, key: string): void {
    this.touchModel(name);
    this.sql('DELETE FROM registered_model_tags WHERE name = ? AND key = ?').run(name, key);
  }

  // ---- versions ----

  /**
   * Adds the next version of a model, READY at once (files are already stored when a client registers). Numbers
   * of deleted versions are not given again, as in MLflow.
   */
  createVersion(name: string, spec: NewModelVersion): ModelVersion {
    const version = connectionOf(this.store)
      .transaction(() => {
        this.touchModel(name);
        const next = (
          this.sql('UPDATE registered_models SET last_version = last_version + 1 WHERE name = ? RETURNING last_version').get(name) as {
            last_version: number;
          }
        ).last_version;
        const now = Date.now();
        this.sql(
          `INSERT INTO model_versions (name, version, created_at, updated_at, stage, description, source, run_id, model_id, storage_location, run_link, status, user_id)
           VALUES (?, ?, ?, ?, 'None', ?, ?, ?, ?, ?, ?, 'READY', ?)`,
        ).run(
          name,
          next,
          now,
          now,
          spec.description ?? '',
          spec.source,
          spec.runId ?? null,
          spec.modelId ?? null,
          spec.storageLocation ?? null,
          spec.runLink ?? '',
          spec.userId ?? null,
        );
        for (const [key, value] of Object.entries(spec.tags ?? {})) this.setVersionTag(name, next, key, value);
        return next;
      })
      .immediate();
    return this.getVersion(name, version);
  }

  /** Whether the model has this version. */
  hasVersion(name: string, version: number): boolean {
    return this.versionRow(name, version) !== undefined;
  }

  getVersion(name: string, version: number): ModelVersion {
    const row = this.versionRow(name, version);
    if (!row) throw new NotFoundError(`Model Version (name=${name}, version=${version}) not found`);
    return this.toVersion(row);
  }

  /** Versions of one model (or of all models), newest first. */
  listVersions(name?: string): ModelVersion[] {
    const rows = (
      name === undefined
        ? this.sql('SELECT * FROM model_versions ORDER BY name, version DESC').all()
        : this.sql('SELECT * FROM model_versions WHERE name = ? ORDER BY version DESC').all(name)
    ) as VersionRow[];
    return rows.map((row) => this.toVersion(row));
  }

  updateVersion(name: string, version: number, description: string): ModelVersion {
    this.touchVersion(name, version);
    this.sql('UPDATE model_versions SET description = ? WHERE name = ? AND version = ?').run(description, name, version);
    return this.getVersion(name, version);
  }

  /** Deletes a version and any alias that pointed at it. */
  deleteVersion(name: string, version: number): void {
    connectionOf(this.store)
      .transaction(() => {
        if (this.sql('DELETE FROM model_versions WHERE name = ? AND version = ?').run(name, version).changes === 0) {
          throw new NotFoundError(`Model Version (name=${name}, version=${version}) not found`);
        }
        this.sql('DELETE FROM model_aliases WHERE name = ? AND version = ?').run(name, version);
        this.touchModel(name);
      })
      .immediate();
  }

  setVersionTag(name: string, version: number, key: string, value: string): void {
    this.touchVersion(name, version);
    this.sql('INSERT OR REPLACE INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)').run(name, version, key, value);
  }

  /** Removes a version's tag; one that is not set is no error, as in MLflow (the version must exist). */
  deleteVersionTag(name: string, version: number, key: string): void {
    this.touchVersion(name, version);
    this.sql('DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?').run(name, version, key);
  }

  /**
   * Moves a version to a stage; with archiveExisting, the other versions in Staging/Production stages go to Archived.
   * The model's last-updated time moves with it, as in MLflow.
   */
  transitionStage(name: string, version: number, stage: ModelStage, archiveExisting = false): ModelVersion {
    connectionOf(this.store)
      .transaction(() => {
        const now = this.touchVersion(name, version);
        this.sql('UPDATE model_versions SET stage = ? WHERE name = ? AND version = ?').run(stage, name, version);
        this.sql('UPDATE registered_models SET updated_at = ? WHERE name = ?').run(now, name);
        if (archiveExisting && (stage === 'Staging' || stage === 'Production')) {
          this.sql("UPDATE model_versions SET stage = 'Archived', updated_at = ? WHERE name = ? AND stage = ? AND version != ?").run(
            now,
            name,
            stage,
            version,
          );
        }
      })
      .immediate();
    return this.getVersion(name, version);
  }

  /**
   * The newest version in each of the given stages (every stage when none given), listed as MLflow lists them: in
   * the order each stage first appears going up the versions.
   */
  latestVersions(name: string, stages: readonly ModelStage[] = []): ModelVersion[] {
    if (!this.modelRow(name)) throw new NotFoundError(`Registered Model with name=${name} not found`);
    const wanted = stages.length ? stages : MODEL_STAGES;
    const newest = new Map<ModelStage, ModelVersion>();
    for (const v of this.listVersions(name).reverse()) newest.set(v.stage, v);
    return [...newest].filter(([stage]) => wanted.includes(stage)).map(([, v]) => v);
  }

  // ---- aliases ----

  setAlias(name: string, alias: string, version: number): void {
    checkAlias(alias);
    connectionOf(this.store)
      .transaction(() => {
        this.getVersion(name, version);
        this.sql('INSERT OR REPLACE INTO model_aliases (name, alias, version) VALUES (?, ?, ?)').run(name, alias, version);
        this.touchModel(name);
      })
      .immediate();
  }

  deleteAlias(name: string, alias: string): void {
    this.getModel(name);
    if (this.sql('DELETE FROM model_aliases WHERE name = ? AND alias = ?').run(name, alias).changes === 0) {
      throw new NotFoundError(`Registered model '${name}' has no alias '${alias}'.`);
    }
  }

  /** The version an alias points at, or undefined when the model has no such alias (or there is no such model). */
  aliasVersion(name: string, alias: string): number | undefined {
    return (this.sql('SELECT version FROM model_aliases WHERE name = ? AND alias = ?').get(name, alias) as { version: number } | undefined)?.version;
  }

  versionByAlias(name: string, alias: string): ModelVersion {
    const version = this.aliasVersion(name, alias);
    if (version === undefined) throw new NotFoundError(`Registered model '${name}' has no alias '${alias}'.`);
    return this.getVersion(name, version);
  }

  // ---- rows ----

  private modelRow(name: string): ModelRow | undefined {
    return this.sql('SELECT * FROM registered_models WHERE name = ?').get(name) as ModelRow | undefined;
  }

  private versionRow(name: string, version: number): VersionRow | undefined {
    return this.sql('SELECT * FROM model_versions WHERE name = ? AND version = ?').get(name, version) as VersionRow | undefined;
  }

  private toModel(row: ModelRow): RegisteredModel {
    const aliases = this.sql('SELECT alias, version FROM model_aliases WHERE name = ? ORDER BY alias').all(row.name) as {
      alias: string;
      version: number;
    }[];
    return {
      name: row.name,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      description: row.description,
      tags: this.tagsOf('SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key', row.name),
      aliases,
      latestVersions: this.latestVersions(row.name),
    };
  }

  private toVersion(row: VersionRow): ModelVersion {
    const aliases = this.sql('SELECT alias FROM model_aliases WHERE name = ? AND version = ? ORDER BY alias').all(row.name, row.version) as {
      alias: string;
    }[];
    return {
      name: row.name,
      version: row.version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      stage: row.stage,
      description: row.description,
      source: row.source,
      runId: row.run_id,
      modelId: row.model_id,
      storageLocation: row.storage_location,
      runLink: row.run_link,
      status: row.status,
      userId: row.user_id,
      tags: this.tagsOf('SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key', row.name, row.version),
      aliases: aliases.map((a) => a.alias),
    };
  }

  private tagsOf(sql: string, ...args: (string | number)[]): Record<string, string> {
    return keyValueRecord(this.sql(sql).all(...args) as { key: string; value: string }[]);
  }

  private touchModel(name: string): number {
    const now = Date.now();
    if (this.sql('UPDATE registered_models SET updated_at = ? WHERE name = ?').run(now, name).changes === 0) {
      throw new NotFoundError(`Registered Model with name=${name} not found`);
    }
    return now;
  }

  private touchVersion(name: string, version: number): number {
    const now = Date.now();
    if (this.sql('UPDATE model_versions SET updated_at = ? WHERE name = ? AND version = ?').run(now, name, version).changes === 0) {
      throw new NotFoundError(`Model Version (name=${name}, version=${version}) not found`);
    }
    return now;
  }

  private sql(text: string) {
    return prepared(connectionOf(this.store), text);
  }
}
