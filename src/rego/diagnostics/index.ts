/**
 * Rego diagnostics: the code catalogue, the Diagnostic record and its human-readable rendering.
 */
export { regoCodes } from './codes.ts';
export type { DiagnosticCodeSpec, DiagnosticSeverity, RegoDiagnosticCode } from './codes.ts';
export { createDiagnostic, hasErrors, sortDiagnostics } from './diagnostic.ts';
export type { Diagnostic, DiagnosticExtras, RelatedLocation } from './diagnostic.ts';
export { diagnosticLocation, formatDiagnostic, formatDiagnostics } from './format-diagnostic.ts';
export type { FormatDiagnosticOptions } from './format-diagnostic.ts';
