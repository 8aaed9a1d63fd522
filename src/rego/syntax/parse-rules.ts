/**
 * Module-level parsing: the package declaration, imports, and rules — heads (complete, partial set and
 * object, function, ref heads), `default` rules, `if` bodies, several bodies per head, and `else` chains.
 */
import type { AssignOperator, Body, ElseClause, Import, Package, Position, RefTerm, Rule, RuleHead, RuleKind, Span, Term, VarTerm } from './ast.ts';
import type { DiagnosticExtras } from '../diagnostics/index.ts';
import { parseBodyUntil, parseLiteral } from './parse-body.ts';
import { parseRef, parseTerm, parseTermInfixCall } from './parse-terms.ts';
import type { ParserState } from './parser-state.ts';
import { describeKind, isGround, refToString } from './term-helpers.ts';
import { keywords, type TokenType } from './tokens.ts';

const headOperatorTokens: ReadonlySet<TokenType> = new Set(['+', '-', '*', '/', '%', '&', '|', '==', '!=', '<', '>', '<=', '>=']);
const importRoots: ReadonlySet<string> = new Set(['data', 'input', 'future', 'rego']);
const futureKeywords: ReadonlySet<string> = new Set(['in', 'every', 'contains', 'if']);

/** `package a.b.c`. */
export function parsePackage(p: ParserState): Package | undefined {
  const start = p.advance().start;
  const tok = p.tok;
  if (tok.type !== 'ident') {
    p.unexpected('a package name such as "authz" or "aiws.capabilities"');
    return undefined;
  }
  const term = parseTerm(p);
  if (term === undefined) return undefined;
  const path: string[] = [];
  if (term.kind === 'var') path.push(term.name);
  else if (term.kind === 'ref' && term.head.kind === 'var') {
    path.push(term.head.name);
    for (const element of term.path) {
      if (element.kind !== 'string') {
        p.error('REGO1007', element.span, `Invalid package path: expected a name, found ${element.kind}`);
        return undefined;
      }
      path.push(element.value);
    }
  } else {
    p.error('REGO1007', term.span, 'Invalid package path: expected a name such as "authz" or "aiws.capabilities"');
    return undefined;
  }
  return { kind: 'package', span: p.span(start), path, ref: term.kind === 'var' ? term : (term as RefTerm) };
}

/** `import data.x [as y]`, `import rego.v1`, `import future.keywords[.kw]`. */
export function parseImport(p: ParserState): Import | undefined {
  const start = p.advance().start;
  if (p.tok.type !== 'ident') {
    p.unexpected('an import path such as "data.lib" or "input.user"');
    return undefined;
  }
  const term = parseTerm(p);
  if (term === undefined) return undefined;
  let path: RefTerm;
  if (term.kind === 'var') path = { kind: 'ref', span: term.span, head: term, path: [] };
  else if (term.kind === 'ref' && term.head.kind === 'var') path = term;
  else {
    p.error('REGO1008', term.span, 'Invalid import: expected a path such as "data.lib" or "input.user"');
    return undefined;
  }
  for (const element of path.path) {
    if (element.kind !== 'string') {
      p.error('REGO1008', element.span, `Invalid import path: expected a name, found ${element.kind}`);
      return undefined;
    }
  }
  const root = (path.head as VarTerm).name;
  if (!importRoots.has(root)) {
    p.error('REGO1008', path.span, `Invalid import path: must begin with "data", "input", "future" or "rego", found "${root}"`);
    return undefined;
  }
  const names = path.path.map((element) => (element as { value: string }).value);
  if (root === 'rego' && !(names.length === 1 && names[0] === 'v1')) {
    p.error('REGO1008', path.span, `Invalid import: "${refToString(path)}" is not supported, only "rego.v1"`);
    return undefined;
  }
  if (root === 'future' && (names[0] !== 'keywords' || names.length > 2 || (names.length === 2 && !futureKeywords.has(names[1]!)))) {
    p.error('REGO1008', path.span, `Invalid import: unknown future keyword import "${refToString(path)}"`);
    return undefined;
  }
  if (p.isKeywordHere('as')) {
    p.advance();
    const alias = p.tok;
    if (alias.type !== 'ident' || keywords.has(alias.text)) {
      p.unexpected('an alias name after "as"');
      return undefined;
    }
    p.advance();
    if (root === 'future' || root === 'rego') {
      p.error('REGO1008', p.span(start), `Invalid import: "${refToString(path)}" cannot be aliased`);
      return undefined;
    }
    return { kind: 'import', span: p.span(start), path, alias: alias.text };
  }
  return { kind: 'import', span: p.span(start), path };
}

