import { describe, expect, it } from 'vitest';
import { call, callError, callRaw } from './sdk-call.ts';

describe('number builtins', () => {
  it('rounds half away from zero like Go', () => {
    expect([call('round', 1.5), call('round', -1.5), call('round', 2.4)]).toEqual([2, -2, 2]);
    expect([call('ceil', 1.2), call('floor', -1.2), call('abs', -3)]).toEqual([2, -2, 3]);
  });

  it('numbers.range counts up or down, inclusive', () => {
    expect(call('numbers.range', 1, 4)).toEqual([1, 2, 3, 4]);
    expect(call('numbers.range', 2, -1)).toEqual([2, 1, 0, -1]);
    expect(callError('numbers.range', 1.5, 3)).toMatchObject({ message: 'numbers.range: operand 1 must be integer number but got floating-point number' });
  });

  it('numbers.range_step steps by a positive integer', () => {
    expect(call('numbers.range_step', 0, 10, 4)).toEqual([0, 4, 8]);
    expect(call('numbers.range_step', 10, 0, 5)).toEqual([10, 5, 0]);
    expect(callError('numbers.range_step', 0, 10, 0)).toMatchObject({ code: 'eval_builtin_error', message: 'numbers.range_step: step must be a positive integer' });
  });

  it('bits.* work on integers, exactly beyond 2^53', () => {
    expect([call('bits.and', 12, 10), call('bits.or', 12, 10), call('bits.xor', 12, 10), call('bits.negate', 5)]).toEqual([8, 14, 6, -6]);
    expect(callRaw('bits.lsh', 1, 60)).toBe('1152921504606846976');
    expect(call('bits.rsh', 256, 4)).toBe(16);
    expect(callError('bits.and', 1.5, 1)).toMatchObject({ code: 'eval_type_error' });
  });

  it('to_number converts null, booleans and numeric strings', () => {
    expect([call('to_number', null), call('to_number', true), call('to_number', '-1.5e2'), call('to_number', 7)]).toEqual([0, 1, -150, 7]);
    expect(callRaw('to_number', '12345678901234567890')).toBe('12345678901234567890');
    expect(callError('to_number', 'abc')).toMatchObject({ code: 'eval_builtin_error' });
    expect(callError('to_number', 'NaN')).toMatchObject({ code: 'eval_builtin_error' });
    expect(callError('to_number', [])).toMatchObject({ code: 'eval_type_error', message: 'to_number: operand 1 must be one of {null, boolean, number, string} but got array' });
  });

  it('rand.intn is in range and repeats for the same key and bound', () => {
    const a = call('rand.intn', 'k', 100) as number;
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(100);
    expect(call('rand.intn', 'k', 100)).toBe(a);
    expect(call('rand.intn', 'k', 0)).toBe(0);
  });
});

describe('aggregate builtins', () => {
  it('count counts runes, elements and keys', () => {
    expect([call('count', 'héllo'), call('count', [1, 2]), call('count', { a: 1 })]).toEqual([5, 2, 1]);
    expect(callError('count', 1)).toMatchObject({ message: 'count: operand 1 must be one of {array, object, set, string} but got number' });
  });

  it('sum and product are exact for integers and tidy for decimals', () => {
    expect(call('sum', [1, 2, 3])).toBe(6);
    expect(call('sum', [0.1, 0.2])).toBe(0.3);
    expect(call('product', [1, 2, 3, 4])).toBe(24);
    expect(callRaw('product', [4294967296, 4294967296])).toBe('18446744073709551616');
    expect(callError('sum', [1, 'a'])).toMatchObject({ code: 'eval_type_error' });
  });

  it('max, min and sort use OPA\'s order across types', () => {
    expect(call('max', [1, 'a', null])).toBe('a');
    expect(call('min', [1, 'a', null])).toBe(null);
    expect(call('max', [])).toBeUndefined();
    expect(call('sort', [[1], 'b', 2, false, null, { a: 1 }, 'a'])).toEqual([null, false, 2, 'a', 'b', [1], { a: 1 }]);
  });

  it('union, intersection and the set operators return sorted, duplicate-free arrays', () => {
    expect(call('union', [[3, 1], [2, 1]])).toEqual([1, 2, 3]);
    expect(call('intersection', [[3, 1, 2], [2, 3], [3, 2, 5]])).toEqual([2, 3]);
    expect(call('and', [1, 2], [2, 3])).toEqual([2]);
    expect(call('or', [1, 2], [2, 3])).toEqual([1, 2, 3]);
    expect(call('minus', [1, 2, 3], [2])).toEqual([1, 3]);
    expect(call('minus', 5, 3)).toBe(2);
  });
});

describe('type builtins', () => {
  it('answer for every JSON kind', () => {
    expect([call('is_string', 'a'), call('is_number', 'a'), call('is_boolean', false), call('is_array', []), call('is_object', {}), call('is_null', null)]).toEqual([
      true, false, true, true, true, true,
    ]);
    expect([call('type_name', 1), call('type_name', {}), call('type_name', null)]).toEqual(['number', 'object', 'null']);
  });
});
