/**
 * The Diagnostic record every Rego pass reports instead of throwing, and the helper that makes one.
 *
 * A diagnostic carries a stable code from `codes.ts`, the span of the offending source, a message written
 * for a policy author, and optionally a hint and related locations (the other rule of a conflict, ...).
 */
import type { Span } from '../syntax/index.ts';
import { regoCodes, type DiagnosticSeverity, type RegoDiagnosticCode } from './codes.ts';

/** A location that explains a diagnostic, such as the first definition of a conflicting rule. */
export interface RelatedLocation {
  readonly message: string;
  readonly span: Span;
}

/** One problem found in Rego source. */
export interface Diagnostic {
  readonly code: RegoDiagnosticCode;
  readonly severity: DiagnosticSeverity;
  /** Sentence case, no trailing period, quoted values: `Unexpected "}": expected an expression`. */
  readonly message: string;
  readonly span: Span;
  readonly hint?: string;
  readonly related?: readonly RelatedLocation[];
}

/** Extra fields of `createDiagnostic`. */
export interface DiagnosticExtras {
  readonly hint?: string;
  readonly related?: readonly RelatedLocation[];
}

/** Builds a diagnostic whose severity comes from the code catalogue. */
export function createDiagnostic(code: RegoDiagnosticCode, span: Span, message: string, extras: DiagnosticExtras = {}): Diagnostic {
  const diagnostic: Diagnostic = { code, severity: regoCodes[code].severity, message, span };
  return {
    ...diagnostic,
    ...(extras.hint === undefined ? {} : { hint: extras.hint }),
    ...(extras.related === undefined || extras.related.length === 0 ? {} : { related: extras.related }),
  };
}

/** True when any diagnostic is an error (compilation must stop). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, then position, so reports read top to bottom. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.start.offset - b.span.start.offset ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