// ------------------------------------------------------------------------------------------
// Rules
// ------------------------------------------------------------------------------------------

/** Parses one rule statement; several bodies after one head give several rules. */
export function parseRules(p: ParserState): Rule[] | undefined {
  const start = p.tok.start;
  let isDefault = false;
  if (p.isKeywordHere('default')) {
    p.advance();
    isDefault = true;
  }
  const nameTok = p.tok;
  if (nameTok.type !== 'ident' || (keywords.has(nameTok.text) && nameTok.text !== 'contains' && !p.startsRefAt(p.pos))) {
    p.unexpected(isDefault ? 'a rule name after "default"' : 'a rule, an import or a package declaration');
    return undefined;
  }
  const headStart = nameTok.start;
  const nameVar: VarTerm = { kind: 'var', span: p.tokSpan(), name: nameTok.text };
  p.advance();
  if (headOperatorTokens.has(p.tok.type)) {
    p.unexpected('a rule head ("p := value", "p if { ... }", "p contains x", "f(x) := y")');
    return undefined;
  }
  let headTerm: Term = nameVar;
  if (p.is('(') || p.is('.') || p.is('[')) {
    const ref = parseRef(p, nameVar, headStart);
    if (ref === undefined) return undefined;
    headTerm = ref;
  }

  let ref: RefTerm;
  let args: readonly Term[] | undefined;
  if (headTerm.kind === 'var') ref = { kind: 'ref', span: headTerm.span, head: headTerm, path: [] };
  else if (headTerm.kind === 'ref') ref = headTerm;
  else if (headTerm.kind === 'call') {
    const op = headTerm.operator;
    ref = op.kind === 'var' ? { kind: 'ref', span: op.span, head: op, path: [] } : op;
    args = headTerm.args;
  } else {
    p.error('REGO1009', headTerm.span, 'Invalid rule head: expected a rule name');
    return undefined;
  }
  if (ref.head.kind !== 'var') {
    p.error('REGO1009', ref.span, 'Invalid rule head: a rule name must start with a name');
    return undefined;
  }
  const displayName = refToString(ref);

  let key: Term | undefined;
  let value: Term | undefined;
  let assign: AssignOperator | undefined;
  let usesContains = false;
  if (p.isKeywordHere('contains')) {
    if (args !== undefined) {
      p.unexpected(`a function body: "contains" is only for multi-value rules such as "${displayName} contains x if { ... }"`);
      return undefined;
    }
    usesContains = true;
    p.advance();
    key = parseTermInfixCall(p);
    if (key === undefined) return undefined;
  } else if (p.is('=') || p.is(':=')) {
    assign = p.advance().type as AssignOperator;
    value = parseTermInfixCall(p);
    if (value === undefined) return undefined;
  }
  const headEndAfterValue = p.lastEnd;

  if (isDefault) return parseDefaultRule(p, start, headStart, ref, args, key, value, assign, usesContains);

  const refLen = 1 + ref.path.length;
  let valueImplicit = false;
  const trueAt = (span: Span): Term => ({ kind: 'boolean', span, value: true });
  if (value === undefined && key === undefined && (refLen !== 2 || args !== undefined)) {
    value = trueAt(p.span(headStart, headEndAfterValue));
    valueImplicit = true;
  }
  const hasIf = p.isKeywordHere('if');
  let legacySet = false;
  if (hasIf && !usesContains && refLen === 2 && args === undefined) {
    const last = ref.path[0]!;
    if (!isGround(last)) key = last;
    if (value === undefined) {
      value = trueAt(p.span(headStart, headEndAfterValue));
      valueImplicit = true;
    }
  }
  if (!hasIf && !usesContains && args === undefined && refLen === 2 && value === undefined) {
    // `p[x] { ... }` or a bare `p[x]`: Rego v0's partial set syntax.
    legacySet = true;
    key = ref.path[0]!;
    ref = { kind: 'ref', span: ref.head.span, head: ref.head, path: [] };
  }

  let body: Body = [];
  let bodyless = false;
  if (hasIf || p.is('{')) {
    const parsed = parseRuleBody(p, 'Missing "if" before the rule body', { hint: `write "${displayName} if { ... }" (Rego v1 requires "if")` });
    if (parsed === undefined) return undefined;
    body = parsed;
  } else {
    bodyless = true;
    if (!usesContains && !legacySet && value !== undefined && valueImplicit && args === undefined && refLen === 1) {
      p.error('REGO1009', p.span(headStart), `Incomplete rule "${displayName}": expected ":= value", "if" and a body, or "contains"`);
      return undefined;
    }
  }
  if (legacySet) {
    p.error('REGO1011', p.span(headStart, headEndAfterValue), `Missing "contains" in the multi-value rule "${refToString(ref)}"`, {
      hint: `write "${refToString(ref)} contains ${key === undefined ? 'x' : termText(key)} if { ... }"`,
    });
  }

  const ruleKind: RuleKind =
    args !== undefined ? 'function' : usesContains || legacySet ? 'partial-set' : ref.path.every(isGround) ? 'complete' : 'partial-object';
  if (ruleKind === 'partial-object' && key === undefined) key = ref.path.at(-1);
  const head: RuleHead = {
    kind: 'rule-head',
    span: p.span(headStart, headEndAfterValue),
    ruleKind,
    name: (ref.head as VarTerm).name,
    ref,
    ...(args === undefined ? {} : { args }),
    ...(key === undefined || ruleKind === 'complete' || ruleKind === 'function' ? {} : { key }),
    ...(value === undefined || ruleKind === 'partial-set' ? {} : { value }),
    valueImplicit,
    ...(assign === undefined ? {} : { assign }),
    hasIf,
  };

  let elseClause: ElseClause | undefined;
  if (!bodyless && p.isKeywordHere('else')) {
    if (refLen > 1 && !ref.path.every(isGround)) {
      p.error('REGO1013', p.tokSpan(), `Invalid "else": rule "${displayName}" has variables in its head`);
      return undefined;
    }
    if (ruleKind === 'partial-set' || ruleKind === 'partial-object') {
      p.error('REGO1013', p.tokSpan(), `Invalid "else": rule "${displayName}" is a multi-value or partial rule`);
      return undefined;
    }
    elseClause = parseElse(p);
    if (elseClause === undefined) return undefined;
  }

  const rules: Rule[] = [
    {
      kind: 'rule',
      span: p.span(start),
      default: false,
      head,
      body,
      ...(elseClause === undefined ? {} : { else: elseClause }),
    },
  ];
  while (!bodyless && p.is('{')) {
    if (elseClause !== undefined) {
      p.unexpected('"else" before another body');
      return undefined;
    }
    const bodyStart = p.advance().start;
    const extra = parseBodyUntil(p, '}');
    if (extra === undefined) return undefined;
    rules.push({ kind: 'rule', span: p.span(bodyStart), default: false, head, body: extra });
  }
  return rules;
}

