// Unit tests of the conversion to OPA's JSON AST format (what rego.parse_module returns).
import { describe, expect, it } from 'vitest';
import { moduleToOpaJson, parseModule, parseQuery, termToOpaJson, type Expr } from '../../../../src/rego/syntax/index.ts';

const v = (value: string) => ({ type: 'var', value });
const s = (value: string) => ({ type: 'string', value });

describe('moduleToOpaJson', () => {
  it('renders package, imports and rules as OPA does', () => {
    const module = parseModule('package foo.bar\n\nimport rego.v1\nimport data.a\n\np if { a = true }', 'x.rego').module!;
    expect(moduleToOpaJson(module)).toEqual({
      package: { path: [v('data'), s('foo'), s('bar')] },
      imports: [{ path: { type: 'ref', value: [v('rego'), s('v1')] } }, { path: { type: 'ref', value: [v('data'), s('a')] } }],
      rules: [
        {
          head: { name: 'p', ref: [v('p')], value: { type: 'boolean', value: true } },
          body: [{ index: 0, terms: [{ type: 'ref', value: [v('eq')] }, v('a'), { type: 'boolean', value: true }] }],
        },
      ],
    });
  });

  it('renders defaults, assignments, else chains, functions and bodiless rules', () => {
    const module = parseModule('package t\ndefault d := 1\nf(x) := 1 if x > 0 else := 2\nq contains 3', 't.rego').module!;
    const json = moduleToOpaJson(module) as { rules: Record<string, unknown>[] };
    expect(json.rules[0]).toEqual({ default: true, head: { name: 'd', ref: [v('d')], value: { type: 'number', value: 1 }, assign: true }, body: [{ index: 0, terms: { type: 'boolean', value: true } }] });
    expect(json.rules[1]).toMatchObject({ head: { name: 'f', args: [v('x')], assign: true }, else: { head: { value: { type: 'number', value: 2 } } } });
    expect(json.rules[2]).toMatchObject({ head: { name: 'q', key: { type: 'number', value: 3 } } });
  });
});

describe('termToOpaJson', () => {
  it('renders collections, comprehensions, calls and wildcards', () => {
    const e = parseQuery('x = [{1: {"a"}}, [y | y := input[_]], count(z)]', 'q').query!.body[0] as Extract<Expr, { kind: 'call-expr' }>;
    expect(termToOpaJson(e.call.args[1]!)).toEqual({
      type: 'array',
      value: [
        { type: 'object', value: [[{ type: 'number', value: 1 }, { type: 'set', value: [s('a')] }]] },
        {
          type: 'arraycomprehension',
          value: { term: v('y'), body: [{ index: 0, terms: [{ type: 'ref', value: [v('assign')] }, v('y'), { type: 'ref', value: [v('input'), v('$0')] }] }] },
        },
        { type: 'call', value: [{ type: 'ref', value: [v('count')] }, v('z')] },
      ],
    });
  });
});
