// Schema migrations. Each entry moves the store from version i to i + 1; never edit a released one, append.
// NaN metric values are stored as NULL (SQLite turns NaN into NULL); ±Infinity are stored as REAL.
import { moveChunksToRowidTable, sealAllSeries } from './metrics';
import { storeEndedRunSummaries } from './runSummaries';
import type { SqlDatabase } from './sqlite';

/** Hears how far a long migration is: units done of the total (metric points for the chunk migrations, 8 and 13). */
export type MigrationProgress = (done: number, total: number) => void;

/** A migration moving at least this many metric points is worth a progress bar (CLI) or a notification (VS Code). */
export const LARGE_MIGRATION_POINTS = 200_000;

/** SQL, or SQL followed by a data move in code (run in the same transaction). */
export type Migration = string | { sql: string; move: (db: SqlDatabase, progress: MigrationProgress) => void };

/** Applies one migration on `db` (the caller holds the transaction). */
export function applyMigration(db: SqlDatabase, migration: Migration, progress: MigrationProgress = () => undefined): void {
  if (typeof migration === 'string') return db.exec(migration);
  db.exec(migration.sql);
  migration.move(db, progress);
}

/** Ordered migrations; index i takes user_version i to i + 1. */
export const MIGRATIONS: readonly Migration[] = [
  // 1: runs, params, tags, metrics, artifacts, git facts, registry.
  `
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    lifecycle TEXT NOT NULL DEFAULT 'active'
  );
  CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
  ) WITHOUT ROWID;
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    updated_at INTEGER NOT NULL,
    exit_code INTEGER,
    argv TEXT NOT NULL DEFAULT '[]',
    cwd TEXT,
    source_file TEXT,
    user TEXT,
    host TEXT,
    runner_pid INTEGER,
    heartbeat_at INTEGER,
    journal_path TEXT,
    journal_offset INTEGER NOT NULL DEFAULT 0,
    console_path TEXT,
    console_sha TEXT,
    git_commit TEXT,
    git_branch TEXT,
    git_remote TEXT,
    git_dirty INTEGER NOT NULL DEFAULT 0,
    git_patch_sha TEXT,
    starred INTEGER NOT NULL DEFAULT 0,
    lifecycle TEXT NOT NULL DEFAULT 'active'
  );
  CREATE INDEX runs_by_experiment ON runs (experiment_id, start_time);
  CREATE INDEX runs_by_start ON runs (start_time);
  CREATE INDEX runs_by_status ON runs (status);
  CREATE TABLE params (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX params_by_key ON params (key, value);
  CREATE TABLE tags (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  CREATE TABLE metric_series (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    last REAL,
    last_step INTEGER NOT NULL,
    last_timestamp INTEGER NOT NULL,
    min REAL,
    max REAL,
    count INTEGER NOT NULL,
    UNIQUE (run_id, key)
  );
  CREATE INDEX metric_series_by_key ON metric_series (key, last);
  CREATE TABLE metrics (
    series_id INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    value REAL,
    PRIMARY KEY (series_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE artifacts (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    direction TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, direction, path)
  ) WITHOUT ROWID;
  CREATE INDEX artifacts_by_sha ON artifacts (sha256);
  CREATE TABLE registered_models (
    name TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT ''
  );
  CREATE TABLE registered_model_tags (
    name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, key)
  ) WITHOUT ROWID;
  CREATE TABLE model_versions (
    name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    stage TEXT NOT NULL DEFAULT 'None',
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    run_id TEXT,
    sha256 TEXT,
    status TEXT NOT NULL DEFAULT 'READY',
    user_id TEXT,
    PRIMARY KEY (name, version)
  ) WITHOUT ROWID;
  CREATE TABLE model_version_tags (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, version, key),
    FOREIGN KEY (name, version) REFERENCES model_versions(name, version) ON DELETE CASCADE ON UPDATE CASCADE
  ) WITHOUT ROWID;
  CREATE TABLE model_aliases (
    name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE ON UPDATE CASCADE,
    alias TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (name, alias)
  ) WITHOUT ROWID;
  INSERT INTO experiments (id, name, created_at, updated_at) VALUES (0, 'Default', CAST(unixepoch('subsec') * 1000 AS INTEGER), CAST(unixepoch('subsec') * 1000 AS INTEGER));
  `,
  // 2: MLflow compatibility: run inputs/outputs, logged models (MLflow 3), model version links to logged models.
  `
  CREATE TABLE run_dataset_inputs (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    source_type TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    schema TEXT,
    profile TEXT,
    tags TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, name, digest)
  ) WITHOUT ROWID;
  CREATE TABLE logged_models (
    id TEXT PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    name TEXT NOT NULL,
    source_run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
    model_type TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX logged_models_by_name ON logged_models (experiment_id, name);
  CREATE INDEX logged_models_by_run ON logged_models (source_run_id);
  CREATE TABLE logged_model_tags (
    model_id TEXT NOT NULL REFERENCES logged_models(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
  ) WITHOUT ROWID;
  CREATE TABLE logged_model_params (
    model_id TEXT NOT NULL REFERENCES logged_models(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
  ) WITHOUT ROWID;
  CREATE TABLE logged_model_metrics (
    model_id TEXT NOT NULL REFERENCES logged_models(id) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    value REAL,
    PRIMARY KEY (model_id, run_id, key, step, timestamp)
  ) WITHOUT ROWID;
  CREATE TABLE logged_model_artifacts (
    model_id TEXT NOT NULL REFERENCES logged_models(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (model_id, path)
  ) WITHOUT ROWID;
  CREATE INDEX logged_model_artifacts_by_sha ON logged_model_artifacts (sha256);
  CREATE TABLE run_model_io (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, direction, model_id)
  ) WITHOUT ROWID;
  ALTER TABLE model_versions ADD COLUMN model_id TEXT;
  ALTER TABLE model_versions ADD COLUMN run_link TEXT NOT NULL DEFAULT '';
  `,
  // 3: crash safety: which runner and script own a live run (pid + start time, so a reused pid is not taken
  // for them), and how far the console log has been parsed into stored points.
  `
  ALTER TABLE runs ADD COLUMN runner_start INTEGER;
  ALTER TABLE runs ADD COLUMN child_pid INTEGER;
  ALTER TABLE runs ADD COLUMN child_start INTEGER;
  ALTER TABLE runs ADD COLUMN console_offset INTEGER NOT NULL DEFAULT 0;
  `,
  // 4: the Trash: when a run was deleted (soft, restorable), so it is purged 30 days later. Runs deleted
  // before this version start their 30 days now rather than vanishing on the first open.
  `
  ALTER TABLE runs ADD COLUMN deleted_at INTEGER;
  UPDATE runs SET deleted_at = CAST(unixepoch('subsec') * 1000 AS INTEGER) WHERE lifecycle = 'deleted';
  CREATE INDEX runs_in_trash ON runs (deleted_at) WHERE deleted_at IS NOT NULL;
  `,
  // 5: an experiment's own artifact root, as MLflow's experiments/create takes it (a local folder the client writes
  // to itself); NULL is the default, this server's proxied store.
  `
  ALTER TABLE experiments ADD COLUMN artifact_location TEXT;
  `,
  // 6: the model registry's audit trail: who changed a version's stage or aliases, when, and from where (cli,
  // extension, api, ci). No foreign key: the trail outlives a deleted version or model.
  `
  CREATE TABLE model_audit (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    action TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT,
    who TEXT NOT NULL,
    source TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX model_audit_by_version ON model_audit (name, version, id);
  `,
  // 7: MLflow registry parity: a version registered from another (models:/<name>/<version>) keeps the download
  // location it had then, even once that version is gone; version numbers are never reused after a delete.
  `
  ALTER TABLE model_versions ADD COLUMN storage_location TEXT;
  ALTER TABLE registered_models ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
  UPDATE registered_models SET last_version = (SELECT COALESCE(MAX(version), 0) FROM model_versions v WHERE v.name = registered_models.name);
  `,
  // 8: metric points in chunks (docs/architecture.md, "Metric history"): closed chunks of up to 1,024 points in
  // one BLOB each, with the header a read needs to skip them; `metrics` keeps only each series' open chunk as rows.
  // WITHOUT ROWID: one B-tree keyed as reads look chunks up; the headers stay in the leaf, the BLOB overflows.
  {
    sql: `
    ALTER TABLE metric_series ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE metric_chunks (
      series_id INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
      first_seq INTEGER NOT NULL,
      count INTEGER NOT NULL,
      min_step INTEGER NOT NULL,
      max_step INTEGER NOT NULL,
      min_value REAL,
      max_value REAL,
      data BLOB NOT NULL,
      PRIMARY KEY (series_id, first_seq)
    ) WITHOUT ROWID;
    `,
    move: sealAllSeries,
  },
  // 9: a served model version's inference log (labbook serve-model): sampled inputs and predictions, the newest
  // few thousand per version. No foreign key: the log outlives a deleted version, as the audit trail does.
  `
  CREATE TABLE inference_log (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    at INTEGER NOT NULL,
    input TEXT NOT NULL,
    prediction TEXT NOT NULL
  );
  CREATE INDEX inference_log_by_version ON inference_log (name, version, id);
  `,
  // 10: input hashes by (path, size, mtime), so a big data file a run reads is hashed once, not per run.
  `
  CREATE TABLE file_hashes (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    sha256 TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // 11: the run queue (labbook queue): commands waiting for a worker, in order, with the worker and run that took
  // them. No foreign key to runs: an entry keeps its history when its run is purged.
  `
  CREATE TABLE queue (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    command TEXT NOT NULL,
    cwd TEXT NOT NULL,
    experiment TEXT,
    name TEXT,
    params TEXT NOT NULL DEFAULT '{}',
    tags TEXT NOT NULL DEFAULT '{}',
    group_id TEXT,
    state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'running', 'done', 'failed', 'cancelled')),
    reason TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    run_id TEXT,
    worker_pid INTEGER,
    worker_start INTEGER,
    device TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX queue_by_state ON queue (state, position);
  `,
  // 12: run summaries as data: an ended run's listing as its JSON text in UTF-8 (runSummaries.ts). Any change to what the
  // listing shows (the run's listed columns, its params, tags, metric summaries, its experiment's name) drops the
  // text; listings build a missing one from the rows.
  {
    sql: `
  CREATE TABLE run_summaries (
    run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    json BLOB NOT NULL
  );
  CREATE TRIGGER params_insert_drops_summary AFTER INSERT ON params BEGIN DELETE FROM run_summaries WHERE run_id = NEW.run_id; END;
  CREATE TRIGGER params_update_drops_summary AFTER UPDATE ON params BEGIN DELETE FROM run_summaries WHERE run_id = NEW.run_id; END;
  CREATE TRIGGER params_delete_drops_summary AFTER DELETE ON params BEGIN DELETE FROM run_summaries WHERE run_id = OLD.run_id; END;
  CREATE TRIGGER tags_insert_drops_summary AFTER INSERT ON tags BEGIN DELETE FROM run_summaries WHERE run_id = NEW.run_id; END;
  CREATE TRIGGER tags_update_drops_summary AFTER UPDATE ON tags BEGIN DELETE FROM run_summaries WHERE run_id = NEW.run_id; END;
  CREATE TRIGGER tags_delete_drops_summary AFTER DELETE ON tags BEGIN DELETE FROM run_summaries WHERE run_id = OLD.run_id; END;
  CREATE TRIGGER metric_series_insert_drops_summary AFTER INSERT ON metric_series BEGIN DELETE FROM run_summaries WHERE run_id = NEW.run_id; END;
  CREATE TRIGGER metric_series_update_drops_summary AFTER UPDATE ON metric_series BEGIN DELETE FROM run_summaries WHERE run_id = NEW.run_id; END;
  CREATE TRIGGER metric_series_delete_drops_summary AFTER DELETE ON metric_series BEGIN DELETE FROM run_summaries WHERE run_id = OLD.run_id; END;
  CREATE TRIGGER runs_update_drops_summary AFTER UPDATE OF id, experiment_id, name, status, start_time, end_time, updated_at,
    exit_code, argv, cwd, source_file, user, host, git_commit, git_branch, git_remote, git_dirty, git_patch_sha, starred, console_sha
    ON runs BEGIN DELETE FROM run_summaries WHERE run_id = OLD.id; END;
  CREATE TRIGGER experiments_rename_drops_summaries AFTER UPDATE OF name ON experiments
    BEGIN DELETE FROM run_summaries WHERE run_id IN (SELECT id FROM runs WHERE experiment_id = NEW.id); END;
    `,
    move: storeEndedRunSummaries,
  },
  // 13: metric_chunks as a rowid table (same columns, same key as a unique index). WITHOUT ROWID keeps whole rows in
  // the B-tree's interior cells too, so every seek compared keys through chunks' overflow pages: a small batch's
  // lookups of its series' last chunks cost 60-80 µs a key. The chunks are copied as they are (moveChunksToRowidTable).
  {
    sql: `
    CREATE TABLE metric_chunks_by_rowid (
      series_id INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
      first_seq INTEGER NOT NULL,
      count INTEGER NOT NULL,
      min_step INTEGER NOT NULL,
      max_step INTEGER NOT NULL,
      min_value REAL,
      max_value REAL,
      data BLOB NOT NULL,
      PRIMARY KEY (series_id, first_seq)
    );
    `,
    move: moveChunksToRowidTable,
  },
  // 14: each experiment counts the runs created in it, for default run names ("train-7"). Counting its runs cost a
  // scan of the experiment's index on every new run, and after a delete gave a name already used.
  `
  ALTER TABLE experiments ADD COLUMN runs_created INTEGER NOT NULL DEFAULT 0;
  UPDATE experiments SET runs_created = (SELECT COUNT(*) FROM runs WHERE runs.experiment_id = experiments.id);
  `,
];

/** The schema version from which metric points are kept in chunks (the index of the migration to it, plus one). */
export const CHUNKS_VERSION = MIGRATIONS.findIndex((m) => typeof m !== 'string' && m.move === sealAllSeries) + 1;

/** The schema version from which chunks are kept in a rowid table. */
export const ROWID_CHUNKS_VERSION = MIGRATIONS.findIndex((m) => typeof m !== 'string' && m.move === moveChunksToRowidTable) + 1;

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
