/**
 * Renders a diagnostic for people: `file:line:col: error REGO1001: message`, then the offending source
 * line with a caret (or a run of carets for a span on one line) under the columns, then any hint and
 * related locations.
 */
import type { Diagnostic } from './diagnostic.ts';

/** Options of `formatDiagnostic`. */
export interface FormatDiagnosticOptions {
  /** Sources of other files, keyed by file name, to show related locations in them. @default {} */
  readonly sources?: Readonly<Record<string, string>>;
}

/** `file:line:col` of a diagnostic. */
export function diagnosticLocation(d: Pick<Diagnostic, 'span'>): string {
  return `${d.span.file}:${d.span.start.line}:${d.span.start.col}`;
}

/**
 * Formats one diagnostic with the source line it points at. `source` is the text of `d.span.file`;
 * when it is missing (or the line is out of range) only the header line is printed.
 */
export function formatDiagnostic(d: Diagnostic, source?: string, options: FormatDiagnosticOptions = {}): string {
  const lines = [`${diagnosticLocation(d)}: ${d.severity} ${d.code}: ${d.message}`];
  if (source !== undefined) lines.push(...excerpt(source, d.span.start.line, d.span.start.col, d.span.end.line === d.span.start.line ? d.span.end.col : undefined));
  if (d.hint !== undefined) lines.push(`  hint: ${d.hint}`);
  for (const related of d.related ?? []) {
    lines.push(`  note: ${diagnosticLocation(related)}: ${related.message}`);
    const relatedSource = related.span.file === d.span.file ? source : options.sources?.[related.span.file];
    if (relatedSource !== undefined) lines.push(...excerpt(relatedSource, related.span.start.line, related.span.start.col, related.span.end.line === related.span.start.line ? related.span.end.col : undefined));
  }
  return lines.join('\n');
}

/** Formats several diagnostics, sources keyed by file name, separated by blank lines. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], sources: Readonly<Record<string, string>>): string {
  return diagnostics.map((d) => formatDiagnostic(d, sources[d.span.file], { sources })).join('\n\n');
}

function excerpt(source: string, line: number, col: number, endCol: number | undefined): string[] {
  const text = source.split(/\r?\n/)[line - 1];
  if (text === undefined) return [];
  const gutter = String(line);
  const pad = ' '.repeat(gutter.length);
  // Tabs are kept in the marker line so the caret lines up however wide the terminal renders them.
  const lead = text.slice(0, Math.max(0, col - 1)).replace(/[^\t]/g, ' ');
  const width = endCol !== undefined && endCol > col ? Math.min(endCol - col, Math.max(1, text.length - col + 1)) : 1;
  return [`  ${gutter} | ${text}`, `  ${pad} | ${lead}${'^'.repeat(width)}`];
}