function parseDefaultRule(
  p: ParserState,
  start: Position,
  headStart: Position,
  ref: RefTerm,
  args: readonly Term[] | undefined,
  key: Term | undefined,
  value: Term | undefined,
  assign: AssignOperator | undefined,
  usesContains: boolean,
): Rule[] | undefined {
  const span = p.span(start);
  const name = refToString(ref);
  if (value === undefined || usesContains || key !== undefined) {
    p.error('REGO1012', span, `Invalid default rule "${name}": it must have a value, as in "default ${name} := false"`);
    return undefined;
  }
  const bad = findNonConstant(value);
  if (bad !== undefined) {
    p.error('REGO1012', bad.span, `Invalid default rule "${name}": the value must be a constant, found ${describeKind(bad)}`);
    return undefined;
  }
  if (!ref.path.every(isGround)) {
    p.error('REGO1012', ref.span, `Invalid default rule "${name}": its name cannot contain variables`);
    return undefined;
  }
  if (args !== undefined) {
    const seen = new Set<string>();
    for (const arg of args) {
      if (arg.kind !== 'var') {
        p.error('REGO1012', arg.span, `Invalid default function "${name}": arguments must be variables, found ${describeKind(arg)}`);
        return undefined;
      }
      if (arg.name !== '_' && seen.has(arg.name)) {
        p.error('REGO1012', arg.span, `Invalid default function "${name}": argument "${arg.name}" is repeated`);
        return undefined;
      }
      seen.add(arg.name);
    }
  }
  const head: RuleHead = {
    kind: 'rule-head',
    span: p.span(headStart),
    ruleKind: args !== undefined ? 'function' : 'complete',
    name: (ref.head as VarTerm).name,
    ref,
    ...(args === undefined ? {} : { args }),
    value,
    valueImplicit: false,
    ...(assign === undefined ? {} : { assign }),
    hasIf: false,
  };
  return [{ kind: 'rule', span, default: true, head, body: [] }];
}

