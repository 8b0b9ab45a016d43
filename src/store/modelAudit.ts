// The registry's audit trail: every stage or alias change of a model version, with who made it, when and from
// where. Changes go through AuditedRegistry, which writes the trail in the same transaction as the change.
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { actorName, changeSource } from '../core/actor';
import type { Actor, ChangeSource } from '../core/actor';
import { connectionOf } from './connection';
import { ModelRegistry } from './registry';
import type { ModelStage, ModelVersion, NewModelVersion } from './registry';
import { prepared } from './statements';
import type { Store } from './store';

/** What happened to a version: registered, moved to a stage, given or stripped of an alias, deleted. */
export type AuditAction = 'register' | 'stage' | 'alias' | 'unalias' | 'delete';

/**
 * One audit entry. For `stage`: from and to are stages. For `alias`: to is the alias, from the version it moved
 * from (or null). For `unalias`: from is the alias. For `register`: to is the source. For `delete`: from is the stage.
 */
export interface AuditEntry {
  id: number;
  name: string;
  version: number;
  action: AuditAction;
  from: string | null;
  to: string | null;
  who: string;
  source: ChangeSource;
  at: number;
}

interface AuditRow {
  id: number;
  name: string;
  version: number;
  action: AuditAction;
  from_value: string | null;
  to_value: string | null;
  who: string;
  source: ChangeSource;
  at: number;
}

/** The audit trail of a model (or of one of its versions), oldest first. */
export function auditTrail(store: Store, name: string, version?: number): AuditEntry[] {
  const db = connectionOf(store);
  const rows = (
    version === undefined
      ? prepared(db, 'SELECT * FROM model_audit WHERE name = ? ORDER BY id').all(name)
      : prepared(db, 'SELECT * FROM model_audit WHERE name = ? AND version = ? ORDER BY id').all(name, version)
  ) as AuditRow[];
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    version: row.version,
    action: row.action,
    from: row.from_value,
    to: row.to_value,
    who: row.who,
    source: row.source,
    at: row.at,
  }));
}

const identities = new Map<string, string>();

function gitConfig(key: string, cwd: string): string | undefined {
  try {
    return execFileSync('git', ['config', '--get', key], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return undefined; // no git, or the key is unset
  }
}

function osUser(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME; // containers may run as a uid without a passwd entry
  }
}

/** The actor of this process: git's user (read once per folder) or the OS user, and `face` (or `ci` inside a CI job). */
export function localActor(face: ChangeSource, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Actor {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  let who = identities.get(cwd);
  if (who === undefined) {
    who = actorName({ gitName: gitConfig('user.name', cwd), gitEmail: gitConfig('user.email', cwd), osUser: osUser(env) });
    identities.set(cwd, who);
  }
  return { who, source: changeSource(face, env) };
}

/** The model registry with its audit trail: every version registration, stage, alias and deletion is recorded as `actor`. */
export class AuditedRegistry extends ModelRegistry {
  private readonly actorOf: () => Actor;

  constructor(
    private readonly auditStore: Store,
    actor: Actor | (() => Actor),
  ) {
    super(auditStore);
    this.actorOf = typeof actor === 'function' ? actor : () => actor;
  }

  override createVersion(name: string, spec: NewModelVersion): ModelVersion {
    return this.auditStore.transaction(() => {
      const created = super.createVersion(name, spec);
      this.record(name, created.version, 'register', null, spec.source);
      return created;
    });
  }

  override transitionStage(name: string, version: number, stage: ModelStage, archiveExisting = false): ModelVersion {
    return this.auditStore.transaction(() => {
      const before = new Map(this.listVersions(name).map((v) => [v.version, v.stage]));
      const moved = super.transitionStage(name, version, stage, archiveExisting);
      // The version asked for first, then the ones archived because of it.
      const after = this.listVersions(name).sort((a, b) => Number(b.version === version) - Number(a.version === version) || a.version - b.version);
      for (const v of after) {
        const was = before.get(v.version);
        if (was !== undefined && was !== v.stage) this.record(name, v.version, 'stage', was, v.stage);
      }
      return moved;
    });
  }

  override setAlias(name: string, alias: string, version: number): void {
    this.auditStore.transaction(() => {
      const previous = this.aliasTarget(name, alias);
      super.setAlias(name, alias, version);
      if (previous === version) return;
      if (previous !== undefined) this.record(name, previous, 'unalias', alias, null);
      this.record(name, version, 'alias', previous === undefined ? null : String(previous), alias);
    });
  }

  override deleteAlias(name: string, alias: string): void {
    this.auditStore.transaction(() => {
      const previous = this.aliasTarget(name, alias);
      super.deleteAlias(name, alias);
      if (previous !== undefined) this.record(name, previous, 'unalias', alias, null);
    });
  }

  override deleteVersion(name: string, version: number): void {
    this.auditStore.transaction(() => {
      const stage = this.getVersion(name, version).stage;
      super.deleteVersion(name, version);
      this.record(name, version, 'delete', stage, null);
    });
  }

  override deleteModel(name: string): void {
    this.auditStore.transaction(() => {
      const versions = this.listVersions(name);
      super.deleteModel(name);
      for (const v of versions) this.record(name, v.version, 'delete', v.stage, null);
    });
  }

  private aliasTarget(name: string, alias: string): number | undefined {
    return this.getModel(name).aliases.find((a) => a.alias === alias)?.version;
  }

  private record(name: string, version: number, action: AuditAction, from: string | null, to: string | null): void {
    const { who, source } = this.actorOf();
    prepared(
      connectionOf(this.auditStore),
      'INSERT INTO model_audit (name, version, action, from_value, to_value, who, source, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(name, version, action, from, to, who, source, Date.now());
  }
}
