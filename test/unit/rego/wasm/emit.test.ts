/**
 * End-to-end tests of the WASM emitter: hand-built IR policies, emitted, loaded with the unmodified
 * @open-policy-agent/opa-wasm SDK and evaluated.
 */
import { describe, expect, it } from 'vitest';
import type { Stmt } from '../../../../src/rego/ir/ir.ts';
import { emitWasm } from '../../../../src/rego/wasm/index.ts';
import { IrBuilder, LOCAL_DATA, LOCAL_INPUT, op } from '../../../helpers/ir-builder.ts';
import { globalValue, loadIr, moduleInterface, RawAbi } from '../../../helpers/wasm-policy.ts';

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return String(err);
  }
  return '<nothing thrown>';
}

/** Statements for `target := source.<key>` (undefined when missing). */
function dot(b: IrBuilder, source: number, key: string, target: number): Stmt {
  return { type: 'DotStmt', source: op(source), key: b.str(key), target };
}

describe('emitWasm', () => {
  describe('#plans', () => {
    it('evaluates a constant plan', async () => {
      const b = new IrBuilder();
      const x = b.local();
      b.plan('t/const', [{ type: 'MakeNumberIntStmt', value: 42n, target: x }, ...b.result(x)]);
      const p = await loadIr(b.build());
      expect(p.evaluate(null)).toEqual([{ result: 42 }]);
    });

    it('lists every plan in entrypoints() and dispatches by name', async () => {
      const b = new IrBuilder();
      const x = b.local();
      const y = b.local();
      b.plan('t/a', [{ type: 'AssignVarStmt', source: b.str('first'), target: x }, ...b.result(x)]);
      b.plan('t/b', [{ type: 'AssignVarStmt', source: { kind: 'bool', value: false }, target: y }, ...b.result(y)]);
      const p = await loadIr(b.build());
      expect(p.entrypoints).toEqual({ 't/a': 0, 't/b': 1 });
      expect(p.evaluate({}, 't/a')).toEqual([{ result: 'first' }]);
      expect(p.evaluate({}, 't/b')).toEqual([{ result: false }]);
    });

    it('returns an empty result set when the plan is undefined', async () => {
      const b = new IrBuilder();
      const x = b.local();
      b.plan('t/undef', [dot(b, LOCAL_INPUT, 'missing', x), ...b.result(x)]);
      const p = await loadIr(b.build());
      expect(p.evaluate({ present: 1 })).toEqual([]);
    });

    it('adds one result per defined block', async () => {
      const b = new IrBuilder();
      const x = b.local();
      const y = b.local();
      b.plan('t/multi', [dot(b, LOCAL_INPUT, 'a', x), ...b.result(x)], [dot(b, LOCAL_INPUT, 'b', y), ...b.result(y)]);
      const p = await loadIr(b.build());
      expect(p.evaluate({ a: 1, b: 2 })).toEqual([{ result: 1 }, { result: 2 }]);
      expect(p.evaluate({ b: 2 })).toEqual([{ result: 2 }]);
    });
  });

  describe('#DotStmt', () => {
    it('looks up nested input and data', async () => {
      const b = new IrBuilder();
      const user = b.local();
      const name = b.local();
      const roles = b.local();
      const role = b.local();
      b.plan('t/dot', [
        dot(b, LOCAL_INPUT, 'user', user),
        dot(b, user, 'name', name),
        dot(b, LOCAL_DATA, 'roles', roles),
        { type: 'DotStmt', source: op(roles), key: op(name), target: role },
        ...b.result(role),
      ]);
      const p = await loadIr(b.build());
      p.setData({ roles: { alice: ['admin'], bob: ['reader'] } });
      expect(p.evaluate({ user: { name: 'alice' } })).toEqual([{ result: ['admin'] }]);
      expect(p.evaluate({ user: { name: 'bob' } })).toEqual([{ result: ['reader'] }]);
      expect(p.evaluate({ user: { name: 'carol' } })).toEqual([]);
      expect(p.evaluate({ user: 'alice' })).toEqual([]);
    });

    it('indexes arrays by number and is undefined out of range', async () => {
      const b = new IrBuilder();
      const xs = b.local();
      const i = b.local();
      const v = b.local();
      b.plan('t/index', [
        dot(b, LOCAL_INPUT, 'xs', xs),
        dot(b, LOCAL_INPUT, 'i', i),
        { type: 'DotStmt', source: op(xs), key: op(i), target: v },
        ...b.result(v),
      ]);
      const p = await loadIr(b.build());
      expect(p.evaluate({ xs: ['a', 'b'], i: 1 })).toEqual([{ result: 'b' }]);
      expect(p.evaluate({ xs: ['a', 'b'], i: 1.0 })).toEqual([{ result: 'b' }]);
      expect(p.evaluate({ xs: ['a', 'b'], i: 2 })).toEqual([]);
      expect(p.evaluate({ xs: ['a', 'b'], i: -1 })).toEqual([]);
      expect(p.evaluate({ xs: ['a', 'b'], i: 0.5 })).toEqual([]);
      expect(p.evaluate({ xs: ['a', 'b'], i: '0' })).toEqual([]);
    });
  });

  describe('#ScanStmt', () => {
    function collect(kind: 'key' | 'value', toSet: boolean) {
      const b = new IrBuilder();
      const src = b.local();
      const set = b.local();
      const k0 = b.local();
      const v0 = b.local();
      const k = b.local();
      const v = b.local();
      const out = b.local();
      const stmts: Stmt[] = [dot(b, LOCAL_INPUT, 'xs', src)];
      if (toSet) {
        stmts.push({ type: 'MakeSetStmt', target: set }, {
          type: 'ScanStmt', source: src, key: k0, value: v0,
          block: { stmts: [{ type: 'SetAddStmt', set, value: op(v0) }] },
        });
      }
      stmts.push({ type: 'MakeArrayStmt', capacity: 0, target: out }, {
        type: 'ScanStmt', source: toSet ? set : src, key: k, value: v,
        block: { stmts: [{ type: 'ArrayAppendStmt', array: out, value: op(kind === 'key' ? k : v) }] },
      }, ...b.result(out));
      b.plan('t/scan', stmts);
      return loadIr(b.build());
    }

    it('visits array indexes and values in order', async () => {
      expect((await collect('key', false)).evaluate({ xs: ['a', 'b', 'c'] })).toEqual([{ result: [0, 1, 2] }]);
      expect((await collect('value', false)).evaluate({ xs: ['a', 'b', 'c'] })).toEqual([{ result: ['a', 'b', 'c'] }]);
    });

    it('visits object keys in sorted order', async () => {
      expect((await collect('key', false)).evaluate({ xs: { b: 1, c: 2, a: 3 } })).toEqual([{ result: ['a', 'b', 'c'] }]);
      expect((await collect('value', false)).evaluate({ xs: { b: 1, c: 2, a: 3 } })).toEqual([{ result: [3, 1, 2] }]);
    });

    it('visits set members in sorted order, key and value alike', async () => {
      const xs = [3, 'x', 1, [1], 2, 1, null, 'a'];
      const sorted = [null, 1, 2, 3, 'a', 'x', [1]];
      expect((await collect('key', true)).evaluate({ xs })).toEqual([{ result: sorted }]);
      expect((await collect('value', true)).evaluate({ xs })).toEqual([{ result: sorted }]);
    });

    it('does nothing over scalars and missing values', async () => {
      const p = await collect('value', false);
      expect(p.evaluate({ xs: 'abc' })).toEqual([{ result: [] }]);
      expect(p.evaluate({ xs: 7 })).toEqual([{ result: [] }]);
    });

    it('continues with the next element when the body is undefined', async () => {
      const b = new IrBuilder();
      const src = b.local();
      const k = b.local();
      const v = b.local();
      const cmp = b.local();
      const one = b.local();
      const out = b.local();
      b.builtin('gt', 2);
      b.plan('t/filter', [
        dot(b, LOCAL_INPUT, 'xs', src),
        { type: 'MakeNumberIntStmt', value: 1n, target: one },
        { type: 'MakeSetStmt', target: out },
        {
          type: 'ScanStmt', source: src, key: k, value: v, block: {
            stmts: [
              { type: 'CallStmt', func: 'gt', args: [op(v), op(one)], result: cmp },
              { type: 'NotEqualStmt', a: op(cmp), b: { kind: 'bool', value: false } },
              { type: 'SetAddStmt', set: out, value: op(v) },
            ],
          },
        },
        ...b.result(out),
      ]);
      const p = await loadIr(b.build());
      expect(p.evaluate({ xs: [0, 3, 1, 2, 5] })).toEqual([{ result: [2, 3, 5] }]);
    });

    it('leaves the scan with a break to index 1 from its body', async () => {
      const b = new IrBuilder();
      const src = b.local();
      const k = b.local();
      const v = b.local();
      const out = b.local();
      b.plan('t/first', [
        dot(b, LOCAL_INPUT, 'xs', src),
        { type: 'MakeArrayStmt', capacity: 0, target: out },
        {
          type: 'ScanStmt', source: src, key: k, value: v, block: {
            stmts: [{ type: 'ArrayAppendStmt', array: out, value: op(v) }, { type: 'BreakStmt', index: 1 }],
          },
        },
        ...b.result(out),
      ]);
      const p = await loadIr(b.build());
      expect(p.evaluate({ xs: ['a', 'b', 'c'] })).toEqual([{ result: ['a'] }]);
    });
  });

  describe('#NotStmt', () => {
    it('is defined exactly when its block is undefined', async () => {
      const b = new IrBuilder();
      const flag = b.local();
      const t = b.local();
      b.plan('t/not', [
        { type: 'NotStmt', block: { stmts: [dot(b, LOCAL_INPUT, 'flag', flag), { type: 'EqualStmt', a: op(flag), b: { kind: 'bool', value: true } }] } },
        { type: 'AssignVarStmt', source: { kind: 'bool', value: true }, target: t },
        ...b.result(t),
      ]);
      const p = await loadIr(b.build());
      expect(p.evaluate({})).toEqual([{ result: true }]);
      expect(p.evaluate({ flag: false })).toEqual([{ result: true }]);
      expect(p.evaluate({ flag: true })).toEqual([]);
    });
  });

  describe('#BlockStmt and #BreakStmt', () => {
    it('implements else chains: the first defined block wins', async () => {
      // OPA plans `x := "a" if input.a else := "b" if input.b` as blocks that break out once defined.
      const b = new IrBuilder();
      const ret = b.local();
      const t = b.local();
      b.plan('t/else', [
        {
          type: 'BlockStmt', blocks: [{
            stmts: [{
              type: 'BlockStmt', blocks: [{
                stmts: [
                  dot(b, LOCAL_INPUT, 'a', t), { type: 'AssignVarOnceStmt', source: b.str('a'), target: ret },
                  { type: 'IsDefinedStmt', source: ret },
                  { type: 'BreakStmt', index: 1 },
                ],
              }, {
                stmts: [dot(b, LOCAL_INPUT, 'b', t), { type: 'AssignVarOnceStmt', source: b.str('b'), target: ret }],
              }],
            }],
          }],
        },
        { type: 'IsDefinedStmt', source: ret },
        ...b.result(ret),
      ]);
      const p = await loadIr(b.build());
      expect(p.evaluate({ a: 1, b: 1 })).toEqual([{ result: 'a' }]);
      expect(p.evaluate({ b: 1 })).toEqual([{ result: 'b' }]);
      expect(p.evaluate({})).toEqual([]);
    });
  });

  describe('#other statements', () => {
    it('LenStmt, AssignIntStmt, MakeNullStmt, MakeNumberRefStmt, ResetLocalStmt and type checks', async () => {
      const b = new IrBuilder();
      const x = b.local();
      const len = b.local();
      const idx = b.local();
      const elem = b.local();
      const nul = b.local();
      const big = b.local();
      const gone = b.local();
      const kind = b.local();
      const out = b.local();
      const isArr = b.local();
      const isObj = b.local();
      const isSet = b.local();
      const set = b.local();
      const typeProbe = (stmt: 'IsArrayStmt' | 'IsObjectStmt' | 'IsSetStmt', source: number, target: number): Stmt => ({
        type: 'BlockStmt', blocks: [{ stmts: [{ type: stmt, source: op(source) }, { type: 'AssignVarStmt', source: { kind: 'bool', value: true }, target }] }],
      });
      b.plan('t/stmts', [
        dot(b, LOCAL_INPUT, 'x', x),
        { type: 'LenStmt', source: op(x), target: len },
        { type: 'MakeNumberIntStmt', value: 0n, target: idx },
        { type: 'AssignIntStmt', value: 1, target: idx },
        { type: 'BlockStmt', blocks: [{ stmts: [{ type: 'DotStmt', source: op(x), key: op(idx), target: elem }] }] },
        { type: 'MakeNullStmt', target: nul },
        { type: 'MakeNumberRefStmt', index: b.strIndex('1.000000000000000000001e-400'), target: big },
        { type: 'AssignVarStmt', source: op(x), target: gone },
        { type: 'ResetLocalStmt', target: gone },
        { type: 'IsUndefinedStmt', source: gone },
        { type: 'MakeSetStmt', target: set },
        { type: 'AssignVarStmt', source: { kind: 'bool', value: false }, target: isArr },
        { type: 'AssignVarStmt', source: { kind: 'bool', value: false }, target: isObj },
        { type: 'AssignVarStmt', source: { kind: 'bool', value: false }, target: isSet },
        typeProbe('IsArrayStmt', x, isArr),
        typeProbe('IsObjectStmt', x, isObj),
        typeProbe('IsSetStmt', set, isSet),
        { type: 'MakeArrayStmt', capacity: 8, target: out },
        ...[len, nul, big, isArr, isObj, isSet].map((l): Stmt => ({ type: 'ArrayAppendStmt', array: out, value: op(l) })),
        { type: 'BlockStmt', blocks: [{ stmts: [{ type: 'IsDefinedStmt', source: elem }, { type: 'ArrayAppendStmt', array: out, value: op(elem) }] }] },
        { type: 'AssignVarStmt', source: op(out), target: kind },
        ...b.result(kind),
      ]);
      const raw = new RawAbi(await loadIr(b.build()));
      expect(raw.evalRaw(0, '{"x":["a","b","c"]}')).toBe('[{"result":[3,null,1.000000000000000000001e-400,true,false,true,"b"]}]');
      expect(raw.evalRaw(0, '{"x":{"k":1,"j":2}}')).toBe('[{"result":[2,null,1.000000000000000000001e-400,false,true,true]}]');
      expect(raw.evalRaw(0, '{"x":"h\u00e9llo"}')).toBe('[{"result":[5,null,1.000000000000000000001e-400,false,false,true]}]');
      expect(raw.evalRaw(0, '{"x":true}')).toBe('[{"result":[0,null,1.000000000000000000001e-400,false,false,true]}]');
    });

    it('treats DotStmt and type checks on constant operands as undefined', async () => {
      const b = new IrBuilder();
      const t = b.local();
      b.plan('t/const-dot', [{ type: 'DotStmt', source: b.str('abc'), key: b.str('a'), target: t }, ...b.result(t)]);
      b.plan('t/const-is', [{ type: 'IsObjectStmt', source: b.str('abc') }, ...b.result(LOCAL_INPUT)]);
      const p = await loadIr(b.build());
      expect(p.evaluate({}, 't/const-dot')).toEqual([]);
      expect(p.evaluate({}, 't/const-is')).toEqual([]);
    });
  });

  describe('#equality and order', () => {
    it('orders values across types as OPA does', async () => {
      const b = new IrBuilder();
      const k = b.local();
      const pair = b.local();
      const zero = b.local();
      const one = b.local();
      const a = b.local();
      const c = b.local();
      const r = b.local();
      const out = b.local();
      b.builtin('lt', 2);
      b.plan('t/lt', [
        { type: 'MakeNumberIntStmt', value: 0n, target: zero },
        { type: 'MakeNumberIntStmt', value: 1n, target: one },
        { type: 'MakeArrayStmt', capacity: 0, target: out },
        {
          type: 'ScanStmt', source: LOCAL_INPUT, key: k, value: pair, block: {
            stmts: [
              { type: 'DotStmt', source: op(pair), key: op(zero), target: a },
              { type: 'DotStmt', source: op(pair), key: op(one), target: c },
              { type: 'CallStmt', func: 'lt', args: [op(a), op(c)], result: r },
              { type: 'ArrayAppendStmt', array: out, value: op(r) },
            ],
          },
        },
        ...b.result(out),
      ]);
      const p = await loadIr(b.build());
      const ascending = [null, false, true, -1.5, 0, 2, 10, '', 'a', 'b', [], [1], [1, 2], [2], {}, { a: 1 }, { a: 2 }, { b: 0 }];
      const pairs2 = ascending.slice(1).map((v, i) => [ascending[i], v]);
      expect(p.evaluate(pairs2)).toEqual([{ result: pairs2.map(() => true) }]);
      expect(p.evaluate(pairs2.map(([x, y]) => [y, x]))).toEqual([{ result: pairs2.map(() => false) }]);
      expect(p.evaluate([[1, 1.0], ['a', 'a'], [[1], [1]]])).toEqual([{ result: [false, false, false] }]);
    });

    it('compares numbers by value across representations', async () => {
      const b = new IrBuilder();
      const x = b.local();
      const y = b.local();
      const t = b.local();
      b.plan('t/eq', [
        dot(b, LOCAL_INPUT, 'x', x), dot(b, LOCAL_INPUT, 'y', y),
        { type: 'EqualStmt', a: op(x), b: op(y) },
        { type: 'AssignVarStmt', source: { kind: 'bool', value: true }, target: t },
        ...b.result(t),
      ]);
      const p = await loadIr(b.build());
      const raw = new RawAbi(p);
      const eq = (x: string, y: string): boolean => raw.evalRaw(0, `{"x":${x},"y":${y}}`) === '[{"result":true}]';
      expect(eq('1', '1.0')).toBe(true);
      expect(eq('100', '1e2')).toBe(true);
      expect(eq('1.5', '15e-1')).toBe(true);
      expect(eq('123456789012345678901234567890', '123456789012345678901234567890.0')).toBe(true);
      expect(eq('123456789012345678901234567890', '123456789012345678901234567891')).toBe(false);
      expect(eq('1e400', '10e399')).toBe(true);
      expect(eq('1e400', '1e401')).toBe(false);
      expect(eq('0.1', '0.10000000000000001')).toBe(false);
      expect(eq('{"a":[1,{"b":null}]}', '{"a":[1.0,{"b":null}]}')).toBe(true);
      expect(eq('{"a":1}', '{"a":1,"b":2}')).toBe(false);
      expect(eq('"1"', '1')).toBe(false);
    });

    it('finds set members and object keys equal by value', async () => {
      const b = new IrBuilder();
      const src = b.local();
      const k = b.local();
      const v = b.local();
      const set = b.local();
      const needle = b.local();
      const hit = b.local();
      b.plan('t/member', [
        dot(b, LOCAL_INPUT, 'xs', src),
        dot(b, LOCAL_INPUT, 'x', needle),
        { type: 'MakeSetStmt', target: set },
        { type: 'ScanStmt', source: src, key: k, value: v, block: { stmts: [{ type: 'SetAddStmt', set, value: op(v) }] } },
        { type: 'DotStmt', source: op(set), key: op(needle), target: hit },
        ...b.result(hit),
      ]);
      const p = await loadIr(b.build());
      const raw = new RawAbi(p);
      expect(raw.evalRaw(0, '{"xs":[1,[2,{"a":3}],"s"],"x":[2.0,{"a":3}]}')).toBe('[{"result":[2,{"a":3}]}]');
      expect(raw.evalRaw(0, '{"xs":[1,1e400],"x":10e399}')).toBe('[{"result":1e400}]');
      expect(raw.evalRaw(0, '{"xs":[1,2],"x":3}')).toBe('[]');
    });
  });

  describe('#collections at scale', () => {
    it('deduplicates thousands of set members across number representations and keeps them sorted', async () => {
      const b = new IrBuilder();
      const src = b.local();
      const k = b.local();
      const v = b.local();
      const set = b.local();
      const obj = b.local();
      const probe = b.local();
      const hit = b.local();
      const out = b.local();
      b.plan('t/scale', [
        dot(b, LOCAL_INPUT, 'xs', src),
        dot(b, LOCAL_INPUT, 'probe', probe),
        { type: 'MakeSetStmt', target: set },
        { type: 'MakeObjectStmt', target: obj },
        {
          type: 'ScanStmt', source: src, key: k, value: v, block: {
            stmts: [{ type: 'SetAddStmt', set, value: op(v) }, { type: 'ObjectInsertStmt', object: obj, key: op(v), value: op(k) }],
          },
        },
        { type: 'DotStmt', source: op(obj), key: op(probe), target: hit },
        { type: 'MakeArrayStmt', capacity: 2, target: out },
        { type: 'ArrayAppendStmt', array: out, value: op(set) },
        { type: 'ArrayAppendStmt', array: out, value: op(hit) },
        ...b.result(out),
      ]);
      const raw = new RawAbi(await loadIr(b.build()));
      const n = 3000;
      // every number twice, once as an integer and once as a float literal, in a scrambled order
      const order = Array.from({ length: 2 * n }, (_, i) => (i * 7919) % (2 * n));
      const texts = order.map((i) => (i < n ? `${i}` : `${i - n}.0`));
      const text = raw.evalRaw(0, `{"xs":[${texts.join(',')}],"probe":1234.0}`);
      const [members, index] = (JSON.parse(text) as { result: [number[], number] }[])[0]!.result;
      expect(members).toEqual(Array.from({ length: n }, (_, i) => i));
      // 1234 and 1234.0 are one key: the object holds the index written last
      expect(index).toBe(Math.max(order.indexOf(1234), order.indexOf(1234 + n)));
    });
  });

  describe('#conflicts', () => {
    it('aborts with OPA\'s "var assignment conflict" and the statement location', async () => {
      const b = new IrBuilder();
      const x = b.local();
      const v = b.local();
      b.plan('t/conflict', [
        dot(b, LOCAL_INPUT, 'v', v),
        { type: 'AssignVarOnceStmt', source: b.str('a'), target: x },
        { type: 'AssignVarOnceStmt', source: op(v), target: x, location: { file: 0, row: 3, col: 5 } },
        ...b.result(x),
      ]);
      const p = await loadIr(b.build());
      expect(p.evaluate({ v: 'a' })).toEqual([{ result: 'a' }]);
      expect(thrown(() => p.evaluate({ v: 'b' }))).toBe('policy.rego:3:5: var assignment conflict');
      // the module keeps working after an abort
      expect(p.evaluate({ v: 'a' })).toEqual([{ result: 'a' }]);
    });

    it('aborts with "object insert conflict" for a key with two values', async () => {
      const b = new IrBuilder();
      const obj = b.local();
      const v = b.local();
      b.plan('t/insert', [
        dot(b, LOCAL_INPUT, 'v', v),
        { type: 'MakeObjectStmt', target: obj },
        { type: 'ObjectInsertOnceStmt', object: obj, key: b.str('k'), value: b.str('x') },
        { type: 'ObjectInsertOnceStmt', object: obj, key: b.str('k'), value: op(v), location: { file: 0, row: 7, col: 1 } },
        ...b.result(obj),
      ]);
      const p = await loadIr(b.build());
      expect(p.evaluate({ v: 'x' })).toEqual([{ result: { k: 'x' } }]);
      expect(thrown(() => p.evaluate({ v: 'y' }))).toBe('policy.rego:7:1: object insert conflict');
    });

    it('merges objects recursively, the first operand winning where either side is not an object', async () => {
      const b = new IrBuilder();
      const a = b.local();
      const c = b.local();
      const m = b.local();
      b.plan('t/merge', [
        dot(b, LOCAL_INPUT, 'a', a), dot(b, LOCAL_INPUT, 'b', c),
        { type: 'ObjectMergeStmt', a, b: c, target: m },
        ...b.result(m),
      ]);
      const p = await loadIr(b.build());
      expect(p.evaluate({ a: { x: { y: 1 } }, b: { x: { z: 2 }, w: 3 } })).toEqual([{ result: { x: { y: 1, z: 2 }, w: 3 } }]);
      expect(p.evaluate({ a: { x: 1, y: { q: 1 } }, b: { x: 2, y: 's' } })).toEqual([{ result: { x: 1, y: { q: 1 } } }]);
      expect(p.evaluate({ a: 'first', b: { k: 1 } })).toEqual([{ result: 'first' }]);
    });
  });

  describe('#WithStmt', () => {
    it('upserts into input for the block and restores it afterwards', async () => {
      const b = new IrBuilder();
      const a = b.local();
      const inner = b.local();
      const kept = b.local();
      const after = b.local();
      const out = b.local();
      const val = b.local();
      b.plan('t/with', [
        { type: 'MakeArrayStmt', capacity: 0, target: out },
        { type: 'MakeNumberIntStmt', value: 9n, target: val },
        {
          type: 'WithStmt', local: LOCAL_INPUT, path: [b.strIndex('a'), b.strIndex('b')], value: op(val), block: {
            stmts: [
              dot(b, LOCAL_INPUT, 'a', a), dot(b, a, 'b', inner), dot(b, a, 'c', kept),
              { type: 'ArrayAppendStmt', array: out, value: op(inner) },
              { type: 'ArrayAppendStmt', array: out, value: op(kept) },
            ],
          },
        },
        { type: 'NotStmt', block: { stmts: [dot(b, LOCAL_INPUT, 'a', a), dot(b, a, 'b', after)] } },
        ...b.result(out),
      ]);
      const p = await loadIr(b.build());
      expect(p.evaluate({ a: { c: 1 } })).toEqual([{ result: [9, 1] }]);
      // a non-object on the path is replaced inside the block only
      const raw = new RawAbi(p);
      expect(raw.evalRaw(0, '{"a":"str"}')).toBe('[]');
    });

    it('replaces data entirely with an empty path and is undefined when its block is', async () => {
      const b = new IrBuilder();
      const x = b.local();
      const y = b.local();
      b.plan('t/with-data', [
        {
          type: 'WithStmt', local: LOCAL_DATA, path: [], value: b.str('replaced'), block: {
            stmts: [{ type: 'AssignVarStmt', source: op(LOCAL_DATA), target: x }],
          },
        },
        ...b.result(x),
      ], [
        {
          type: 'WithStmt', local: LOCAL_DATA, path: [], value: b.str('replaced'), block: {
            stmts: [dot(b, LOCAL_DATA, 'nope', y)],
          },
        },
        ...b.result(y),
      ]);
      const p = await loadIr(b.build());
      p.setData({ original: true });
      expect(p.evaluate({})).toEqual([{ result: 'replaced' }]);
    });
  });

  describe('#CallStmt', () => {
    it('calls planned functions with input, data and arguments', async () => {
      const b = new IrBuilder();
      const arg = b.local();
      const ret = b.local();
      const sum = b.local();
      const limit = b.local();
      b.builtin('plus', 2);
      b.func('g0.data.t.inc', [arg], ret, [
        dot(b, LOCAL_DATA, 'limit', limit),
        { type: 'CallStmt', func: 'plus', args: [op(arg), op(limit)], result: sum },
        { type: 'AssignVarOnceStmt', source: op(sum), target: ret },
      ]);
      const v = b.local();
      const r = b.local();
      b.plan('t/call', [
        dot(b, LOCAL_INPUT, 'v', v),
        { type: 'CallStmt', func: 'g0.data.t.inc', args: [op(LOCAL_INPUT), op(LOCAL_DATA), op(v)], result: r },
        ...b.result(r),
      ]);
      const p = await loadIr(b.build());
      p.setData({ limit: 10 });
      expect(p.evaluate({ v: 32 })).toEqual([{ result: 42 }]);
      expect(p.evaluate({ v: 'x' })).toEqual([]);
      p.setData({});
      expect(p.evaluate({ v: 32 })).toEqual([]);
    });

    it('calls JavaScript builtins through opa_builtinN; a failing one is undefined', async () => {
      const b = new IrBuilder();
      const s = b.local();
      const r = b.local();
      b.builtin('upper', 1);
      b.plan('t/upper', [dot(b, LOCAL_INPUT, 's', s), { type: 'CallStmt', func: 'upper', args: [op(s)], result: r }, ...b.result(r)]);
      const upper = (x: string): string => {
        if (typeof x !== 'string') throw new TypeError('upper: operand 1 must be string');
        return x.toUpperCase();
      };
      const p = await loadIr(b.build(), { builtins: { upper } });
      expect(p.evaluate({ s: 'abc' })).toEqual([{ result: 'ABC' }]);
      expect(p.evaluate({ s: 1 })).toEqual([]);
      const strict = await loadIr(b.build(), { builtins: { upper }, wrap: { strict: true } });
      expect(thrown(() => strict.evaluate({ s: 1 }))).toContain('upper: operand 1 must be string');
    });

    it('passes up to four arguments and turns set results back into sets', async () => {
      const b = new IrBuilder();
      const xs = b.local();
      const keys = b.local();
      const expected = b.local();
      const t = b.local();
      const four = b.local();
      b.builtin('net.cidr_expand', 1);
      b.builtin('test.four', 4);
      b.plan('t/keys', [
        dot(b, LOCAL_INPUT, 'o', xs),
        { type: 'CallStmt', func: 'net.cidr_expand', args: [op(xs)], result: keys },
        { type: 'MakeSetStmt', target: expected },
        { type: 'SetAddStmt', set: expected, value: b.str('a') },
        { type: 'SetAddStmt', set: expected, value: b.str('b') },
        { type: 'EqualStmt', a: op(keys), b: op(expected) },
        { type: 'CallStmt', func: 'test.four', args: [b.str('1'), b.str('2'), op(keys), { kind: 'bool', value: true }], result: four },
        { type: 'AssignVarStmt', source: op(four), target: t },
        ...b.result(t),
      ]);
      const p = await loadIr(b.build(), {
        builtins: {
          'net.cidr_expand': (o: Record<string, unknown>) => Object.keys(o).reverse(),
          'test.four': (a: string, c: string, d: string[], e: boolean) => [a, c, d, e],
        },
      });
      expect(p.evaluate({ o: { a: 1, b: 2 } })).toEqual([{ result: ['1', '2', ['a', 'b'], true] }]);
    });

    it('routes builtins the SDK shadows (sprintf) to the custom implementation', async () => {
      const b = new IrBuilder();
      const r = b.local();
      const args = b.local();
      b.builtin('sprintf', 2);
      b.plan('t/sprintf', [
        { type: 'MakeArrayStmt', capacity: 1, target: args },
        { type: 'ArrayAppendStmt', array: args, value: b.str('x') },
        { type: 'CallStmt', func: 'sprintf', args: [b.str('%v!'), op(args)], result: r },
        ...b.result(r),
      ]);
      const sprintf = (format: string, values: unknown[]): string => `ours:${format}:${values.join(',')}`;
      const p = await loadIr(b.build(), { builtins: { sprintf } });
      expect(p.evaluate({})).toEqual([{ result: 'ours:%v!:x' }]);
      const raw = new RawAbi(p);
      expect(JSON.parse(raw.jsonDump(raw.exports.builtins!()))).toEqual({ 'aiws/sprintf': 0 });
      const plain = await loadIr(b.build(), { builtins: { sprintf }, emit: { aliasSdkBuiltins: false } });
      expect(plain.evaluate({})).toEqual([{ result: 'x!' }]);
    });

    it('ignores the result of builtins that return nothing', async () => {
      const b = new IrBuilder();
      const r = b.local();
      const t = b.local();
      const seen: unknown[] = [];
      b.builtin('print', 1);
      b.plan('t/print', [
        { type: 'CallStmt', func: 'print', args: [b.str('hello')], result: r },
        { type: 'AssignVarStmt', source: { kind: 'bool', value: true }, target: t },
        ...b.result(t),
      ]);
      const p = await loadIr(b.build(), { builtins: { print: (x: unknown) => { seen.push(x); } } });
      expect(p.evaluate({})).toEqual([{ result: true }]);
      expect(seen).toEqual(['hello']);
    });

    it('calls a builtin without arguments once per evaluation (time.now_ns is constant within one)', async () => {
      const b = new IrBuilder();
      const t1 = b.local();
      const t2 = b.local();
      const out = b.local();
      b.builtin('time.now_ns', 0);
      b.plan('t/now', [
        { type: 'CallStmt', func: 'time.now_ns', args: [], result: t1 },
        { type: 'CallStmt', func: 'time.now_ns', args: [], result: t2 },
        { type: 'MakeArrayStmt', capacity: 2, target: out },
        { type: 'ArrayAppendStmt', array: out, value: op(t1) },
        { type: 'ArrayAppendStmt', array: out, value: op(t2) },
        ...b.result(out),
      ]);
      let calls = 0;
      const p = await loadIr(b.build(), { builtins: { 'time.now_ns': () => ++calls } });
      expect(p.evaluate({})).toEqual([{ result: [1, 1] }]);
      expect(p.evaluate({})).toEqual([{ result: [2, 2] }]);
    });

    it('rejects a policy calling a builtin with more than four arguments', () => {
      const b = new IrBuilder();
      const r = b.local();
      b.plan('t/five', [{ type: 'CallStmt', func: 'test.five', args: [1, 2, 3, 4, 5].map(() => b.str('x')), result: r }]);
      expect(() => emitWasm(b.build())).toThrow(/at most 4/);
    });
  });

  describe('#values', () => {
    function identity(): IrBuilder {
      const b = new IrBuilder();
      b.plan('t/id', [...b.result(LOCAL_INPUT)]);
      return b;
    }

    it('round-trips big integers and decimals exactly', async () => {
      const p = await loadIr(identity().build());
      const raw = new RawAbi(p);
      const text = '{"big":123456789012345678901234567890,"dec":1e400,"e":1E-7,"f":1.5,"int":-9223372036854775808,"neg":-0.000001}';
      expect(raw.evalRaw(0, text)).toBe(`[{"result":${text}}]`);
      expect(raw.jsonDump(raw.jsonParse('[12345678901234567890123, 1.0e+400]'))).toBe('[12345678901234567890123,1.0e+400]');
    });

    it('dumps sets and non-string keys as OPA does, in JSON and as Rego values', async () => {
      const b = new IrBuilder();
      const set = b.local();
      const obj = b.local();
      const arr = b.local();
      const one = b.local();
      const empty = b.local();
      const out = b.local();
      b.plan('t/values', [
        { type: 'MakeNumberIntStmt', value: 1n, target: one },
        { type: 'MakeArrayStmt', capacity: 2, target: arr },
        { type: 'ArrayAppendStmt', array: arr, value: op(one) },
        { type: 'ArrayAppendStmt', array: arr, value: b.str('x') },
        { type: 'MakeSetStmt', target: set },
        { type: 'SetAddStmt', set, value: b.str('b') },
        { type: 'SetAddStmt', set, value: op(one) },
        { type: 'SetAddStmt', set, value: b.str('a') },
        { type: 'SetAddStmt', set, value: op(one) },
        { type: 'MakeSetStmt', target: empty },
        { type: 'MakeObjectStmt', target: obj },
        { type: 'ObjectInsertStmt', object: obj, key: op(one), value: b.str('one') },
        { type: 'ObjectInsertStmt', object: obj, key: op(arr), value: op(set) },
        { type: 'ObjectInsertStmt', object: obj, key: b.str('e'), value: op(empty) },
        { type: 'AssignVarStmt', source: op(obj), target: out },
        ...b.result(out),
      ]);
      const p = await loadIr(b.build());
      const raw = new RawAbi(p);
      expect(raw.evalRaw(0, 'null')).toBe('[{"result":{"1":"one","e":[],"[1,\\"x\\"]":[1,"a","b"]}}]');
      expect(raw.evalRaw(0, 'null', 1)).toBe('{{"result":{1:"one","e":set(),[1,"x"]:{1,"a","b"}}}}');
      expect(p.evaluate(null)).toEqual([{ result: { 1: 'one', e: [], '[1,"x"]': [1, 'a', 'b'] } }]);
    });

    it('parses and dumps Rego value text (opa_value_parse / opa_value_dump)', async () => {
      const raw = new RawAbi(await loadIr(identity().build()));
      for (const text of ['{1,"a",[true,null]}', 'set()', '{[1]:{"k":2},{1}:set()}', '"esc\\"aped\\n\\u0001"', '-1.25e-7']) {
        expect(raw.valueDump(raw.valueParse(text))).toBe(text);
      }
      expect(raw.valueDump(raw.valueParse('{ 2 , 1 , 2 }'))).toBe('{1,2}');
      expect(raw.exports.opa_value_parse!(raw.write('{1,').addr, 3)).toBe(0);
      expect(raw.exports.opa_json_parse!(raw.write('{1:2}').addr, 5)).toBe(0);
      expect(raw.exports.opa_json_parse!(raw.write('set()').addr, 5)).toBe(0);
    });

    it('decodes JSON escapes and keeps UTF-8 intact', async () => {
      const p = await loadIr(identity().build());
      const input = { s: 'é ☃ 😀 "q" \\ \n\t\u0001', [`k\u00e9`]: ['\ud83d\ude00'] };
      expect(p.evaluate(input)).toEqual([{ result: input }]);
      const raw = new RawAbi(p);
      expect(raw.jsonDump(raw.jsonParse('"\\ud83d\\ude00\\u00e9\\/"'))).toBe('"😀é/"');
    });

    it('adds and removes values at a path (opa_value_add_path / opa_value_remove_path)', async () => {
      const raw = new RawAbi(await loadIr(identity().build()));
      const base = raw.jsonParse('{"a":{"b":1}}');
      expect(raw.exports.opa_value_add_path!(base, raw.jsonParse('["a","c","d"]'), raw.jsonParse('true'))).toBe(0);
      expect(raw.jsonDump(base)).toBe('{"a":{"b":1,"c":{"d":true}}}');
      expect(raw.exports.opa_value_remove_path!(base, raw.jsonParse('["a","b"]'))).toBe(0);
      expect(raw.jsonDump(base)).toBe('{"a":{"c":{"d":true}}}');
      expect(raw.exports.opa_value_add_path!(base, raw.jsonParse('["a","c","d","e"]'), raw.jsonParse('1'))).not.toBe(0);
    });
  });

  describe('#ABI', () => {
    it('imports only what @open-policy-agent/opa-wasm provides', () => {
      const b = new IrBuilder();
      const r = b.local();
      b.builtin('upper', 1);
      b.plan('t/imports', [{ type: 'CallStmt', func: 'upper', args: [b.str('x')], result: r }, ...b.result(r)]);
      const { imports, exports } = moduleInterface(emitWasm(b.build()));
      const allowed = new Set(['env.memory', 'env.opa_abort', 'env.opa_println', ...[0, 1, 2, 3, 4].map((n) => `env.opa_builtin${n}`)]);
      expect(imports.filter((i) => !allowed.has(i))).toEqual([]);
      expect(imports).toContain('env.memory');
      expect(imports).toContain('env.opa_builtin1');
      for (const name of ['opa_wasm_abi_version', 'opa_wasm_abi_minor_version', 'builtins', 'entrypoints', 'eval', 'opa_eval',
        'opa_eval_ctx_new', 'opa_eval_ctx_set_input', 'opa_eval_ctx_set_data', 'opa_eval_ctx_set_entrypoint',
        'opa_eval_ctx_get_result', 'opa_malloc', 'opa_free', 'opa_json_parse', 'opa_value_parse', 'opa_json_dump',
        'opa_value_dump', 'opa_heap_ptr_get', 'opa_heap_ptr_set', 'opa_value_add_path', 'opa_value_remove_path']) {
        expect(exports).toContain(name);
      }
      expect(exports.filter((e) => e.startsWith('rt_') || e.startsWith('bi_'))).toEqual([]);
    });

    it('declares ABI version 1.2 so the SDK takes the opa_eval fast path', async () => {
      const p = await loadIr(new IrBuilder().plan('t/x', []).build());
      expect(globalValue(p, 'opa_wasm_abi_version')).toBe(1);
      expect(globalValue(p, 'opa_wasm_abi_minor_version')).toBe(2);
    });

    it('evaluates through the context-based eval path too', async () => {
      const b = new IrBuilder();
      const x = b.local();
      b.plan('t/ctx', [dot(b, LOCAL_INPUT, 'x', x), ...b.result(x)]);
      const raw = new RawAbi(await loadIr(b.build()));
      const e = raw.exports;
      const ctx = e.opa_eval_ctx_new!();
      e.opa_eval_ctx_set_input!(ctx, raw.jsonParse('{"x":[1,{"y":2}]}'));
      e.opa_eval_ctx_set_data!(ctx, raw.jsonParse('{}'));
      e.opa_eval_ctx_set_entrypoint!(ctx, 0);
      expect(e.eval!(ctx)).toBe(0);
      expect(raw.jsonDump(e.opa_eval_ctx_get_result!(ctx))).toBe('[{"result":[1,{"y":2}]}]');
    });

    it('aborts on an unknown entrypoint id', async () => {
      const raw = new RawAbi(await loadIr(new IrBuilder().plan('t/x', []).build()));
      expect(thrown(() => raw.evalRaw(5, '{}'))).toBe('internal: illegal entrypoint id');
    });

    it('does not grow the heap over many evaluations', async () => {
      const b = new IrBuilder();
      const xs = b.local();
      const k = b.local();
      const v = b.local();
      const set = b.local();
      b.plan('t/heap', [
        dot(b, LOCAL_INPUT, 'xs', xs), { type: 'MakeSetStmt', target: set },
        { type: 'ScanStmt', source: xs, key: k, value: v, block: { stmts: [{ type: 'SetAddStmt', set, value: op(v) }] } },
        ...b.result(set),
      ]);
      const p = await loadIr(b.build());
      const input = { xs: Array.from({ length: 200 }, (_, i) => `item-${i % 150}`) };
      p.evaluate(input);
      const pages = p.mem.buffer.byteLength;
      const raw = new RawAbi(p);
      const heap = raw.exports.opa_heap_ptr_get!();
      for (let i = 0; i < 2000; i++) p.evaluate(input);
      expect(p.evaluate(input)[0]!.result).toHaveLength(150);
      expect(p.mem.buffer.byteLength).toBe(pages);
      expect(raw.exports.opa_heap_ptr_get!()).toBe(heap);
    });

    it('keeps data intact when evaluations sort it in place', async () => {
      // Scanning sorts an object's entries and rebuilds its index; for the data document that must
      // happen in place, below the heap pointer the SDK resets to after each evaluation.
      const b = new IrBuilder();
      const roles = b.local();
      const k = b.local();
      const v = b.local();
      const keys = b.local();
      const want = b.local();
      const hit = b.local();
      const out = b.local();
      b.plan('t/data-sort', [
        dot(b, LOCAL_DATA, 'roles', roles),
        { type: 'MakeArrayStmt', capacity: 0, target: keys },
        { type: 'ScanStmt', source: roles, key: k, value: v, block: { stmts: [{ type: 'ArrayAppendStmt', array: keys, value: op(k) }] } },
        dot(b, LOCAL_INPUT, 'k', want),
        { type: 'DotStmt', source: op(roles), key: op(want), target: hit },
        { type: 'MakeArrayStmt', capacity: 2, target: out },
        { type: 'ArrayAppendStmt', array: out, value: op(keys) },
        { type: 'ArrayAppendStmt', array: out, value: op(hit) },
        ...b.result(out),
      ]);
      const p = await loadIr(b.build());
      const roles0 = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`r${(i * 7) % 40}`, i]));
      p.setData({ roles: roles0 });
      const sortedKeys = Object.keys(roles0).sort();
      for (let i = 0; i < 50; i++) {
        const k = `r${i % 40}`;
        const noise = Array.from({ length: 50 + i }, (_, j) => ({ [`n${j}`]: [j, `${j}`] }));
        expect(p.evaluate({ k, noise })).toEqual([{ result: [sortedKeys, roles0[k]] }]);
      }
    });

    it('parses input as Rego value text, like OPA\'s opa_eval, and treats unparsable input as undefined', async () => {
      const b = new IrBuilder();
      b.plan('t/id', [{ type: 'IsDefinedStmt', source: LOCAL_INPUT }, ...b.result(LOCAL_INPUT)]);
      const raw = new RawAbi(await loadIr(b.build()));
      expect(raw.evalRaw(0, '{"s": {1, 2}, [1]: set()}', 1)).toBe('{{"result":{"s":{1,2},[1]:set()}}}');
      expect(raw.evalRaw(0, '{"unterminated": ')).toBe('[]');
    });

    it('grows memory for inputs larger than the initial pages', async () => {
      const b = new IrBuilder();
      b.plan('t/big', [...b.result(LOCAL_INPUT)]);
      const p = await loadIr(b.build());
      const input = { xs: Array.from({ length: 40_000 }, (_, i) => ({ id: i, name: `n${i}` })) };
      const out = p.evaluate(input);
      expect(out[0]!.result).toEqual(input);
    });
  });
});