/**
 * The body of a rule or `else` clause: `if` and a body, or a bare `{ body }` (Rego v0), which is
 * reported as REGO1010 with `missingIf` and parsed anyway so later errors still show.
 */
function parseRuleBody(p: ParserState, missingIf: string, extras?: DiagnosticExtras): Body | undefined {
  if (p.isKeywordHere('if')) {
    p.advance();
    return parseIfBody(p);
  }
  p.error('REGO1010', p.tokSpan(), missingIf, extras);
  p.advance();
  return parseBodyUntil(p, '}');
}

/** After `if`: a single literal, or `{ body }` (a set literal `{ x }` there means a body, as in OPA). */
function parseIfBody(p: ParserState): Body | undefined {
  const saved = p.save();
  if (!p.is('eof')) {
    const expr = parseLiteral(p);
    if (expr !== undefined && !(expr.kind === 'term-expr' && expr.term.kind === 'set' && !expr.negated && expr.with.length === 0)) return [expr];
  }
  p.restore(saved);
  if (!p.expect('{', 'a rule body after "if"')) return undefined;
  return parseBodyUntil(p, '}');
}

function parseElse(p: ParserState): ElseClause | undefined {
  const start = p.advance().start;
  let value: Term | undefined;
  let valueImplicit = false;
  let assign: AssignOperator | undefined;
  if (p.is('{') || p.isKeywordHere('if')) {
    value = { kind: 'boolean', span: p.span(start), value: true };
    valueImplicit = true;
  } else if (p.is('=') || p.is(':=')) {
    assign = p.advance().type as AssignOperator;
    value = parseTermInfixCall(p);
    if (value === undefined) return undefined;
  } else {
    p.unexpected('":= value" or a body after "else"');
    return undefined;
  }
  const hasIf = p.isKeywordHere('if');
  let body: Body = [];
  if (hasIf || p.is('{')) {
    const parsed = parseRuleBody(p, 'Missing "if" before the else body');
    if (parsed === undefined) return undefined;
    body = parsed;
  }
  let next: ElseClause | undefined;
  if (p.isKeywordHere('else')) {
    next = parseElse(p);
    if (next === undefined) return undefined;
  }
  return {
    kind: 'else',
    span: p.span(start),
    value,
    valueImplicit,
    ...(assign === undefined ? {} : { assign }),
    hasIf,
    body,
    ...(next === undefined ? {} : { else: next }),
  };
}

/** The first var, ref or call in a default value, ignoring comprehensions as OPA does. */
function findNonConstant(term: Term): Term | undefined {
  switch (term.kind) {
    case 'var':
    case 'ref':
    case 'call':
    case 'template-string':
      return term;
    case 'array':
    case 'set':
      for (const item of term.items) {
        const bad = findNonConstant(item);
        if (bad !== undefined) return bad;
      }
      return undefined;
    case 'object':
      for (const item of term.items) {
        const bad = findNonConstant(item.key) ?? findNonConstant(item.value);
        if (bad !== undefined) return bad;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** A short source-like spelling of `term` for hints; `x` for anything complex. */
function termText(term: Term): string {
  switch (term.kind) {
    case 'var':
      return term.name;
    case 'ref':
      return refToString(term);
    case 'string':
      return JSON.stringify(term.value);
    case 'number':
      return term.text;
    default:
      return 'x';
  }
}
