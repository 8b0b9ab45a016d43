// What the Drift panel and the Problems panel show of a drift report (src/core/drift.ts): plain, JSON-safe rows
// with the histogram bins core already computed (never rows of data), and one warning per drifted column placed
// on the current file's header.
import { formatScore, scoreKind } from './driftReport';
import type { DriftMethod, DriftReport } from './drift';

/** One compared column as the panel shows it. */
export interface DriftPanelColumn {
  column: string;
  type: 'numeric' | 'categorical';
  method: DriftMethod;
  /** 'p-value' (drift below the threshold) or 'distance' (drift at or above it). */
  scoreKind: string;
  /** The score as printed (4 significant digits, tiny p-values in exponent form). */
  score: string;
  threshold: number;
  drifted: boolean;
  referenceValues: number;
  currentValues: number;
  referenceMissing: number;
  currentMissing: number;
  notes: string[];
  /** Bin or category labels with each dataset's share per bar. */
  histogram: { labels: string[]; reference: number[]; current: number[] };
}

/** A drift report as the panel shows it. */
export interface DriftPanelReport extends Omit<DriftReport, 'columns' | 'shareOfDriftedColumns'> {
  columns: DriftPanelColumn[];
  /** The share of drifted columns, printed. */
  share: string;
}

/** The panel's view of `report`: drifted columns first, scores printed, shares only finite numbers. */
export function driftPanelReport(report: DriftReport): DriftPanelReport {
  const finite = (values: readonly number[]): number[] => values.map((v) => (Number.isFinite(v) ? v : 0));
  const columns = report.columns.map((c): DriftPanelColumn => ({
    column: c.column,
    type: c.type,
    method: c.method,
    scoreKind: scoreKind(c),
    score: formatScore(c.score),
    threshold: c.threshold,
    drifted: c.drifted,
    referenceValues: c.referenceValues,
    currentValues: c.currentValues,
    referenceMissing: c.referenceMissing,
    currentMissing: c.currentMissing,
    notes: [...c.notes],
    histogram: { labels: [...c.histogram.labels], reference: finite(c.histogram.reference), current: finite(c.histogram.current) },
  }));
  return {
    reference: { ...report.reference },
    current: { ...report.current },
    columns: [...columns.filter((c) => c.drifted), ...columns.filter((c) => !c.drifted)],
    skipped: report.skipped.map((s) => ({ ...s })),
    driftedColumns: report.driftedColumns,
    share: formatScore(report.shareOfDriftedColumns),
    driftShare: report.driftShare,
    datasetDrift: report.datasetDrift,
  };
}

/** Where a column's name sits on a CSV header line (0-based character offsets, end exclusive). */
export interface HeaderRange {
  name: string;
  start: number;
  end: number;
}

/** The fields of a CSV header line with their positions; quoted names ("a,b", "say ""hi""") are unquoted. */
export function headerRanges(line: string, delimiter = ','): HeaderRange[] {
  const ranges: HeaderRange[] = [];
  let at = 0;
  for (;;) {
    const start = at;
    let name = '';
    if (line[at] === '"') {
      at++;
      while (at < line.length) {
        if (line[at] === '"' && line[at + 1] === '"') {
          name += '"';
          at += 2;
        } else if (line[at] === '"') {
          at++;
          break;
        } else name += line[at++];
      }
      const rest = line.indexOf(delimiter, at);
      at = rest < 0 ? line.length : rest;
    } else {
      const next = line.indexOf(delimiter, at);
      at = next < 0 ? line.length : next;
      name = line.slice(start, at);
    }
    ranges.push({ name, start, end: at });
    if (at >= line.length) return ranges;
    at += delimiter.length;
  }
}

/** A warning for the Problems panel: line and characters are 0-based; a Parquet file puts every one on line 0. */
export interface DriftDiagnostic {
  column: string;
  line: number;
  start: number;
  end: number;
  message: string;
}

/** One warning per drifted column, on its name in `header` (a CSV's first line), else at the file's start. */
export function driftDiagnostics(report: DriftReport, header?: readonly HeaderRange[]): DriftDiagnostic[] {
  return report.columns
    .filter((c) => c.drifted)
    .map((c) => {
      const range = header?.find((h) => h.name === c.column);
      const kind = scoreKind(c);
      const comparison =
        kind === 'p-value' ? `p-value ${formatScore(c.score)} below ${c.threshold}` : `distance ${formatScore(c.score)} at or above ${c.threshold}`;
      return {
        column: c.column,
        line: 0,
        start: range?.start ?? 0,
        end: range?.end ?? 0,
        message: `Data drift in column '${c.column}' against ${report.reference.name}: ${c.method} ${comparison}.`,
      };
    });
}
