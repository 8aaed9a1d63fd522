/**
 * The catalogue of every Rego diagnostic code: the only place a `REGOnnnn` code exists.
 *
 * `REGO1xxx` are syntax errors found by the lexer and parser, `REGO2xxx` are errors found by the static
 * checks that run before planning, `REGO3xxx` are raised by the compiler when a checked policy still
 * cannot be planned or emitted. Codes are stable: never renamed, never reused. Each entry names the
 * problem in a few words (for documentation and tooling); the message of a diagnostic carries the detail.
 */

/** Severity of a diagnostic. Errors stop compilation; warnings do not. */
export type DiagnosticSeverity = 'error' | 'warning';

/** One catalogue entry. */
export interface DiagnosticCodeSpec {
  readonly title: string;
  readonly severity: DiagnosticSeverity;
}

/** Every Rego diagnostic code. */
export const regoCodes = {
  // Syntax (lexer and parser)
  REGO1001: { title: 'unexpected token', severity: 'error' },
  REGO1002: { title: 'unterminated string', severity: 'error' },
  REGO1003: { title: 'invalid escape sequence', severity: 'error' },
  REGO1004: { title: 'invalid character', severity: 'error' },
  REGO1005: { title: 'invalid number', severity: 'error' },
  REGO1006: { title: 'missing package declaration', severity: 'error' },
  REGO1007: { title: 'invalid package path', severity: 'error' },
  REGO1008: { title: 'invalid import', severity: 'error' },
  REGO1009: { title: 'invalid rule head', severity: 'error' },
  REGO1010: { title: 'missing if keyword', severity: 'error' },
  REGO1011: { title: 'missing contains keyword', severity: 'error' },
  REGO1012: { title: 'invalid default rule', severity: 'error' },
  REGO1013: { title: 'invalid else', severity: 'error' },
  REGO1014: { title: 'empty body', severity: 'error' },
  REGO1015: { title: 'invalid some declaration', severity: 'error' },
  REGO1016: { title: 'invalid every expression', severity: 'error' },
  REGO1017: { title: 'invalid with modifier', severity: 'error' },
  REGO1018: { title: 'invalid reference', severity: 'error' },
  REGO1019: { title: 'invalid template string', severity: 'error' },
  REGO1020: { title: 'nesting too deep', severity: 'error' },
  REGO1021: { title: 'empty module', severity: 'error' },
  // Static checks
  REGO2001: { title: 'unsafe variable', severity: 'error' },
  REGO2002: { title: 'unknown function', severity: 'error' },
  REGO2003: { title: 'wrong number of arguments', severity: 'error' },
  REGO2004: { title: 'rule kind conflict', severity: 'error' },
  REGO2005: { title: 'multiple default rules', severity: 'error' },
  REGO2006: { title: 'function arity mismatch', severity: 'error' },
  REGO2007: { title: 'recursion', severity: 'error' },
  REGO2008: { title: 'variable redeclared', severity: 'error' },
  REGO2009: { title: 'invalid assignment', severity: 'error' },
  REGO2010: { title: 'duplicate import', severity: 'error' },
  REGO2011: { title: 'invalid with target', severity: 'error' },
  REGO2012: { title: 'root document shadowed', severity: 'error' },
  // Compiler (planning and code generation)
  REGO3001: { title: 'unsupported by the compiler', severity: 'error' },
  REGO3002: { title: 'code generation failed', severity: 'error' },
} as const satisfies Record<string, DiagnosticCodeSpec>;

/** A Rego diagnostic code such as `REGO1001`. */
export type RegoDiagnosticCode = keyof typeof regoCodes;
