// A run's artifacts and the blob references gc keeps.
import { ENVIRONMENT_TAG } from '../core/environment';
import type { Artifact, ArtifactDirection, ArtifactRole } from '../core/types';
import { touchRun } from './runs';
import type { SqlDatabase } from './sqlite';
import { prepared } from './statements';

// Every column that names a blob; gc keeps what any of them names.
const BLOB_REFERENCES = `SELECT sha256 AS sha FROM artifacts UNION SELECT git_patch_sha FROM runs WHERE git_patch_sha IS NOT NULL
  UNION SELECT console_sha FROM runs WHERE console_sha IS NOT NULL UNION SELECT sha256 FROM model_versions WHERE sha256 IS NOT NULL
  UNION SELECT sha256 FROM logged_model_artifacts UNION SELECT value FROM tags WHERE key = '${ENVIRONMENT_TAG}'`;

/** Records a file of a run (its blob must already be in `objects`). Same path and direction: replaced. */
export function addArtifact(db: SqlDatabase, artifact: Omit<Artifact, 'createdAt'> & { createdAt?: number }): void {
  // One transaction: the row and the run's updated_at commit together or not at all.
  db.transaction(() => {
    prepared(db, 'INSERT OR REPLACE INTO artifacts (run_id, path, direction, sha256, size, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      artifact.runId,
      artifact.path,
      artifact.direction,
      artifact.sha256,
      artifact.size,
      artifact.role,
      artifact.createdAt ?? Date.now(),
    );
    touchRun(db, artifact.runId);
  }).immediate();
}

/** A run's artifacts, by direction then path. */
export function artifacts(db: SqlDatabase, runId: string): Artifact[] {
  const rows = prepared(db, 'SELECT * FROM artifacts WHERE run_id = ? ORDER BY direction, path').all(runId) as {
    run_id: string;
    path: string;
    direction: ArtifactDirection;
    sha256: string;
    size: number;
    role: ArtifactRole;
    created_at: number;
  }[];
  return rows.map((row) => ({
    runId: row.run_id,
    path: row.path,
    sha256: row.sha256,
    size: row.size,
    role: row.role,
    direction: row.direction,
    createdAt: row.created_at,
  }));
}

/** Every blob some row still points at. */
export function referencedBlobs(db: SqlDatabase): Set<string> {
  const rows = prepared(db, `SELECT sha FROM (${BLOB_REFERENCES})`).all() as { sha: string }[];
  return new Set(rows.map((row) => row.sha));
}

/** Whether some row points at this blob now (gc asks again just before deleting). */
export function isBlobReferenced(db: SqlDatabase, sha: string): boolean {
  return prepared(db, `SELECT 1 FROM (${BLOB_REFERENCES}) WHERE sha = ? LIMIT 1`).get(sha) !== undefined;
}

/** The sha256 recorded for a file at this size and modification time, if it was hashed before. */
export function knownFileHash(db: SqlDatabase, path: string, size: number, mtimeMs: number): string | undefined {
  const row = prepared(db, 'SELECT sha256 FROM file_hashes WHERE path = ? AND size = ? AND mtime_ms = ?').get(path, size, mtimeMs) as
    { sha256: string } | undefined;
  return row?.sha256;
}

/** Remembers a file's sha256 at this size and modification time (one row per path: the latest). */
export function rememberFileHash(db: SqlDatabase, path: string, size: number, mtimeMs: number, sha256: string): void {
  prepared(db, 'INSERT OR REPLACE INTO file_hashes (path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?)').run(path, size, mtimeMs, sha256);
}
