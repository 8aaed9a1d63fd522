/**
 * The builtins compiled into the runtime, called from emitted code and evaluated through the SDK.
 * Each builtin gets a plan `<name>` that reads its arguments from `input[i]` (turning arguments
 * listed in `sets` into sets) and returns the call's result.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Stmt } from '../../../../src/rego/ir/ir.ts';
import { nativeBuiltins } from '../../../../src/rego/wasm/index.ts';
import { IrBuilder, LOCAL_INPUT, op } from '../../../helpers/ir-builder.ts';
import { loadIr, RawAbi } from '../../../helpers/wasm-policy.ts';
import type { TestPolicy } from '../../../helpers/wasm-policy.ts';

const setArgs: Record<string, number[]> = {
  and: [0, 1], or: [0, 1], minus_sets: [0, 1], member_set: [1], set_type: [0],
};

let policy: TestPolicy;
let raw: RawAbi;

beforeAll(async () => {
  const b = new IrBuilder();
  const plans: [string, string, number][] = [...nativeBuiltins].map(([name, n]) => [name, name, n.arity]);
  plans.push(['minus_sets', 'minus', 2], ['member_set', 'internal.member_2', 2], ['set_type', 'type_name', 1]);
  for (const [planName, func, arity] of plans) {
    const stmts: Stmt[] = [];
    const args: number[] = [];
    for (let i = 0; i < arity; i++) {
      const idx = b.local();
      const arg = b.local();
      stmts.push({ type: 'MakeNumberIntStmt', value: BigInt(i), target: idx }, { type: 'DotStmt', source: op(LOCAL_INPUT), key: op(idx), target: arg });
      if (setArgs[planName]?.includes(i)) {
        const set = b.local();
        const k = b.local();
        const v = b.local();
        stmts.push({ type: 'MakeSetStmt', target: set }, {
          type: 'ScanStmt', source: arg, key: k, value: v, block: { stmts: [{ type: 'SetAddStmt', set, value: op(v) }] },
        });
        args.push(set);
      } else {
        args.push(arg);
      }
    }
    const r = b.local();
    b.builtin(func, arity);
    stmts.push({ type: 'CallStmt', func, args: args.map(op), result: r }, ...b.result(r));
    b.plan(planName, stmts);
  }
  policy = await loadIr(b.build());
  raw = new RawAbi(policy);
});

/** The builtin's result, or undefined. */
function call(name: string, ...args: unknown[]): unknown {
  const rs = policy.evaluate(args, name);
  return rs.length === 0 ? undefined : rs[0]!.result;
}

/** The builtin's result as exact JSON text ('' when undefined), for number representations. */
function callRaw(name: string, argsJson: string): string {
  const out = raw.evalRaw(policy.entrypoints[name]!, argsJson);
  return out === '[]' ? '' : out.slice('[{"result":'.length, -2);
}

