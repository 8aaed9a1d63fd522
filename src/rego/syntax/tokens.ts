/**
 * Token kinds of the Rego lexer and the Token record it produces.
 *
 * Punctuation and operators use their own spelling as the token type (`'{'`, `':='`); identifiers and
 * keywords are both `ident` (whether a word is a keyword depends on where it stands: `data.not.x` is a
 * legal ref), strings, numbers and template-string parts carry their decoded value.
 */
import type { Position } from './ast.ts';

/** Every token type. */
export const tokenTypes = [
  'ident', 'number', 'string', 'template', 'eof', 'illegal',
  '{', '}', '[', ']', '(', ')', ',', ':', ';', '.',
  ':=', '=', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '&', '|',
] as const;

/** A token type. */
export type TokenType = (typeof tokenTypes)[number];

/** Words that are keywords in Rego v1 (OPA 1.x with every future keyword enabled). */
export const keywords: ReadonlySet<string> = new Set([
  'as', 'contains', 'default', 'else', 'every', 'false', 'if', 'import', 'in', 'not', 'null', 'package', 'some', 'true', 'with',
]);

/** One lexical token. */
export interface Token {
  readonly type: TokenType;
  /** The exact source text of the token. */
  readonly text: string;
  /** `string`: the decoded value. `template`: the decoded literal text of this part. */
  readonly value?: string;
  /** `string` / `template`: written with backticks. */
  readonly raw?: boolean;
  /** `template`: this part starts the template (`$"`), rather than continuing after `}`. */
  readonly templateStart?: boolean;
  /** `template`: this part ends the template (closing quote) rather than opening an `{expr}`. */
  readonly templateEnd?: boolean;
  readonly start: Position;
  readonly end: Position;
  /** Whitespace or a comment separates this token from the previous one. */
  readonly spaceBefore: boolean;
  /** A line break separates this token from the previous one. */
  readonly newlineBefore: boolean;
}
