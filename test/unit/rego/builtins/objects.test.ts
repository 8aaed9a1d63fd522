import { describe, expect, it } from 'vitest';
import { call, callError } from './sdk-call.ts';

describe('object builtins', () => {
  it('object.get returns the value, a nested value by path, or the default', () => {
    expect(call('object.get', { a: 1 }, 'a', 0)).toBe(1);
    expect(call('object.get', { a: 1 }, 'b', 0)).toBe(0);
    expect(call('object.get', { a: { b: [10, 20] } }, ['a', 'b', 1], 0)).toBe(20);
    expect(call('object.get', { a: 1 }, [], 0)).toEqual({ a: 1 });
    expect(call('object.get', { 1: 'one' }, 1, 'none')).toBe('one');
    expect(callError('object.get', 'x', 'a', 0)).toMatchObject({ message: 'object.get: operand 1 must be object but got string' });
  });

  it('object.keys, remove, filter', () => {
    expect(call('object.keys', { b: 1, a: 2 })).toEqual(['a', 'b']);
    expect(call('object.remove', { a: 1, b: 2, c: 3 }, ['a', 'c'])).toEqual({ b: 2 });
    expect(call('object.remove', { a: 1, b: 2 }, { b: 0 })).toEqual({ a: 1 });
    expect(call('object.filter', { a: 1, b: 2, c: 3 }, ['a', 'c'])).toEqual({ a: 1, c: 3 });
    expect(callError('object.remove', { a: 1 }, true)).toMatchObject({ message: 'object.remove: operand 2 must be one of {object, set, array} but got boolean' });
  });

  it('object.union merges recursively, right wins; union_n folds', () => {
    expect(call('object.union', { a: { b: 1, c: 2 }, d: 1 }, { a: { b: 3 }, d: { x: 1 } })).toEqual({ a: { b: 3, c: 2 }, d: { x: 1 } });
    expect(call('object.union_n', [{ a: 1 }, { b: 2 }, { a: 3 }])).toEqual({ a: 3, b: 2 });
    expect(callError('object.union', [], {})).toMatchObject({ message: 'object.union: operand 1 must be object but got array' });
  });

  it('object.subset: objects recursively, arrays as contiguous runs, set-shaped arrays by membership', () => {
    expect(call('object.subset', { a: { b: 1, c: 2 }, d: 3 }, { a: { b: 1 } })).toBe(true);
    expect(call('object.subset', { a: 1 }, { a: 2 })).toBe(false);
    expect(call('object.subset', [1, 2, 3, 4], [2, 3])).toBe(true);
    expect(call('object.subset', [1, 2, 3, 4], [3, 2])).toBe(false);
    expect(call('object.subset', [1, 2, 3, 4], [4, 8])).toBe(false);
    // {4, 1} arrives as [1, 4]: membership, as OPA decides for sets.
    expect(call('object.subset', { s: [1, 2, 3, 4] }, { s: [1, 4] })).toBe(true);
    expect(call('object.subset', ['c', 'a', 'b'], ['a', 'c'])).toBe(true);
    expect(callError('object.subset', {}, [])).toMatchObject({ code: 'eval_type_error' });
  });
});

describe('array builtins', () => {
  it('concat, reverse, flatten (one level), slice (clamped)', () => {
    expect(call('array.concat', [1], [2, 3])).toEqual([1, 2, 3]);
    expect(call('array.reverse', [1, 2, 3])).toEqual([3, 2, 1]);
    expect(call('array.flatten', [[1], [2, [3]], 4])).toEqual([1, 2, [3], 4]);
    expect(call('array.slice', [1, 2, 3, 4], 1, 3)).toEqual([2, 3]);
    expect(call('array.slice', [1, 2, 3], -5, 10)).toEqual([1, 2, 3]);
    expect(call('array.slice', [1, 2, 3], 2, 1)).toEqual([]);
  });

  it('graph.reachable walks edges from the initial nodes', () => {
    expect(call('graph.reachable', { a: ['b'], b: ['c'], c: [], d: ['a'] }, ['a'])).toEqual(['a', 'b', 'c']);
  });
});

