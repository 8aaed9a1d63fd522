/**
 * Term parsing, from the loosest binding operator to the tightest: `in` (and `k, v in xs`), relations,
 * `|`, `&`, `+ -`, `* / %` (all left-associative), then operands: scalars, vars, template strings,
 * parenthesised expressions, and ref and call continuations. Collections and comprehensions are in
 * `parse-collections.ts`.
 */
import type { InfixOperator, Position, RefTerm, Term, TemplateExpr, TemplateStringTerm, TemplateText, VarTerm } from './ast.ts';
import { parseArray, parseSetOrObject } from './parse-collections.ts';
import { parseLiteral } from './parse-body.ts';
import type { ParserState } from './parser-state.ts';
import { describeKind, memberWithKeyName, refToString } from './term-helpers.ts';
import { keywords, type TokenType } from './tokens.ts';

const rootDocuments: ReadonlySet<string> = new Set(['data', 'input']);

/** A term with infix operators; `k, v in xs` allowed (expression position). */
export function parseTermInfixCall(p: ParserState): Term | undefined {
  return parseTermIn(p, true);
}

/** A term with infix operators inside a list, where `,` separates items. */
export function parseTermInList(p: ParserState): Term | undefined {
  return parseTermIn(p, false);
}

function parseTermIn(p: ParserState, keyVal: boolean): Term | undefined {
  if (!p.enter()) return undefined;
  try {
    const start = p.tok.start;
    let lhs = parseBinary(p, 0);
    if (lhs === undefined) return undefined;
    for (;;) {
      if (keyVal && p.is(',')) {
        const saved = p.save();
        p.advance();
        const mhs = parseBinary(p, 0);
        if (mhs !== undefined && p.isKeywordHere('in')) {
          const opTok = p.advance();
          const rhs = parseBinary(p, 0);
          if (rhs !== undefined) {
            lhs = p.infixCall('in', opTok, [lhs, mhs, rhs], start, memberWithKeyName);
            if (p.isKeywordHere('in')) continue;
            return lhs;
          }
        }
        p.restore(saved);
      }
      if (p.isKeywordHere('in') && !p.startsRefAt(p.pos)) {
        const opTok = p.advance();
        const rhs = parseBinary(p, 0);
        if (rhs === undefined) return undefined;
        lhs = p.infixCall('in', opTok, [lhs, rhs], start);
        continue;
      }
      return lhs;
    }
  } finally {
    p.leave();
  }
}

/** Binary operator levels, loosest first: relations, `|`, `&`, `+ -`, `* / %`. */
const levels: readonly (readonly TokenType[])[] = [
  ['==', '!=', '<', '>', '<=', '>='],
  ['|'],
  ['&'],
  ['+', '-'],
  ['*', '/', '%'],
];

function parseBinary(p: ParserState, level: number): Term | undefined {
  if (level >= levels.length) return parseTerm(p);
  const ops = levels[level]!;
  const start = p.tok.start;
  let lhs = parseBinary(p, level + 1);
  if (lhs === undefined) return undefined;
  while (ops.includes(p.tok.type)) {
    const opTok = p.advance();
    const rhs = parseBinary(p, level + 1);
    if (rhs === undefined) return undefined;
    lhs = p.infixCall(opTok.type as InfixOperator, opTok, [lhs, rhs], start);
  }
  return lhs;
}

/** One operand: a scalar, var, collection, comprehension, parenthesised expression, ref or call. */
export function parseTerm(p: ParserState): Term | undefined {
  return p.memoTerm(() => parseTermUncached(p));
}

