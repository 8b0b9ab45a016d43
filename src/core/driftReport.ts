// The drift report as one self-contained HTML page: a table per column and inline SVG histograms (reference vs
// current), no scripts, no external resources. Every name from the data is escaped.
import { formatNumber, type ColumnDrift, type DriftReport } from './drift';

const REFERENCE_COLOUR = '#4e79a7';
const CURRENT_COLOUR = '#f28e2b';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The score as printed: p-values and distances with 4 significant digits, tiny p-values in exponent form. */
export function formatScore(score: number): string {
  if (score !== 0 && Math.abs(score) < 1e-4) return score.toExponential(2);
  return formatNumber(score);
}

/** What the method's score is, for headings and the CLI. */
export function scoreKind(column: ColumnDrift): string {
  return column.method === 'wasserstein' || column.method === 'jensenshannon' ? 'distance' : 'p-value';
}

/** Overlaid bars, reference behind current, shares on a common scale. */
function histogramSvg(column: ColumnDrift): string {
  const { labels, reference, current } = column.histogram;
  const width = 360;
  const height = 120;
  const top = Math.max(...reference, ...current, 1e-9);
  const slot = width / Math.max(labels.length, 1);
  const bar = (values: number[], colour: string, inset: number): string =>
    values
      .map((v, k) => {
        const h = (v / top) * (height - 4);
        return `<rect x="${(k * slot + inset).toFixed(1)}" y="${(height - h).toFixed(1)}" width="${Math.max(slot - 2 * inset, 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}" fill-opacity="0.6"><title>${escapeHtml(labels[k])}: ${(v * 100).toFixed(1)}%</title></rect>`;
      })
      .join('');
  return `<svg role="img" aria-label="${escapeHtml(column.column)}: reference and current" width="${width}" height="${height + 16}" viewBox="0 0 ${width} ${height + 16}">${bar(reference, REFERENCE_COLOUR, 1)}${bar(current, CURRENT_COLOUR, slot * 0.25)}${axisLabels(column, width, height, slot)}</svg>`;
}

/** Numbers: the range's ends; categories: each name under its bar (shortened), when they fit. */
function axisLabels(column: ColumnDrift, width: number, height: number, slot: number): string {
  const { labels, edges } = column.histogram;
  const y = height + 13;
  if (edges) {
    const last = formatNumber(edges[edges.length - 1]);
    return `<text x="0" y="${y}" font-size="10">${escapeHtml(labels[0] ?? '')}</text><text x="${width}" y="${y}" font-size="10" text-anchor="end">${escapeHtml(last)}</text>`;
  }
  const room = Math.floor(slot / 6);
  if (room < 2) return '';
  return labels
    .map((label, k) => {
      const text = label.length > room ? `${label.slice(0, room - 1)}…` : label;
      return `<text x="${(k * slot + slot / 2).toFixed(1)}" y="${y}" font-size="10" text-anchor="middle">${escapeHtml(text)}</text>`;
    })
    .join('');
}

function columnRow(column: ColumnDrift): string {
  const verdict = column.drifted ? '<strong class="drift">drift</strong>' : 'no drift';
  const notes = column.notes.map((n) => `<div class="note">${escapeHtml(n)}</div>`).join('');
  return `<tr><td>${escapeHtml(column.column)}${notes}</td><td>${column.type}</td><td>${column.method}</td><td>${formatScore(column.score)} (${scoreKind(column)})</td><td>${formatScore(column.threshold)}</td><td>${verdict}</td><td>${histogramSvg(column)}</td></tr>`;
}

/** The whole report page. */
export function driftReportHtml(report: DriftReport): string {
  const title = `Drift: ${report.current.name} against ${report.reference.name}`;
  const verdict = report.datasetDrift ? 'Dataset drift detected' : 'No dataset drift';
  const skipped = report.skipped.length
    ? `<h2>Not compared</h2><ul>${report.skipped.map((s) => `<li>${escapeHtml(s.column)}: ${escapeHtml(s.reason)}</li>`).join('')}</ul>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; } td, th { border-bottom: 1px solid #ddd; padding: 6px 10px; text-align: left; vertical-align: middle; }
.drift { color: #c0392b; } .note { color: #666; font-size: 12px; } .legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: middle; }
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p><strong class="${report.datasetDrift ? 'drift' : ''}">${verdict}</strong>: ${report.driftedColumns} of ${report.columns.length} columns drifted (share ${formatNumber(report.shareOfDriftedColumns)}, dataset drift at >= ${formatNumber(report.driftShare)}).
Reference ${escapeHtml(report.reference.name)}: ${report.reference.rows} rows; current ${escapeHtml(report.current.name)}: ${report.current.rows} rows.</p>
<p class="legend"><span style="background:${REFERENCE_COLOUR}"></span>reference<span style="background:${CURRENT_COLOUR}"></span>current</p>
<table><thead><tr><th>column</th><th>type</th><th>method</th><th>score</th><th>threshold</th><th>verdict</th><th>distribution</th></tr></thead>
<tbody>${report.columns.map(columnRow).join('\n')}</tbody></table>
${skipped}
</body></html>
`;
}
