// Unit tests of the Rego parser: each construct of Rego v1 to its AST shape, operator precedence,
// layout rules, spans, parseQuery, and syntax errors with recovery.
import { describe, expect, it } from 'vitest';
import { parseModule, parseQuery, type Expr, type Module, type Rule, type Term } from '../../../../src/rego/syntax/index.ts';

/** Drops spans (tested separately) so shapes read compactly. */
function strip<T>(value: T): T {
  if (Array.isArray(value)) return value.map(strip) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'span').map(([k, v]) => [k, strip(v)])) as T;
  }
  return value;
}

function module(source: string): Module {
  const result = parseModule(source, 't.rego');
  expect(result.diagnostics).toEqual([]);
  return result.module!;
}

const rules = (body: string): Rule[] => [...module(`package t\n${body}`).rules];
const rule = (body: string): Rule => rules(body)[0]!;

function expr(source: string): Expr {
  const result = parseQuery(source, 'q');
  expect(result.diagnostics).toEqual([]);
  expect(result.query!.body).toHaveLength(1);
  return result.query!.body[0]!;
}

function term(source: string): Term {
  const e = expr(`x = ${source}`);
  if (e.kind !== 'call-expr') throw new Error('expected x = term');
  return e.call.args[1]!;
}

/** A compact rendering of terms: calls as `name(args)`, refs as `head.path`, to read precedence. */
function show(t: Term): string {
  switch (t.kind) {
    case 'call':
      return `${t.name}(${t.args.map(show).join(', ')})`;
    case 'var':
      return t.name;
    case 'number':
      return t.text;
    case 'boolean':
      return String(t.value);
    case 'string':
      return JSON.stringify(t.value);
    case 'ref':
      return `${show(t.head)}${t.path.map((p) => (p.kind === 'string' ? `.${p.value}` : `[${show(p)}]`)).join('')}`;
    case 'array':
      return `[${t.items.map(show).join(', ')}]`;
    case 'set':
      return `set(${t.items.map(show).join(', ')})`;
    default:
      return t.kind;
  }
}

const v = (name: string) => ({ kind: 'var', name });
const s = (value: string) => ({ kind: 'string', value, raw: false });
const n = (text: string) => ({ kind: 'number', text });

