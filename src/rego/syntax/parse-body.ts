/**
 * Body and expression parsing: bodies (expressions separated by `;` or line breaks), and each body
 * expression: `some` declarations and `some ... in`, `every`, `[not] expr` with `=`/`:=`, and trailing
 * `with` modifiers.
 */
import type { Body, EveryExpr, Expr, InfixOperator, Position, SomeDeclExpr, SomeInExpr, VarTerm, WithModifier } from './ast.ts';
import type { ParserState } from './parser-state.ts';
import { parseTerm, parseTermInfixCall } from './parse-terms.ts';
import { infixBuiltinNames, memberWithKeyName } from './term-helpers.ts';
import { keywords } from './tokens.ts';

/** Expressions up to `end` (consumed), separated by `;` or line breaks. */
export function parseBodyUntil(p: ParserState, end: '}' | ']' | 'eof'): Body | undefined {
  if (!p.enter()) return undefined;
  try {
    if (p.is(end)) {
      p.error('REGO1014', p.tokSpan(), 'Empty body: a body needs at least one expression', {
        hint: 'write "true" for a body that always holds',
      });
      return undefined;
    }
    const body: Expr[] = [];
    for (;;) {
      const expr = parseLiteral(p);
      if (expr === undefined) return undefined;
      body.push(expr);
      if (p.is(';')) {
        p.advance();
        continue;
      }
      if (p.is(end)) {
        p.advance();
        return body;
      }
      if (!p.tok.newlineBefore) {
        p.unexpected(end === 'eof' ? 'a new line or ";"' : `a new line, ";" or "${end}"`);
        return undefined;
      }
      if (p.is('eof')) {
        p.unexpected(`"${end}"`);
        return undefined;
      }
    }
  } finally {
    p.leave();
  }
}

/** One body expression: `some ...`, `every ...`, or `[not] expr [with ...]`. */
export function parseLiteral(p: ParserState): Expr | undefined {
  const start = p.tok.start;
  let negated = false;
  if (p.isKeywordHere('not')) {
    p.advance();
    negated = true;
  }
  if (p.isKeywordHere('some')) {
    if (negated) {
      p.error('REGO1015', p.span(start, p.tok.end), 'Invalid "not some": a "some" declaration cannot be negated');
      return undefined;
    }
    return parseSome(p);
  }
  if (p.isKeywordHere('every')) {
    if (negated) {
      p.error('REGO1016', p.span(start, p.tok.end), 'Invalid "not every": an "every" expression cannot be negated', {
        hint: 'move the negation into a helper rule: "not all_ok" with "all_ok if every ..."',
      });
      return undefined;
    }
    return parseEvery(p);
  }
  const exprStart = p.tok.start;
  const lhs = parseTermInfixCall(p);
  if (lhs === undefined) return undefined;
  let expr: Expr;
  if (p.is(':=') || p.is('=')) {
    const opTok = p.advance();
    const rhs = parseTermInfixCall(p);
    if (rhs === undefined) return undefined;
    const infix = opTok.type as InfixOperator;
    const call = p.infixCall(infix, opTok, [lhs, rhs], exprStart);
    expr = { kind: 'call-expr', span: p.span(start), negated, with: [], call };
  } else if (lhs.kind === 'call') {
    expr = { kind: 'call-expr', span: p.span(start), negated, with: [], call: lhs };
  } else {
    expr = { kind: 'term-expr', span: p.span(start), negated, with: [], term: lhs };
  }
  return withModifiers(p, expr, start);
}

/** Attaches the `with` modifiers that follow `expr`, if any, widening its span from `start`. */
function withModifiers<E extends Expr>(p: ParserState, expr: E, start: Position): E | undefined {
  if (!p.isKeywordHere('with')) return expr;
  const withs = parseWiths(p);
  if (withs === undefined) return undefined;
  return { ...expr, span: p.span(start), with: withs };
}

function parseWiths(p: ParserState): WithModifier[] | undefined {
  const withs: WithModifier[] = [];
  while (p.isKeywordHere('with')) {
    const start = p.advance().start;
    if (p.tok.type !== 'ident') {
      p.unexpected('a target such as "input" or "data.x" after "with"');
      return undefined;
    }
    const target = parseTerm(p);
    if (target === undefined) return undefined;
    if (target.kind !== 'ref' && target.kind !== 'var') {
      p.error('REGO1017', target.span, 'Invalid "with" target: expected "input", "data" or a path under them, or a function name');
      return undefined;
    }
    if (!p.isKeywordHere('as')) {
      p.unexpected('"as" after the "with" target');
      return undefined;
    }
    p.advance();
    const value = parseTermInfixCall(p);
    if (value === undefined) return undefined;
    withs.push({ kind: 'with', span: p.span(start), target, value });
  }
  return withs;
}

function parseSome(p: ParserState): Expr | undefined {
  const start = p.advance().start;
  const saved = p.save();
  const term = parseTermInfixCall(p);
  if (term !== undefined && term.kind === 'call') {
    if (term.name !== infixBuiltinNames.in && term.name !== memberWithKeyName) {
      p.error('REGO1015', term.span, 'Invalid "some": expected "some x in xs" or "some k, v in xs"');
      return undefined;
    }
    const [a, b, c] = term.args;
    const expr: SomeInExpr =
      term.name === memberWithKeyName
        ? { kind: 'some-in', span: p.span(start), negated: false, with: [], key: a!, value: b!, collection: c! }
        : { kind: 'some-in', span: p.span(start), negated: false, with: [], value: a!, collection: b! };
    return withModifiers(p, expr, start);
  }
  p.restore(saved);
  const vars: VarTerm[] = [];
  for (;;) {
    const tok = p.tok;
    if (tok.type !== 'ident' || keywords.has(tok.text)) {
      p.unexpected(vars.length === 0 ? 'a variable name or "x in xs" after "some"' : 'a variable name after ","');
      return undefined;
    }
    vars.push({ kind: 'var', span: p.tokSpan(), name: tok.text });
    p.advance();
    if (!p.is(',')) break;
    p.advance();
  }
  const decl: SomeDeclExpr = { kind: 'some-decl', span: p.span(start), negated: false, with: [], vars };
  return decl;
}

function parseEvery(p: ParserState): Expr | undefined {
  const start = p.advance().start;
  const term = parseTermInfixCall(p);
  if (term === undefined) return undefined;
  if (term.kind !== 'call' || (term.name !== infixBuiltinNames.in && term.name !== memberWithKeyName)) {
    p.error('REGO1016', term.span, 'Invalid "every": expected "every x in xs { ... }" or "every k, v in xs { ... }"');
    return undefined;
  }
  const withKey = term.name === memberWithKeyName;
  const key = withKey ? term.args[0]! : undefined;
  const value = withKey ? term.args[1]! : term.args[0]!;
  const domain = withKey ? term.args[2]! : term.args[1]!;
  if (key !== undefined && key.kind !== 'var') {
    p.error('REGO1016', key.span, 'Invalid "every": the key must be a variable');
    return undefined;
  }
  if (value.kind !== 'var') {
    p.error('REGO1016', value.span, 'Invalid "every": the value must be a variable');
    return undefined;
  }
  if (!p.expect('{', '"{" to open the body of "every"')) return undefined;
  const body = parseBodyUntil(p, '}');
  if (body === undefined) return undefined;
  const expr: EveryExpr = {
    kind: 'every',
    span: p.span(start),
    negated: false,
    with: [],
    ...(key === undefined ? {} : { key }),
    value,
    domain,
    body,
  };
  return withModifiers(p, expr, start);
}
