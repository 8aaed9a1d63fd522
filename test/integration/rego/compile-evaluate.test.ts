// End to end: Rego compiled by aiws, loaded by the unmodified @open-policy-agent/opa-wasm SDK.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { describe, expect, it } from 'vitest';
import { compile, compileQuery, evaluate, jsBuiltinTable } from '../../../src/rego/index.ts';
import { wrapJsBuiltins } from '../../../src/rego/wasm/index.ts';

async function load(modules: Record<string, string>, entrypoints: string[], data?: object) {
  const compiled = compile({ modules, entrypoints });
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const policy = await loadPolicy(compiled.wasm!, undefined, wrapJsBuiltins(jsBuiltinTable()));
  if (data) policy.setData(data);
  return { policy, compiled };
}

describe('compile + opa-wasm SDK', () => {
  it('tells undefined from false, and applies defaults', async () => {
    const { policy } = await load({ 'p.rego': 'package t\nallow if input.x == 1\ndefault deny := false\ndeny if input.x == 2' }, ['t/allow', 't/deny']);
    expect(policy.evaluate({ x: 1 }, 't/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({ x: 3 }, 't/allow')).toEqual([]);
    expect(policy.evaluate({ x: 3 }, 't/deny')).toEqual([{ result: false }]);
    expect(policy.evaluate({ x: 2 }, 't/deny')).toEqual([{ result: true }]);
  });

  it('evaluates else chains in order', async () => {
    const src = 'package t\nlevel := "high" if input.n > 10\nelse := "mid" if input.n > 5\nelse := "low"';
    const { policy } = await load({ 'p.rego': src }, ['t/level']);
    expect(policy.evaluate({ n: 11 })).toEqual([{ result: 'high' }]);
    expect(policy.evaluate({ n: 6 })).toEqual([{ result: 'mid' }]);
    expect(policy.evaluate({ n: 1 })).toEqual([{ result: 'low' }]);
  });

  it('builds partial sets and objects, and functions with several definitions', async () => {
    const src = [
      'package t',
      'names contains n if { some u in input.users; n := u.name }',
      'by_name[u.name] := u.age if some u in input.users',
      'kind(x) := "small" if x < 10',
      'kind(x) := "big" if x >= 10',
      'kinds := [kind(u.age) | some u in input.users]',
    ].join('\n');
    const { policy } = await load({ 'p.rego': src }, ['t/names', 't/by_name', 't/kinds']);
    const input = { users: [{ name: 'a', age: 3 }, { name: 'b', age: 30 }] };
    expect(policy.evaluate(input, 't/names')).toEqual([{ result: ['a', 'b'] }]);
    expect(policy.evaluate(input, 't/by_name')).toEqual([{ result: { a: 3, b: 30 } }]);
    expect(policy.evaluate(input, 't/kinds')).toEqual([{ result: ['small', 'big'] }]);
  });

  it('applies with to input and data, and merges rules with base data', async () => {
    const src = [
      'package t',
      'limit := data.cfg.limit',
      'ok if input.n < limit',
      'check_small if ok with input.n as 1 with data.cfg.limit as 5',
      'extra := 1',
    ].join('\n');
    const { policy } = await load({ 'p.rego': src }, ['t/check_small', 't/ok', 't'], { cfg: { limit: 0 }, t: { base: true } });
    expect(policy.evaluate({ n: 3 }, 't/check_small')).toEqual([{ result: true }]);
    expect(policy.evaluate({ n: 3 }, 't/ok')).toEqual([]);
    expect(policy.evaluate({ n: 3 }, 't')).toEqual([{ result: { base: true, check_small: true, extra: 1, limit: 0 } }]);
  });

  it('indexes base data by integer as array index or as the object key of that spelling', async () => {
    const src = 'package t\nfirst := data.arr[0]\nbyname := data.obj[2]\nlocal := o[2] if o := data.obj';
    const { policy } = await load({ 'p.rego': src }, ['t/first', 't/byname', 't/local'], { arr: ['a', 'b'], obj: { '2': 'two' } });
    expect(policy.evaluate(undefined, 't/first')).toEqual([{ result: 'a' }]);
    expect(policy.evaluate(undefined, 't/byname')).toEqual([{ result: 'two' }]);
    expect(policy.evaluate(undefined, 't/local')).toEqual([]);
  });

  it('evaluates comprehensions, every and not', async () => {
    const src = [
      'package t',
      'evens := {x | some x in input.xs; x % 2 == 0}',
      'doubled := {k: d | some k, v in input.m; d := v * 2}',
      'all_pos if every x in input.xs { x > 0 }',
      'none_big if not big',
      'big if { some x in input.xs; x > 100 }',
    ].join('\n');
    const { policy } = await load({ 'p.rego': src }, ['t/evens', 't/doubled', 't/all_pos', 't/none_big']);
    const input = { xs: [1, 2, 4, 5], m: { a: 1 } };
    expect(policy.evaluate(input, 't/evens')).toEqual([{ result: [2, 4] }]);
    expect(policy.evaluate(input, 't/doubled')).toEqual([{ result: { a: 2 } }]);
    expect(policy.evaluate(input, 't/all_pos')).toEqual([{ result: true }]);
    expect(policy.evaluate({ xs: [1, -1] }, 't/all_pos')).toEqual([]);
    expect(policy.evaluate(input, 't/none_big')).toEqual([{ result: true }]);
  });

  it('raises a conflict when a complete rule produces two values', async () => {
    const { policy } = await load({ 'p.rego': 'package t\np := x if some x in input.xs' }, ['t/p']);
    expect(policy.evaluate({ xs: [1, 1] })).toEqual([{ result: 1 }]);
    expect(() => policy.evaluate({ xs: [1, 2] })).toThrow(/conflict/);
  });

  it('evaluates a query entrypoint into variable bindings', async () => {
    const { policy, compiled } = await load({ 'p.rego': 'package t\nusers := {"a": 1, "b": 2}' }, ['some k; data.t.users[k] = v; v > 1']);
    expect(Object.keys(compiled.entrypoints)).toEqual(['some k; data.t.users[k] = v; v > 1']);
    expect(policy.evaluate(undefined, 0)).toEqual([{ k: 'b', v: 2 }]);
  });

  it('renders template strings, sets and undefined values included', async () => {
    const src = 'package t\nmsg := $"user {input.user} has {count(input.roles)} roles: {{r | some r in input.roles}}, missing {input.nope}"';
    const { policy } = await load({ 'p.rego': src }, ['t/msg']);
    expect(policy.evaluate({ user: 'ann', roles: ['b', 'a'] })).toEqual([{ result: 'user ann has 2 roles: {"a", "b"}, missing <undefined>' }]);
  });

  it('answers rego.metadata.rule() and rego.metadata.chain() from annotations', async () => {
    const src = '# METADATA\n# title: Pkg\npackage t\n\n# METADATA\n# title: Rule p\np := rego.metadata.rule()\n\nc := rego.metadata.chain()';
    const { policy } = await load({ 'p.rego': src }, ['t/p', 't/c']);
    expect(policy.evaluate(undefined, 't/p')).toEqual([{ result: { title: 'Rule p', scope: 'rule' } }]);
    expect(policy.evaluate(undefined, 't/c')).toEqual([{ result: [{ path: ['t', 'c'] }, { path: ['t'], annotations: { title: 'Pkg', scope: 'package' } }] }]);
  });

  it('evaluates through the evaluate helper, keeping falsy inputs defined', async () => {
    const compiled = compile({ modules: { 'p.rego': 'package t\nis_false if input == false\nlimit := data.limit' }, entrypoints: ['t/is_false', 't/limit'] });
    expect(await evaluate(compiled.wasm!, { input: false, entrypoint: 't/is_false' })).toEqual([{ result: true }]);
    expect(await evaluate(compiled.wasm!, { input: 0, entrypoint: 't/is_false' })).toEqual([]);
    expect(await evaluate(compiled.wasm!, { data: { limit: 3 }, entrypoint: 1 })).toEqual([{ result: 3 }]);
  });

  it('makes a failing JS builtin undefined, or an error with strictBuiltinErrors', async () => {
    const compiled = compile({ modules: { 'p.rego': 'package t\nn := to_number(input)' }, entrypoints: ['t/n'] });
    expect(await evaluate(compiled.wasm!, { input: '12' })).toEqual([{ result: 12 }]);
    expect(await evaluate(compiled.wasm!, { input: 'twelve' })).toEqual([]);
    await expect(evaluate(compiled.wasm!, { input: 'twelve', strictBuiltinErrors: true })).rejects.toBeDefined();
  });

  it('compiles an opa eval-style query, exposing term expression values', async () => {
    const compiled = compileQuery({ modules: { 'p.rego': 'package t\nxs := [1, 2, 3]' }, query: 'data.t.xs[i] > 1; data.t.xs[i]' });
    expect(compiled.expressions.map((e) => [e.text, e.binding !== null])).toEqual([['data.t.xs[i] > 1', false], ['data.t.xs[i]', true]]);
    const rows = await evaluate(compiled.wasm!);
    const binding = compiled.expressions[1]!.binding!;
    expect(rows.map((r) => [r.i, r[binding]])).toEqual([[1, 2], [2, 3]]);
  });

  it('reports diagnostics, not a module, for a bad policy', () => {
    const compiled = compile({ modules: { 'bad.rego': 'package t\np if { x > 1 }' }, entrypoints: ['t/p'] });
    expect(compiled.wasm).toBeUndefined();
    expect(compiled.diagnostics.some((d) => d.severity === 'error' && d.span.file === 'bad.rego')).toBe(true);
  });
});
