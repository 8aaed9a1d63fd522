import { describe, expect, it } from 'vitest';
import type * as ir from '../../../../src/rego/ir/ir.ts';
import { parseModule, parseQuery } from '../../../../src/rego/syntax/index.ts';
import { planPolicy, type PlanEntrypoint } from '../../../../src/rego/compiler/plan-policy.ts';
import { formatIr } from '../../../../src/rego/compiler/format-ir.ts';

function plan(source: string, entrypoints: (string | string[])[]): ir.Policy {
  const parsed = parseModule(source, 'p.rego');
  expect(parsed.diagnostics).toEqual([]);
  const eps: PlanEntrypoint[] = entrypoints.map((e) => {
    if (Array.isArray(e)) return { kind: 'path', name: e.join('/'), path: e };
    const q = parseQuery(e, '<query>');
    expect(q.diagnostics).toEqual([]);
    return { kind: 'query', name: e, query: q.query! };
  });
  const result = planPolicy([parsed.module!], eps);
  expect(result.diagnostics).toEqual([]);
  return result.policy!;
}

function stmts(blocks: readonly ir.Block[]): ir.Stmt[] {
  const out: ir.Stmt[] = [];
  const visit = (s: ir.Stmt): void => {
    out.push(s);
    if (s.type === 'BlockStmt') for (const b of s.blocks) for (const x of b.stmts) visit(x);
    if (s.type === 'ScanStmt' || s.type === 'NotStmt' || s.type === 'WithStmt') for (const x of s.block.stmts) visit(x);
  };
  for (const b of blocks) for (const s of b.stmts) visit(s);
  return out;
}

describe('Planner', () => {
  describe('#planQuery', () => {
    it('plans a rule entrypoint as a call whose value binds "result"', () => {
      const policy = plan('package a\nallow := true', [['a', 'allow']]);
      expect(policy.plans.map((p) => p.name)).toEqual(['a/allow']);
      const types = stmts(policy.plans[0]!.blocks).map((s) => s.type);
      expect(types).toEqual(['CallStmt', 'AssignVarStmt', 'MakeObjectStmt', 'ObjectInsertStmt', 'ResultSetAddStmt']);
      const insert = stmts(policy.plans[0]!.blocks).find((s) => s.type === 'ObjectInsertStmt') as ir.ObjectInsertStmt;
      expect(insert.key.kind === 'string' && policy.static.strings[insert.key.index]).toBe('result');
    });

    it('binds the variables of a query, under the names written', () => {
      const policy = plan('package a\np := 1', ['x := data.a.p; y = x']);
      const keys = stmts(policy.plans[0]!.blocks)
        .filter((s): s is ir.ObjectInsertStmt => s.type === 'ObjectInsertStmt')
        .map((s) => (s.key.kind === 'string' ? policy.static.strings[s.key.index] : '?'));
      expect(keys).toEqual(['x', 'y']);
    });
  });

  describe('rules', () => {
    it('plans a complete rule with a default as a function with a fallback block', () => {
      const policy = plan('package a\ndefault allow := false\nallow if input.x == 1', [['a', 'allow']]);
      const fn = policy.funcs.find((f) => f.name === 'g0.data.a.allow')!;
      expect(fn.params).toEqual([0, 1]);
      expect(fn.path).toEqual(['g0', 'a', 'allow']);
      expect(fn.blocks.at(-2)!.stmts[0]!.type).toBe('IsUndefinedStmt');
      expect(fn.blocks.at(-1)!.stmts.map((s) => s.type)).toEqual(['ReturnLocalStmt']);
      expect(stmts(fn.blocks).filter((s) => s.type === 'AssignVarOnceStmt')).toHaveLength(3);
    });

    it('plans a partial set rule into a set built with SetAddStmt', () => {
      const policy = plan('package a\ns contains x if some x in input.xs', [['a', 's']]);
      const fn = policy.funcs.find((f) => f.name === 'g0.data.a.s')!;
      expect(fn.blocks[0]!.stmts[0]!.type).toBe('MakeSetStmt');
      expect(stmts(fn.blocks).map((s) => s.type)).toContain('ScanStmt');
      expect(stmts(fn.blocks).map((s) => s.type)).toContain('SetAddStmt');
    });

    it('plans a function with its arguments as parameters after input and data', () => {
      const policy = plan('package a\nf(x) := y if y := x * 2\np := f(3)', [['a', 'p']]);
      const fn = policy.funcs.find((f) => f.name === 'g0.data.a.f')!;
      expect(fn.params).toHaveLength(3);
      const call = stmts(policy.funcs.find((f) => f.name === 'g0.data.a.p')!.blocks).find((s) => s.type === 'CallStmt' && s.func === 'g0.data.a.f') as ir.CallStmt;
      expect(call.args).toHaveLength(3);
    });

    it('replans rules that see data replaced by with, in a new generation', () => {
      const policy = plan('package a\nq := data.b.c\np := v if v := q with data.a.q as 7\nr := v if v := q with input.z as 1', [['a', 'p'], ['a', 'r']]);
      const names = policy.funcs.map((f) => f.name);
      expect(names).toContain('g0.data.a.q');
      const withs = policy.funcs.flatMap((f) => stmts(f.blocks)).filter((s) => s.type === 'WithStmt');
      expect(withs.length).toBeGreaterThanOrEqual(2);
    });
  });

  describe('builtins', () => {
    it('imports only builtins that are not native to the module', () => {
      const policy = plan('package a\np if { count(input.xs) > 1; upper(input.s) == "A" }', [['a', 'p']]);
      expect(policy.static.builtinFuncs).toEqual([{ name: 'upper', arity: 1 }]);
      const funcs = stmts(policy.funcs[0]!.blocks).filter((s): s is ir.CallStmt => s.type === 'CallStmt').map((s) => s.func);
      expect(funcs).toEqual(expect.arrayContaining(['count', 'gt', 'upper', 'equal']));
    });
  });

  describe('safety', () => {
    it('reorders a body so a variable is bound before it is read', () => {
      const policy = plan('package a\np := y if { y = x + 1; x = input.n }', [['a', 'p']]);
      const fn = policy.funcs.find((f) => f.name === 'g0.data.a.p')!;
      const order = stmts(fn.blocks).filter((s) => s.type === 'DotStmt' || (s.type === 'CallStmt' && s.func === 'plus')).map((s) => s.type);
      expect(order).toEqual(['DotStmt', 'CallStmt']);
    });

    it('reports a variable nothing binds', () => {
      const parsed = parseModule('package a\np if { x > 1 }', 'p.rego');
      const result = planPolicy([parsed.module!], [{ kind: 'path', name: 'a/p', path: ['a', 'p'] }]);
      expect(result.policy).toBeUndefined();
      expect(result.diagnostics.map((d) => d.code)).toEqual(['REGO2001']);
      expect(result.diagnostics[0]!.message).toContain('"x"');
    });
  });

  describe('formatIr', () => {
    it('renders plans and functions one statement per line', () => {
      const text = formatIr(plan('package a\np := 1', [['a', 'p']]));
      expect(text).toContain('plan a/p');
      expect(text).toContain('func g0.data.a.p(l0, l1) -> l2');
      expect(text).toContain('ResultSetAdd');
    });
  });
});