describe('json path builtins', () => {
  it('json.filter keeps only the given paths', () => {
    expect(call('json.filter', { a: { b: { c: 7, d: 8 } }, e: 9 }, ['a/b/c', 'e'])).toEqual({ a: { b: { c: 7 } }, e: 9 });
    expect(call('json.filter', { a: [{ 1: ['b', 'c', 'd'] }, { x: 'y' }] }, ['a/0/1/2'])).toEqual({ a: [{ 1: ['d'] }] });
    expect(call('json.filter', { a: { b: 1, c: 2 } }, [['a', 'c']])).toEqual({ a: { c: 2 } });
  });

  it('json.remove drops the given paths', () => {
    expect(call('json.remove', { a: { b: { c: 7, d: 8 } }, e: 9 }, ['a/b/c', 'e'])).toEqual({ a: { b: { d: 8 } } });
    expect(call('json.remove', { a: [1, 2, 3] }, ['a/1'])).toEqual({ a: [1, 3] });
    expect(callError('json.remove', {}, 'a')).toMatchObject({ message: 'json.remove: operand 2 must be one of {set, array} but got string' });
  });

  it('json.patch applies RFC 6902 operations', () => {
    const doc = { a: { b: [1, 2] } };
    expect(call('json.patch', doc, [{ op: 'add', path: '/a/b/-', value: 3 }, { op: 'replace', path: '/a/c', value: 1 }].slice(0, 1))).toEqual({ a: { b: [1, 2, 3] } });
    expect(call('json.patch', doc, [{ op: 'remove', path: ['a', 'b', 0] }])).toEqual({ a: { b: [2] } });
    expect(call('json.patch', doc, [{ op: 'copy', from: '/a/b', path: '/c' }, { op: 'test', path: '/c/1', value: 2 }])).toEqual({ a: { b: [1, 2] }, c: [1, 2] });
    expect(call('json.patch', doc, [{ op: 'move', from: '/a', path: '/z' }])).toEqual({ z: { b: [1, 2] } });
    expect(callError('json.patch', doc, [{ op: 'test', path: '/a/b/0', value: 9 }])).toMatchObject({ code: 'eval_builtin_error' });
    expect(callError('json.patch', doc, [{ op: 'replace', path: '/nope', value: 1 }])).toMatchObject({ code: 'eval_builtin_error' });
  });
});

describe('graph.reachable_paths', () => {
  const graph = { one: ['two', 'five'], two: ['four'], three: [''], four: ['three'], five: ['seven', 'six'], six: ['nine'], seven: ['eight'], eight: [''], nine: [''] };

  it('lists every path to a leaf or a node outside the graph', () => {
    expect(call('graph.reachable_paths', graph, ['one'])).toEqual([
      ['one', 'five', 'seven', 'eight'],
      ['one', 'five', 'six', 'nine'],
      ['one', 'two', 'four', 'three'],
    ]);
  });

  it('stops at cycles and keeps nodes without edges', () => {
    expect(call('graph.reachable_paths', { a: ['b'], b: ['a', 'c'], c: [] }, ['a'])).toEqual([['a', 'b'], ['a', 'b', 'c']]);
    expect(call('graph.reachable_paths', { a: null }, ['a'])).toEqual([['a']]);
    expect(call('graph.reachable', { a: null }, ['a'])).toEqual(['a']);
  });
});

describe('graph.reachable_paths with converging branches', () => {
  it('stops a later branch at a node an earlier branch reached (OPA\'s shared reached set)', () => {
    const graph = { one: ['two', 'five'], two: ['four'], three: [''], four: ['three'], five: ['seven', 'six'], six: ['nine', 'seven'], seven: ['eight'], eight: ['three'], nine: [''] };
    expect(call('graph.reachable_paths', graph, ['one'])).toEqual([
      ['one', 'five', 'seven', 'eight', 'three'],
      ['one', 'five', 'six'],
      ['one', 'five', 'six', 'nine'],
      ['one', 'two', 'four', 'three'],
    ]);
  });
});