function parseTermUncached(p: ParserState): Term | undefined {
  if (!p.enter()) return undefined;
  try {
    const tok = p.tok;
    const start = tok.start;
    let term: Term | undefined;
    switch (tok.type) {
      case 'ident':
        term = parseWordTerm(p);
        break;
      case 'number':
      case '-':
      case '.':
        term = parseNumber(p);
        break;
      case 'string':
        p.advance();
        term = { kind: 'string', span: p.span(start), value: tok.value ?? '', raw: tok.raw ?? false };
        break;
      case 'template':
        term = parseTemplate(p);
        break;
      case '[':
        term = parseArray(p);
        break;
      case '{':
        term = parseSetOrObject(p);
        break;
      case '(': {
        p.advance();
        const inner = parseTermInfixCall(p);
        if (inner === undefined) return undefined;
        if (!p.expect(')', '")" to close the parenthesised expression')) return undefined;
        term = inner;
        break;
      }
      default:
        p.unexpected('a term (a value, variable, reference or call)');
        return undefined;
    }
    if (term === undefined) return undefined;
    const next = p.tok;
    if ((next.type === '.' || next.type === '[' || next.type === '(') && !next.spaceBefore) return parseRef(p, term, start);
    if (term.kind === 'var' && rootDocuments.has(term.name)) return { kind: 'ref', span: term.span, head: term, path: [] };
    return term;
  } finally {
    p.leave();
  }
}

function parseWordTerm(p: ParserState): Term | undefined {
  const tok = p.tok;
  const span = p.tokSpan();
  if (p.startsRefAt(p.pos)) {
    p.advance();
    return { kind: 'var', span, name: tok.text };
  }
  switch (tok.text) {
    case 'null':
      p.advance();
      return { kind: 'null', span };
    case 'true':
    case 'false':
      p.advance();
      return { kind: 'boolean', span, value: tok.text === 'true' };
    default:
      if (keywords.has(tok.text) && tok.text !== 'contains') {
        p.unexpected('a term (a value, variable, reference or call)');
        return undefined;
      }
      p.advance();
      return { kind: 'var', span, name: tok.text };
  }
}

function parseNumber(p: ParserState): Term | undefined {
  const start = p.tok.start;
  let prefix = '';
  if (p.is('-')) {
    p.advance();
    prefix = '-';
    if (!p.is('number') && !p.is('.')) {
      p.unexpected('a number after "-" (negate an expression with "0 - x")');
      return undefined;
    }
  }
  if (p.is('.')) {
    p.advance();
    if (!p.is('number')) {
      p.unexpected('a number after "."');
      return undefined;
    }
    prefix += '0.';
  }
  const tok = p.advance();
  const lit = tok.text;
  if (!prefix.endsWith('.') && lit.length > 1 && lit[0] === '0' && lit[1] !== '.' && lit[1] !== 'e' && lit[1] !== 'E') {
    p.error('REGO1005', p.span(start), `Invalid number "${prefix}${lit}": numbers must not have leading zeros`);
    return undefined;
  }
  return { kind: 'number', span: p.span(start), text: prefix + lit };
}

function parseTemplate(p: ParserState): TemplateStringTerm | undefined {
  const first = p.tok;
  const start = first.start;
  const raw = first.raw ?? false;
  const parts: (TemplateText | TemplateExpr)[] = [];
  for (;;) {
    const tok = p.tok;
    if (tok.type !== 'template') {
      p.unexpected('the rest of the template string');
      return undefined;
    }
    p.advance();
    if ((tok.value ?? '') !== '') parts.push({ kind: 'template-text', span: { file: p.file, start: tok.start, end: tok.end }, value: tok.value ?? '' });
    if (tok.templateEnd) break;
    const exprStart = p.tok.start;
    if (p.is('}')) {
      p.error('REGO1019', p.span(exprStart, p.tok.end), 'Invalid template string: empty "{}" (write "\\{" for a literal brace)');
      return undefined;
    }
    const expr = parseLiteral(p);
    if (expr === undefined) return undefined;
    const problem =
      expr.negated ? 'a negation ("not")'
      : expr.kind === 'some-decl' || expr.kind === 'some-in' ? '"some"'
      : expr.kind === 'every' ? '"every"'
      : expr.kind === 'call-expr' && expr.call.infix === '=' ? 'a unification ("=")'
      : expr.kind === 'call-expr' && expr.call.infix === ':=' ? 'an assignment (":=")'
      : undefined;
    if (problem !== undefined) {
      p.error('REGO1019', expr.span, `Invalid template string: unexpected ${problem} inside "{...}"`);
      return undefined;
    }
    parts.push({ kind: 'template-expr', span: expr.span, expr });
    if (!p.expect('}', '"}" to end the template string expression')) return undefined;
  }
  return { kind: 'template-string', span: p.span(start), parts, raw };
}

