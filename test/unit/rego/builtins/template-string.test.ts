import { describe, expect, it } from 'vitest';
import { call, callError } from './sdk-call.ts';

describe('internal.template_string', () => {
  it('joins literals with the single value of each embedded expression', () => {
    expect(call('internal.template_string', ['hello ', ['world'], ', n=', [42], ' ', [[1, 'a']], ' ', [{ k: true }]])).toBe('hello world, n=42 [1, "a"] {"k": true}');
    expect(call('internal.template_string', ['x', 1, true, null])).toBe('x1truenull');
    expect(call('internal.template_string', [])).toBe('');
  });

  it('renders an undefined expression as <undefined>', () => {
    expect(call('internal.template_string', ['a ', [], ' b'])).toBe('a <undefined> b');
  });

  it('fails with a conflict when an expression has several values', () => {
    expect(callError('internal.template_string', [['a', 'b']])).toMatchObject({ code: 'eval_conflict_error', message: 'internal.template_string: template-strings must not produce multiple outputs' });
    expect(callError('internal.template_string', [{ a: 1 }])).toMatchObject({ code: 'eval_type_error' });
  });

  it('internal.print accepts the same operands and returns null', () => {
    expect(call('internal.print', [['x'], []])).toBe(null);
  });
});

describe('deprecated aggregates', () => {
  it('all, any and set_diff', () => {
    expect([call('all', [true, true]), call('all', [true, 1]), call('any', [false, true]), call('any', [])]).toEqual([true, false, true, false]);
    expect(call('set_diff', [1, 2, 3], [2])).toEqual([1, 3]);
  });
});
