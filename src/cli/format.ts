// Plain-text output for the CLI: aligned tables and CSV.

/** Pads columns to a common width; cells are single-line (newlines shown as ⏎ so a hostile value cannot fake rows). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = (cell: string): string => cell.replace(/\r?\n/g, '⏎').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?');
  const all = [header, ...rows].map((row) => row.map(clean));
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