describe('parseModule', () => {
  describe('#package and imports', () => {
    it('reads a dotted package path', () => {
      const m = module('package aiws.capabilities["http-fetch"]');
      expect(m.package.path).toEqual(['aiws', 'capabilities', 'http-fetch']);
    });

    it('reads imports with and without aliases and accepts rego.v1 and future keywords', () => {
      const m = module('package t\nimport rego.v1\nimport future.keywords.in\nimport data.lib.net as n\nimport input.user');
      expect(m.imports.map((i) => [show(i.path), i.alias])).toEqual([
        ['rego.v1', undefined],
        ['future.keywords.in', undefined],
        ['data.lib.net', 'n'],
        ['input.user', undefined],
      ]);
    });

    it('rejects imports outside data, input, future and rego', () => {
      const { diagnostics } = parseModule('package t\nimport foo.bar', 't.rego');
      expect(diagnostics.map((d) => d.code)).toEqual(['REGO1008']);
    });

    it('rejects rego.v2', () => {
      expect(parseModule('package t\nimport rego.v2', 't.rego').diagnostics.map((d) => d.code)).toEqual(['REGO1008']);
    });

    it('collects comments', () => {
      expect(module('# top\npackage t # trailing').comments.map((c) => c.text)).toEqual([' top', ' trailing']);
    });
  });

  describe('#rules', () => {
    it('parses a complete rule with := and a body', () => {
      expect(strip(rule('p := 1 if { true }').head)).toEqual({
        kind: 'rule-head', ruleKind: 'complete', name: 'p', ref: { kind: 'ref', head: v('p'), path: [] }, value: n('1'), valueImplicit: false, assign: ':=', hasIf: true,
      });
    });

    it('gives an `if` rule without value the implicit value true', () => {
      const r = rule('allow if input.user == "alice"');
      expect(r.head).toMatchObject({ ruleKind: 'complete', value: { kind: 'boolean', value: true }, valueImplicit: true, hasIf: true });
      expect(r.body).toHaveLength(1);
    });

    it('parses a bodiless rule with = and an empty body', () => {
      const r = rule('p = [1, 2]');
      expect(r.head).toMatchObject({ assign: '=', hasIf: false, value: { kind: 'array' } });
      expect(r.body).toEqual([]);
    });

    it('parses default rules', () => {
      const r = rule('default allow := false');
      expect(r.default).toBe(true);
      expect(r.head).toMatchObject({ ruleKind: 'complete', value: { kind: 'boolean', value: false } });
      expect(rule('default f(_, y) := 0').head).toMatchObject({ ruleKind: 'function', args: [{ name: '_' }, { name: 'y' }] });
    });

    it('parses partial set rules with contains', () => {
      const r = rule('deny contains msg if { msg := "no" }');
      expect(strip(r.head)).toMatchObject({ ruleKind: 'partial-set', name: 'deny', key: v('msg'), valueImplicit: false });
      expect(r.head.value).toBeUndefined();
      expect(rule('hosts contains "a.example"').body).toEqual([]);
    });

    it('parses partial object rules', () => {
      expect(strip(rule('limits[name] := n if { some name, n in input.limits }').head)).toMatchObject({
        ruleKind: 'partial-object', ref: { head: v('limits'), path: [v('name')] }, key: v('name'), value: v('n'),
      });
    });

    it('reads `p[x] if` as a single-value rule p[x] = true, as Rego v1 does', () => {
      expect(rule('p[x] if { some x in [1] }').head).toMatchObject({ ruleKind: 'partial-object', key: { name: 'x' }, value: { value: true }, valueImplicit: true });
    });

    it('parses ref heads', () => {
      expect(strip(rule('a.b["c"] := 1').head)).toMatchObject({ ruleKind: 'complete', name: 'a', ref: { head: v('a'), path: [s('b'), s('c')] } });
      expect(rule('a.b[x].c := 1 if { x := "k" }').head).toMatchObject({ ruleKind: 'partial-object', key: { kind: 'string', value: 'c' } });
      expect(rule('a.b.c').head).toMatchObject({ ruleKind: 'complete', valueImplicit: true });
      expect(rule('q.r contains 1').head).toMatchObject({ ruleKind: 'partial-set', ref: { path: [{ value: 'r' }] } });
    });

    it('parses functions, with and without values and bodies', () => {
      expect(strip(rule('f(x, [y, _]) := x + y if { x > 0 }').head)).toMatchObject({
        ruleKind: 'function', args: [v('x'), { kind: 'array', items: [v('y'), v('_')] }], value: { kind: 'call', name: 'plus', infix: '+' },
      });
      expect(rule('g(x) if x > 1').head).toMatchObject({ ruleKind: 'function', valueImplicit: true });
      expect(rule('h(x) := 1').body).toEqual([]);
      expect(rule('lib.util.f(x) := x').head).toMatchObject({ ruleKind: 'function', ref: { path: [{ value: 'util' }, { value: 'f' }] } });
    });

    it('parses else chains with and without values', () => {
      const r = rule('p := 1 if { input.a } else := 2 if { input.b } else := 3');
      expect(r.else).toMatchObject({ value: { text: '2' }, hasIf: true, else: { value: { text: '3' }, hasIf: false, body: [] } });
      expect(rule('q if { input.a } else if { input.b }').else).toMatchObject({ valueImplicit: true, value: { value: true } });
      expect(rule('f(x) := 1 if x > 1 else := 2').else).toMatchObject({ value: { text: '2' } });
    });

    it('turns several bodies after one head into several rules', () => {
      const rs = rules('p if { input.a } { input.b }');
      expect(rs).toHaveLength(2);
      expect(rs[1]!.head).toBe(rs[0]!.head);
    });

    it('parses keywords as ref segments and heads', () => {
      const rs = rules('if.foo contains "a"\np if { input.not.in == data.default[0] }');
      expect(rs[0]!.head).toMatchObject({ name: 'if', ruleKind: 'partial-set' });
    });
  });

  describe('#expressions', () => {
    it('maps infix operators to builtin names', () => {
      expect(show(term('a + b'))).toBe('plus(a, b)');
      for (const [op, name] of [['-', 'minus'], ['*', 'mul'], ['/', 'div'], ['%', 'rem'], ['|', 'or'], ['&', 'and'], ['==', 'equal'], ['!=', 'neq'], ['<', 'lt'], ['<=', 'lte'], ['>', 'gt'], ['>=', 'gte']]) {
        expect(show(term(`a ${op} b`))).toBe(`${name}(a, b)`);
      }
    });

    it('follows Rego precedence, all operators left-associative', () => {
      expect(show(term('1 + 2 * 3'))).toBe('plus(1, mul(2, 3))');
      expect(show(term('a - b - c'))).toBe('minus(minus(a, b), c)');
      expect(show(term('a | b & c'))).toBe('or(a, and(b, c))');
      expect(show(term('a + 1 == b | c'))).toBe('equal(plus(a, 1), or(b, c))');
      expect(show(term('x in xs == true'))).toBe('internal.member_2(x, equal(xs, true))');
      expect(show(term('(1 + 2) * 3'))).toBe('mul(plus(1, 2), 3)');
    });

    it('parses unification, assignment and comparison as calls', () => {
      expect(strip(expr('x := 1'))).toMatchObject({ kind: 'call-expr', call: { name: 'assign', infix: ':=', args: [v('x'), n('1')] } });
      expect(expr('[a, b] = [1, 2]')).toMatchObject({ kind: 'call-expr', call: { name: 'eq', infix: '=' } });
    });

    it('parses membership with and without keys', () => {
      expect(show((expr('x in xs') as Extract<Expr, { kind: 'call-expr' }>).call)).toBe('internal.member_2(x, xs)');
      expect(show((expr('k, v in obj') as Extract<Expr, { kind: 'call-expr' }>).call)).toBe('internal.member_3(k, v, obj)');
      expect(show(term('[a, b in c]'))).toBe('[a, internal.member_2(b, c)]');
    });

    it('parses negation and with modifiers', () => {
      const e = expr('not allowed with input as {"a": 1} with data.x.y as 2');
      expect(e).toMatchObject({ kind: 'term-expr', negated: true });
      expect(e.with.map((w) => show(w.target))).toEqual(['input', 'data.x.y']);
    });

    it('parses some declarations in all forms', () => {
      expect(strip(expr('some x, y'))).toMatchObject({ kind: 'some-decl', vars: [v('x'), v('y')] });
      expect(strip(expr('some x in xs'))).toMatchObject({ kind: 'some-in', value: v('x'), collection: v('xs') });
      expect(strip(expr('some k, [a, b] in input.m'))).toMatchObject({ kind: 'some-in', key: v('k'), value: { kind: 'array' } });
    });

    it('parses every', () => {
      expect(strip(expr('every k, v in input.m { v > 1; k != "x" }'))).toMatchObject({ kind: 'every', key: v('k'), value: v('v'), body: [{}, {}] });
      expect(expr('every x in [1] { x > 0 }')).toMatchObject({ kind: 'every', value: { name: 'x' } });
    });

    it('separates body expressions by newlines or semicolons but not inside brackets', () => {
      const r = rule('p if {\n  x := [\n    1,\n    2,\n  ]\n  y := count(\n    x\n  ); z := y\n}');
      expect(r.body).toHaveLength(3);
    });
  });

  describe('#terms', () => {
    it('keeps number text exactly, folding a leading minus', () => {
      expect(term('123456789012345678901234567890')).toMatchObject(n('123456789012345678901234567890'));
      expect(term('-1.5e3')).toMatchObject(n('-1.5e3'));
      expect(term('.5')).toMatchObject(n('0.5'));
    });

    it('parses scalars and strings', () => {
      expect(term('null')).toMatchObject({ kind: 'null' });
      expect(term('false')).toMatchObject({ kind: 'boolean', value: false });
      expect(term('`a\\b`')).toMatchObject({ kind: 'string', value: 'a\\b', raw: true });
    });

    it('turns bare input and data into refs with an empty path', () => {
      expect(strip(term('input'))).toEqual({ kind: 'ref', head: v('input'), path: [] });
    });

    it('parses refs with dots, brackets and computed heads', () => {
      expect(show(term('data.a[x].b["c d"]'))).toBe('data.a[x].b.c d');
      expect(show(term('f(x).y[0]'))).toBe('f(x).y[0]');
      expect(show(term('[1, 2][0]'))).toBe('[1, 2][0]');
      expect(show(term('object.get(o, "k", 0)'))).toBe('object.get(o, "k", 0)');
    });

    it('parses collections, including non-string keys, set() and {}', () => {
      expect(strip(term('{1: "a", [2]: {3}}'))).toMatchObject({ kind: 'object', items: [{ key: n('1') }, { key: { kind: 'array' }, value: { kind: 'set' } }] });
      expect(term('set()')).toMatchObject({ kind: 'set', items: [] });
      expect(term('{}')).toMatchObject({ kind: 'object', items: [] });
      expect(term('[1, 2,]')).toMatchObject({ kind: 'array', items: [{}, {}] });
    });

    it('prefers comprehensions over the | operator', () => {
      expect(term('[x | x := 1]')).toMatchObject({ kind: 'array-comprehension', term: { name: 'x' } });
      expect(term('{x | some x in xs}')).toMatchObject({ kind: 'set-comprehension' });
      expect(term('{k: v | some k, v in o}')).toMatchObject({ kind: 'object-comprehension', key: { name: 'k' }, value: { name: 'v' } });
      expect(show(term('{a | b, c}'))).toBe('set(or(a, b), c)');
    });

    it('parses template strings into text and expressions', () => {
      expect(strip(term('$"n={count(xs)}, \\{x}"'))).toMatchObject({
        kind: 'template-string',
        raw: false,
        parts: [{ kind: 'template-text', value: 'n=' }, { kind: 'template-expr', expr: { kind: 'call-expr', call: { name: 'count' } } }, { kind: 'template-text', value: ', {x}' }],
      });
    });

    it('requires calls and refs to follow their head without a space', () => {
      expect(parseQuery('f (x)', 'q').diagnostics.map((d) => d.code)).toEqual(['REGO1001']);
      expect(parseQuery('input.a [0]', 'q').diagnostics.map((d) => d.code)).toEqual(['REGO1001']);
    });

    it('rejects a minus before a non-number and leading zeros', () => {
      expect(parseQuery('x := -y', 'q').diagnostics.map((d) => d.code)).toEqual(['REGO1001']);
      expect(parseQuery('x := 007', 'q').diagnostics.map((d) => d.code)).toEqual(['REGO1005']);
    });
  });

  describe('#spans', () => {
    it('spans rules, heads, expressions and terms precisely', () => {
      const r = rule('allow if {\n  input.x == 1\n}');
      expect(r.span).toMatchObject({ file: 't.rego', start: { line: 2, col: 1 }, end: { line: 4, col: 2 } });
      expect(r.head.span).toMatchObject({ start: { line: 2, col: 1 }, end: { line: 2, col: 6 } });
      expect(r.body[0]!.span).toMatchObject({ start: { line: 3, col: 3 }, end: { line: 3, col: 15 } });
      const call = (r.body[0] as Extract<Expr, { kind: 'call-expr' }>).call;
      expect(call.operator.span).toMatchObject({ start: { line: 3, col: 11 }, end: { line: 3, col: 13 } });
      expect(call.args[0]!.span).toMatchObject({ start: { col: 3 }, end: { col: 10 } });
    });

    it('includes not and with in expression spans', () => {
      const e = expr('not p with input as 1');
      expect(e.span).toMatchObject({ start: { col: 1 }, end: { col: 22 } });
    });
  });

  describe('#errors', () => {
    it('returns no module and a located diagnostic on a syntax error', () => {
      const result = parseModule('package t\np if { x := }', 't.rego');
      expect(result.module).toBeUndefined();
      expect(result.diagnostics).toEqual([
        expect.objectContaining({ code: 'REGO1001', severity: 'error', span: expect.objectContaining({ start: { line: 2, col: 13, offset: 22 } }) }),
      ]);
      expect(result.diagnostics[0]!.message).toBe('Unexpected "}": expected a term (a value, variable, reference or call)');
    });

    it('reports several independent errors in one pass', () => {
      const source = ['package t', 'a if { 1 + }', 'b := [1, 2', 'c if { ok }', 'd if { x := "open }', 'e := 1'].join('\n');
      const { diagnostics } = parseModule(source, 't.rego');
      expect(diagnostics.map((d) => [d.code, d.span.start.line])).toEqual([
        ['REGO1001', 2],
        ['REGO1001', 4],
        ['REGO1002', 5],
      ]);
    });

    it('requires if before rule bodies and contains for multi-value rules', () => {
      const { diagnostics } = parseModule('package t\np[x] { x := 1 }\nq { true }', 't.rego');
      expect(diagnostics.map((d) => d.code)).toEqual(['REGO1011', 'REGO1010', 'REGO1010']);
      expect(diagnostics[0]!.hint).toBe('write "p contains x if { ... }"');
    });

    it('requires a package first', () => {
      expect(parseModule('p := 1', 't.rego').diagnostics.map((d) => d.code)).toEqual(['REGO1006']);
      expect(parseModule('', 't.rego').diagnostics.map((d) => d.code)).toEqual(['REGO1021']);
    });

    it('rejects empty bodies, bad default values and incomplete rules', () => {
      expect(parseModule('package t\nq := [x | ]', 't.rego').diagnostics.map((d) => d.code)).toEqual(['REGO1014']);
      expect(parseModule('package t\np if {', 't.rego').diagnostics.map((d) => d.code)).toEqual(['REGO1001']);
      expect(parseModule('package t\ndefault p := input.x', 't.rego').diagnostics.map((d) => d.code)).toEqual(['REGO1012']);
      expect(parseModule('package t\np', 't.rego').diagnostics.map((d) => d.code)).toEqual(['REGO1009']);
    });

    it('rejects else on partial rules and negated some and every', () => {
      expect(parseModule('package t\np[x] := 1 if { x := 1 } else := 2', 't.rego').diagnostics.map((d) => d.code)).toEqual(['REGO1013']);
      expect(parseQuery('not some x', 'q').diagnostics.map((d) => d.code)).toEqual(['REGO1015']);
      expect(parseQuery('not every x in xs { x }', 'q').diagnostics.map((d) => d.code)).toEqual(['REGO1016']);
      expect(parseQuery('every x in xs', 'q').diagnostics.map((d) => d.code)).toEqual(['REGO1001']);
    });

    it('rejects assignments and negation inside template strings', () => {
      expect(parseQuery('x := $"{y := 1}"', 'q').diagnostics.map((d) => d.code)).toEqual(['REGO1019']);
      expect(parseQuery('x := $"{not y}"', 'q').diagnostics.map((d) => d.code)).toEqual(['REGO1019']);
    });

    it('parses nested collections followed by operators without re-parsing them exponentially', () => {
      // Each level is first tried as a comprehension head, then re-parsed as an operand; 60 levels
      // would never finish without the parser's term cache.
      const source = `x := ${'{'.repeat(60)}1${'} + 1'.repeat(60)}`;
      const result = parseQuery(source, 'q');
      expect(result.diagnostics).toEqual([]);
      expect(show(term('{{1} + 1}'))).toBe('set(plus(set(1), 1))');
    });

    it('refuses absurd nesting with a diagnostic instead of a stack overflow', () => {
      const deep = `x := ${'['.repeat(5000)}${']'.repeat(5000)}`;
      expect(parseQuery(deep, 'q').diagnostics.map((d) => d.code)).toContain('REGO1020');
    });
  });
});

describe('parseQuery', () => {
  it('parses queries separated by semicolons and newlines', () => {
    const result = parseQuery('x := 1; y := x + 1\nz := y', 'q');
    expect(result.query!.body.map((e) => show((e as Extract<Expr, { kind: 'call-expr' }>).call))).toEqual(['assign(x, 1)', 'assign(y, plus(x, 1))', 'assign(z, y)']);
  });

  it('parses the conformance query shape', () => {
    expect(show((expr('data.generated.p = x') as Extract<Expr, { kind: 'call-expr' }>).call)).toBe('eq(data.generated.p, x)');
  });

  it('rejects an empty query', () => {
    expect(parseQuery('  ', 'q').diagnostics.map((d) => d.code)).toEqual(['REGO1014']);
  });
});
