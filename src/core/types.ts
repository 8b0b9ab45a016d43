// Domain types shared by every layer. Pure data: no behaviour, no I/O.

/** Lifecycle of a run; CRASHED means the runner vanished without recording an end. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED' | 'CRASHED';

/** Every status a run can have, in display order. */
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED', 'CRASHED'];

/** True when the run can still change. */
export function isLiveStatus(status: RunStatus): boolean {
  return status === 'RUNNING' || status === 'SCHEDULED';
}

/** What an artifact is for: the model it produced, data it read, any other output, or its console log. */
export type ArtifactRole = 'model' | 'data' | 'output' | 'log';

/** Whether the run read the file (input) or wrote it (output). */
export type ArtifactDirection = 'input' | 'output';

/** A named group of runs. */
export interface Experiment {
  id: number;
  name: string;
  createdAt: number;
  lifecycle: 'active' | 'deleted';
}

/** Git facts captured when a run started. */
export interface GitFacts {
  commit: string | null;
  branch: string | null;
  remote: string | null;
  dirty: boolean;
  /** sha256 of the stored uncommitted patch of tracked files, when there was one. */
  patchSha: string | null;
}

/** One run, without its history. */
export interface Run {
  id: string;
  experimentId: number;
  experimentName: string;
  name: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  /** Last time anything about the run was written (ms since epoch). */
  updatedAt: number;
  exitCode: number | null;
  argv: string[];
  cwd: string | null;
  sourceFile: string | null;
  user: string | null;
  host: string | null;
  git: GitFacts;
  starred: boolean;
  /** sha256 of the stored console log once the run has ended. */
  consoleSha: string | null;
}

/** Summary of one metric key of one run, kept current on every insert. */
export interface MetricSummary {
  key: string;
  last: number;
  lastStep: number;
  lastTimestamp: number;
  min: number;
  max: number;
  count: number;
}

/** One logged metric value. NaN and ±Infinity are legal values. */
export interface MetricPoint {
  key: string;
  value: number;
  step: number;
  /** Wall time in ms since epoch. */
  timestamp: number;
}

/** A point of a metric history without its key. */
export interface HistoryPoint {
  step: number;
  timestamp: number;
  value: number;
}

/** A file a run read or wrote, stored by content hash. */
export interface Artifact {
  runId: string;
  /** Path relative to the run's working directory (or the logical artifact path for uploads). */
  path: string;
  sha256: string;
  size: number;
  role: ArtifactRole;
  direction: ArtifactDirection;
  createdAt: number;
}

/** A run with everything the list and detail views show. */
export interface RunDetail extends Run {
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: MetricSummary[];
  artifacts: Artifact[];
}

/** A run as listed: params, tags and metric summaries but no artifacts. */
export interface RunListing extends Run {
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, MetricSummary>;
}
