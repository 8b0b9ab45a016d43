// What each log reader hands the importer: one source directory's params, tags and points, plus what it skipped.
import type { MetricPoint } from '../../core/types';

/** The tools whose logs Labbook imports. */
export type LogSourceKind = 'tensorboard' | 'lightning-csv' | 'keras-csv' | 'dvclive' | 'hydra';

/** A part of a file that could not be read, with the byte offset when the format has records. */
export interface ImportProblem {
  file: string;
  offset?: number;
  message: string;
}

/** One tool's record of a run, read from `dir`. */
export interface LogSource {
  kind: LogSourceKind;
  dir: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  points: MetricPoint[];
  problems: ImportProblem[];
}
