/**
 * The Rego front end: lexer, parser and AST types. Everything here is pure (no I/O) and never throws on
 * bad input: problems come back as diagnostics.
 */
export type * from './ast.ts';
export { tokenize } from './lexer.ts';
export type { LexResult } from './lexer.ts';
export { keywords, tokenTypes } from './tokens.ts';
export type { Token, TokenType } from './tokens.ts';
export { parseModule, parseQuery } from './parser.ts';
export { infixBuiltinNames, memberWithKeyName, refToString } from './term-helpers.ts';
export type { ParseModuleResult, ParseQueryResult } from './parser.ts';
export { children, walkNode } from './walk.ts';
export type { NodeVisitor } from './walk.ts';
export { moduleToOpaJson, termToOpaJson } from './opa-json.ts';
export type { OpaJson } from './opa-json.ts';
