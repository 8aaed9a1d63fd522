// The table every benchmark prints its results as: Markdown, so a run's output can be pasted into docs
// and issues as it is. The first row is the header.

/** Prints `rows` as a Markdown table with padded columns; the first row is the header. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const header = rows[0] ?? [];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]): string => `| ${widths.map((width, column) => (row[column] ?? '').padEnd(width)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
}

/** `a ÷ b` as a table cell (`1.84×`); `-` when the ratio is not a finite number. */
export function ratio(a: number, b: number): string {
  return b === 0 || !Number.isFinite(a / b) ? '-' : `${(a / b).toFixed(2)}×`;
}