/** Ref and call continuations after `head`: `.name`, `[term]`, `(args)`. */
export function parseRef(p: ParserState, head: Term, start: Position): Term | undefined {
  switch (head.kind) {
    case 'var':
    case 'array':
    case 'object':
    case 'set':
    case 'array-comprehension':
    case 'set-comprehension':
    case 'object-comprehension':
    case 'call':
      break;
    default:
      p.error('REGO1018', head.span, `Invalid reference: a ${describeKind(head)} cannot be indexed or called`);
      return undefined;
  }
  const path: Term[] = [];
  let first = true;
  for (;;) {
    const tok = p.tok;
    // In a rule head OPA allows space before the first continuation (`p [x]`); elsewhere the
    // caller only gets here without one, and later continuations must follow directly.
    const attached = first || !tok.spaceBefore;
    first = false;
    if (tok.type === '.' && attached) {
      p.advance();
      const name = p.tok;
      if (name.type !== 'ident' || name.spaceBefore) {
        p.unexpected('a name after "."');
        return undefined;
      }
      p.advance();
      path.push({ kind: 'string', span: { file: p.file, start: name.start, end: name.end }, value: name.text, raw: false });
    } else if (tok.type === '[' && attached) {
      p.advance();
      const element = parseTermInfixCall(p);
      if (element === undefined) return undefined;
      if (!p.expect(']', '"]" to close the reference')) return undefined;
      path.push(element);
    } else if (tok.type === '(' && attached) {
      const operatorSpan = p.span(start);
      const operator: RefTerm | VarTerm = path.length === 0 && head.kind === 'var' ? head : { kind: 'ref', span: operatorSpan, head, path: [...path] };
      if (operator.kind === 'ref' && (operator.head.kind !== 'var' || !operator.path.every((p) => p.kind === 'string'))) {
        if (operator.head.kind !== 'var') {
          p.error('REGO1018', operator.span, `Invalid call: "${refToString(operator)}" is not a function name`);
          return undefined;
        }
      }
      p.advance();
      const args = parseTermList(p, ')');
      if (args === undefined) return undefined;
      const name = refToString(operator);
      let call: Term;
      if (name === 'set' && args.length === 0) call = { kind: 'set', span: p.span(start), items: [] };
      else call = { kind: 'call', span: p.span(start), name, operator, args };
      const next = p.tok;
      if ((next.type === '.' || next.type === '[') && !next.spaceBefore) return parseRef(p, call, start);
      return call;
    } else break;
  }
  if (path.length === 0) return head;
  return { kind: 'ref', span: p.span(start), head, path };
}

/** Comma-separated terms up to `end` (consumed); a trailing comma is allowed. */
export function parseTermList(p: ParserState, end: ')' | ']' | '}', initial: Term[] = []): Term[] | undefined {
  return parseCommaList(p, { end, items: initial, parseItem: () => parseTermInList(p), expected: `"," or "${end}"` });
}

/** A comma-separated list for `parseCommaList`. */
export interface CommaList<T> {
  /** The closing token, consumed with the list. */
  readonly end: ')' | ']' | '}';
  /** Items already parsed; the list appends to it. */
  readonly items: T[];
  readonly parseItem: () => T | undefined;
  /** What the REGO1001 message says was expected after an item. */
  readonly expected: string;
}

/** Items separated by `,` up to `list.end` (consumed); a trailing comma is allowed. */
export function parseCommaList<T>(p: ParserState, list: CommaList<T>): T[] | undefined {
  const { end, items } = list;
  if (p.is(end)) {
    p.advance();
    return items;
  }
  for (;;) {
    const item = list.parseItem();
    if (item === undefined) return undefined;
    items.push(item);
    if (p.is(end)) {
      p.advance();
      return items;
    }
    if (p.is(',')) {
      p.advance();
      if (p.is(end)) {
        p.advance();
        return items;
      }
      continue;
    }
    p.unexpected(list.expected);
    return undefined;
  }
}