describe('native builtins', () => {
  it('has a plan for every table entry', () => {
    expect(Object.keys(policy.entrypoints)).toEqual(expect.arrayContaining([...nativeBuiltins.keys()]));
  });

  describe('comparison', () => {
    it('equal, neq, lt, lte, gt, gte', () => {
      expect(call('equal', 1, 1.0)).toBe(true);
      expect(call('equal', { a: [1] }, { a: [1] })).toBe(true);
      expect(call('neq', 'a', 'b')).toBe(true);
      expect(call('neq', [1], [1])).toBe(false);
      expect(call('lt', 1, 'a')).toBe(true);
      expect(call('lt', 'b', 'a')).toBe(false);
      expect(call('lte', 2, 2)).toBe(true);
      expect(call('gt', [1, 2], [1])).toBe(true);
      expect(call('gte', null, false)).toBe(false);
      expect(callRaw('lt', '[1e400, 1e401]')).toBe('true');
      expect(callRaw('lt', '[-1e400, 0]')).toBe('true');
      expect(callRaw('gt', '[123456789012345678901234567891, 123456789012345678901234567890]')).toBe('true');
    });
  });

  describe('arithmetic', () => {
    it('plus, minus, mul keep integers exact and fall back to floats', () => {
      expect(call('plus', 1, 2)).toBe(3);
      expect(call('plus', 0.5, 0.25)).toBe(0.75);
      expect(call('minus', 10, 15)).toBe(-5);
      expect(call('mul', 6, 7)).toBe(42);
      expect(call('mul', 1.5, 2)).toBe(3);
      expect(callRaw('plus', '[9007199254740993, 1]')).toBe('9007199254740994');
      expect(callRaw('mul', '[3000000000, 3000000000]')).toBe('9000000000000000000');
      expect(callRaw('plus', '[1.5, 1.5]')).toBe('3');
      expect(call('plus', 'a', 1)).toBeUndefined();
      expect(call('mul', null, 1)).toBeUndefined();
      // beyond f64: OPA's exact arithmetic is not reproduced, the result is undefined rather than Infinity
      expect(callRaw('mul', '[1e300, 1e300]')).toBe('');
      expect(callRaw('plus', '[1e400, 1]')).toBe('');
    });

    it('div and rem follow Rego: exact when divisible, undefined on errors', () => {
      expect(call('div', 10, 4)).toBe(2.5);
      expect(call('div', 10, 5)).toBe(2);
      expect(call('div', 1, 0)).toBeUndefined();
      expect(call('div', 1, 0.0)).toBeUndefined();
      expect(call('rem', 10, 3)).toBe(1);
      expect(call('rem', -7, 2)).toBe(-1);
      expect(call('rem', 7, 0)).toBeUndefined();
      expect(call('rem', 7.5, 2)).toBeUndefined();
      expect(call('rem', 8.0, 3)).toBe(2);
    });

    it('minus on sets is set difference', () => {
      expect(call('minus_sets', [1, 2, 3], [2])).toEqual([1, 3]);
    });
  });

  describe('collections', () => {
    it('count counts elements, keys, members and code points', () => {
      expect(call('count', [1, 2, 3])).toBe(3);
      expect(call('count', { a: 1 })).toBe(1);
      expect(call('count', 'héllo☃')).toBe(6);
      expect(call('count', 5)).toBeUndefined();
    });

    it('internal.member_2 and internal.member_3 implement `in`', () => {
      expect(call('internal.member_2', 2, [1, 2])).toBe(true);
      expect(call('internal.member_2', 2.0, [1, 2])).toBe(true);
      expect(call('internal.member_2', 'a', { a: 'b' })).toBe(false);
      expect(call('internal.member_2', 'b', { a: 'b' })).toBe(true);
      expect(call('internal.member_2', 1, 'abc')).toBe(false);
      expect(call('member_set', [1], [[1], 2])).toBe(true);
      expect(call('member_set', 3, [[1], 2])).toBe(false);
      expect(call('internal.member_3', 1, 'b', ['a', 'b'])).toBe(true);
      expect(call('internal.member_3', 0, 'b', ['a', 'b'])).toBe(false);
      expect(call('internal.member_3', 'k', 'v', { k: 'v' })).toBe(true);
      expect(call('internal.member_3', 'k', 'w', { k: 'v' })).toBe(false);
    });

    it('and / or are set intersection and union', () => {
      expect(call('and', [1, 2, 3], [2, 3, 4])).toEqual([2, 3]);
      expect(call('or', [3, 1], [2, 1])).toEqual([1, 2, 3]);
    });
  });

  describe('types', () => {
    it('type_name and is_* see sets and every other kind', () => {
      const kinds: [unknown, string][] = [[null, 'null'], [true, 'boolean'], [1.5, 'number'], ['s', 'string'], [[1], 'array'], [{ a: 1 }, 'object']];
      for (const [value, kind] of kinds) {
        expect(call('type_name', value)).toBe(kind);
        for (const other of ['null', 'boolean', 'number', 'string', 'array', 'object', 'set']) {
          expect(call(`is_${other}`, value)).toBe(other === kind);
        }
      }
      expect(call('set_type', [1, 2])).toBe('set');
    });

    it('object.keys keeps keys of any type', () => {
      expect(callRaw('object.keys', '[{"b":1,"a":2}]')).toBe('["a","b"]');
      const keys = raw.valueDump(raw.valueParse('{1:"x",[1]:"y",{2}:"z"}'));
      expect(keys).toBe('{1:"x",[1]:"y",{2}:"z"}');
      expect(raw.evalRaw(policy.entrypoints['object.keys']!, '[{1:"x",[1]:"y",{2}:"z"}]', 1)).toBe('{{"result":{1,[1],{2}}}}');
      expect(call('object.keys', [1])).toBeUndefined();
    });

    it('union and intersection of a set of sets', () => {
      expect(raw.evalRaw(policy.entrypoints.union!, '[{{1,2},{2,3},set()}]', 1)).toBe('{{"result":{1,2,3}}}');
      expect(raw.evalRaw(policy.entrypoints.intersection!, '[{{1,2},{2,3}}]', 1)).toBe('{{"result":{2}}}');
      expect(raw.evalRaw(policy.entrypoints.intersection!, '[set()]', 1)).toBe('{{"result":set()}}');
      expect(raw.evalRaw(policy.entrypoints.union!, '[{{[1]},{{1}}}]', 1)).toBe('{{"result":{[1],{1}}}}');
      // not a set of sets: a builtin error, so undefined (an empty result set)
      expect(raw.evalRaw(policy.entrypoints.union!, '[{1,{2}}]', 1)).toBe('set()');
    });
  });

  describe('object.get', () => {
    it('gets a key or a path, else the default', () => {
      expect(call('object.get', { a: 1 }, 'a', 0)).toBe(1);
      expect(call('object.get', { a: 1 }, 'b', 0)).toBe(0);
      expect(call('object.get', { a: { b: [{ c: 'x' }] } }, ['a', 'b', 0, 'c'], 0)).toBe('x');
      expect(call('object.get', { a: { b: [1] } }, ['a', 'b', 'c'], 'd')).toBe('d');
      expect(call('object.get', { a: 1 }, [], 2)).toEqual({ a: 1 });
      expect(callRaw('object.get', '[{1: {"b": {[1, 2]: "hit"}}}, [1, "b", [1, 2]], 0]')).toBe('"hit"');
      expect(callRaw('object.get', '[{"s": {"m"}}, ["s", "m"], 0]')).toBe('"m"');
      expect(call('object.get', 'not an object', 'a', 0)).toBeUndefined();
    });
  });

  describe('walk', () => {
    it('lists every node with its path, pre-order, keys in order, through sets and non-string keys', () => {
      expect(call('walk', { b: [true], a: 1 })).toEqual([
        [[], { a: 1, b: [true] }], [['a'], 1], [['b'], [true]], [['b', 0], true],
      ]);
      expect(raw.evalRaw(policy.entrypoints.walk!, '[{{1}: 2}]', 1)).toBe('{{"result":[[[],{{1}:2}],[[{1}],2]]}}');
      expect(raw.evalRaw(policy.entrypoints.walk!, '[{"s"}]', 1)).toBe('{{"result":[[[],{"s"}],[["s"],"s"]]}}');
      expect(call('walk', 'x')).toEqual([[[], 'x']]);
    });
  });

  describe('strings', () => {
    it('startswith, endswith, contains', () => {
      expect(call('startswith', 'foobar', 'foo')).toBe(true);
      expect(call('startswith', 'foo', 'foobar')).toBe(false);
      expect(call('endswith', 'foobar', 'bar')).toBe(true);
      expect(call('endswith', 'foobar', 'foo')).toBe(false);
      expect(call('contains', 'foobar', 'oba')).toBe(true);
      expect(call('contains', 'foobar', '')).toBe(true);
      expect(call('contains', 'foobar', 'baz')).toBe(false);
      expect(call('startswith', 1, 'a')).toBeUndefined();
    });

    it('glob.match with delimiters, super-asterisks, classes and alternatives', () => {
      const g = (pattern: string, delims: string[] | null, subject: string): unknown => call('glob.match', pattern, delims, subject);
      expect(g('*.github.com', [], 'api.github.com')).toBe(true);
      expect(g('*.github.com', [], 'api.cdn.github.com')).toBe(false);
      expect(g('*.github.com', null, 'api.cdn.github.com')).toBe(true);
      expect(g('**.github.com', ['.'], 'api.cdn.github.com')).toBe(true);
      expect(g('api.*', ['.'], 'api.')).toBe(true);
      expect(g('a?c', [], 'abc')).toBe(true);
      expect(g('a?c', [], 'a.c')).toBe(false);
      expect(g('a?c', [], 'a☃c')).toBe(true);
      expect(g('[a-c]at', [], 'bat')).toBe(true);
      expect(g('[!a-c]at', [], 'bat')).toBe(false);
      expect(g('[!a-c]at', [], 'rat')).toBe(true);
      expect(g('{api,www}.example.com', [], 'www.example.com')).toBe(true);
      expect(g('{api,www}.example.com', [], 'ftp.example.com')).toBe(false);
      expect(g('{a,b{c,d}}x', [], 'bdx')).toBe(true);
      expect(g('jobs:*:read', [':'], 'jobs:build:read')).toBe(true);
      expect(g('jobs:*:read', [':'], 'jobs:a:b:read')).toBe(false);
      expect(g('jobs:**', [':'], 'jobs:a:b:read')).toBe(true);
      expect(g('\\*', [], '*')).toBe(true);
      expect(g('\\*', [], 'x')).toBe(false);
      expect(g('[unclosed', [], 'x')).toBeUndefined();
      expect(call('glob.match', '*', 'not-an-array', 'x')).toBeUndefined();
    });
  });

  describe('net.cidr_contains', () => {
    it('checks IPv4 and IPv6 addresses and networks', () => {
      const c = (cidr: string, x: string): unknown => call('net.cidr_contains', cidr, x);
      expect(c('10.0.0.0/8', '10.1.2.3')).toBe(true);
      expect(c('10.0.0.0/8', '11.1.2.3')).toBe(false);
      expect(c('192.168.1.0/24', '192.168.1.0/25')).toBe(true);
      expect(c('192.168.1.0/25', '192.168.1.0/24')).toBe(false);
      expect(c('0.0.0.0/0', '8.8.8.8')).toBe(true);
      expect(c('172.16.0.0/12', '172.31.255.255')).toBe(true);
      expect(c('172.16.0.0/12', '172.32.0.0')).toBe(false);
      expect(c('2001:db8::/32', '2001:db8:1::1')).toBe(true);
      expect(c('2001:db8::/32', '2001:db9::1')).toBe(false);
      expect(c('::1/128', '::1')).toBe(true);
      expect(c('::ffff:0:0/96', '::ffff:10.0.0.1')).toBe(true);
      expect(c('fe80::/10', 'FE80::abcd:1')).toBe(true);
      expect(c('10.0.0.0/8', '2001:db8::1')).toBe(false);
      expect(c('10.0.0.0', '10.0.0.1')).toBeUndefined();
      expect(c('10.0.0.0/33', '10.0.0.1')).toBeUndefined();
      expect(c('10.0.0.0/8', '10.0.0.256')).toBeUndefined();
      expect(c('2001:db8::/32', '2001:db8:::1')).toBeUndefined();
    });
  });
});
