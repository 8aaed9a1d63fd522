import { describe, expect, it } from 'vitest';
import { call, callError } from './sdk-call.ts';

describe('string builtins', () => {
  it('concat joins arrays (and sets, which arrive as arrays)', () => {
    expect(call('concat', '/', ['a', 'b', 'c'])).toBe('a/b/c');
    expect(call('concat', ',', [])).toBe('');
    expect(callError('concat', ',', ['a', 1])).toMatchObject({ code: 'eval_type_error', message: 'concat: operand 2 must be array of strings but got array containing number' });
    expect(callError('concat', ',', 'ab')).toMatchObject({ message: 'concat: operand 2 must be one of {set, array} but got string' });
  });

  it('split returns the whole string when the delimiter is absent and splits runes on ""', () => {
    expect(call('split', 'a.b.c', '.')).toEqual(['a', 'b', 'c']);
    expect(call('split', 'abc', ',')).toEqual(['abc']);
    expect(call('split', 'a😀b', '')).toEqual(['a', '😀', 'b']);
  });

  it('strings.split_n keeps the first n parts or the last -n', () => {
    expect(call('strings.split_n', 'a,b,c,d', ',', 2)).toEqual(['a', 'b']);
    expect(call('strings.split_n', 'a,b,c,d', ',', -2)).toEqual(['c', 'd']);
    expect(call('strings.split_n', 'a,b', ',', 0)).toEqual([]);
  });

  it('replace and strings.replace_n follow strings.NewReplacer', () => {
    expect(call('replace', 'aaa', 'a', 'b')).toBe('bbb');
    expect(call('replace', 'abc', '', '-')).toBe('-a-b-c-');
    expect(call('strings.replace_n', { a: 'b', b: 'c' }, 'ab')).toBe('bc');
    expect(callError('strings.replace_n', { a: 1 }, 'x')).toMatchObject({ message: 'strings.replace_n: operand 1 non-string value found in pattern object' });
    expect(callError('strings.replace_n', { a: 'b' }, 1)).toMatchObject({ message: 'strings.replace_n: operand 2 must be string but got number' });
  });

  it('trims by cutset, prefix, suffix and Go white space', () => {
    expect(call('trim', '??hello!?', '?!')).toBe('hello');
    expect(call('trim_left', 'xxhixx', 'x')).toBe('hixx');
    expect(call('trim_right', 'xxhixx', 'x')).toBe('xxhi');
    expect(call('trim_prefix', 'prefix-rest', 'prefix-')).toBe('rest');
    expect(call('trim_suffix', 'name.rego', '.rego')).toBe('name');
    expect(call('trim_space', '\t\n x \u00a0\u0085')).toBe('x');
    // Go's TrimSpace keeps U+FEFF, which JavaScript's trim() removes.
    expect(call('trim_space', '\ufeffx')).toBe('\ufeffx');
  });

  it('substring counts runes and rejects negative offsets', () => {
    expect(call('substring', 'héllo', 1, 3)).toBe('éll');
    expect(call('substring', 'hello', 2, -1)).toBe('llo');
    expect(call('substring', 'hello', 10, 2)).toBe('');
    expect(callError('substring', 'hello', -1, 2)).toMatchObject({ code: 'eval_builtin_error', message: 'substring: negative offset' });
    expect(callError('substring', 'hello', 1.5, 2)).toMatchObject({ code: 'eval_type_error', message: 'substring: operand 2 must be integer number but got floating-point number' });
  });

  it('indexof and indexof_n return rune positions', () => {
    expect(call('indexof', 'héllo', 'l')).toBe(2);
    expect(call('indexof', 'hello', 'z')).toBe(-1);
    expect(call('indexof_n', 'aaa', 'aa')).toEqual([0, 1]);
    expect(callError('indexof', 'x', '')).toMatchObject({ message: 'indexof: empty search character' });
  });

  it('lower, upper, contains, startswith, endswith, strings.count, strings.reverse', () => {
    expect(call('lower', 'AbC')).toBe('abc');
    expect(call('upper', 'AbC')).toBe('ABC');
    expect(call('contains', 'abc', 'b')).toBe(true);
    expect(call('startswith', 'abc', 'ab')).toBe(true);
    expect(call('endswith', 'abc', 'ab')).toBe(false);
    expect(call('strings.count', 'cheese', 'e')).toBe(3);
    expect(call('strings.count', 'five', '')).toBe(5);
    expect(call('strings.reverse', 'a😀b')).toBe('b😀a');
    expect(callError('strings.reverse', 1)).toMatchObject({ code: 'eval_type_error' });
  });

  it('strings.any_prefix_match and any_suffix_match take strings or collections', () => {
    expect(call('strings.any_prefix_match', 'a/b/c', 'a/')).toBe(true);
    expect(call('strings.any_prefix_match', ['x/y', 'a/b'], ['a/', 'z'])).toBe(true);
    expect(call('strings.any_suffix_match', ['a/b/c', 'e/f/g'], ['/f', '/a'])).toBe(false);
    expect(callError('strings.any_suffix_match', 1, 'x')).toMatchObject({ message: 'strings.any_suffix_match: operand 1 must be one of {string, set, array} but got number' });
  });

  it('format_int truncates toward zero and accepts only bases 2, 8, 10, 16', () => {
    expect(call('format_int', 15.9, 16)).toBe('f');
    expect(call('format_int', -15.9, 16)).toBe('-f');
    expect(call('format_int', 5, 2)).toBe('101');
    expect(callError('format_int', 5, 3)).toMatchObject({ message: 'format_int: operand 2 must be one of {2, 8, 10, 16}' });
  });

  it('strings.render_template substitutes fields', () => {
    expect(call('strings.render_template', 'hello {{.name}}, {{ .n }}', { name: 'world', n: 3 })).toBe('hello world, 3');
    expect(callError('strings.render_template', '{{.missing}}', {})).toMatchObject({ code: 'eval_builtin_error' });
  });
});

describe('sprintf', () => {
  it('formats Rego values with Go verbs', () => {
    expect(call('sprintf', '%s is %d years', ['bob', 42])).toBe('bob is 42 years');
    expect(call('sprintf', '%v', [1.5])).toBe('1.5');
    expect(call('sprintf', '%.2f', [3.14159])).toBe('3.14');
    expect(call('sprintf', '%05d|%-4s|%4s|%x|%X|%o|%b', [42, 'ab', 'ab', 255, 255, 8, 5])).toBe('00042|ab  |  ab|ff|FF|10|101');
    expect(call('sprintf', '%q', ['a"b\n'])).toBe('"a\\"b\\n"');
    expect(call('sprintf', '%e', [1234.5678])).toBe('1.234568e+03');
    expect(call('sprintf', '%v', [1234567.5])).toBe('1.2345675e+06');
    expect(call('sprintf', '%+d %%', [5])).toBe('+5 %');
  });

  it('prints non-scalar values in Rego syntax', () => {
    expect(call('sprintf', '%v', [[1, 'a', null, true]])).toBe('[1, "a", null, true]');
    expect(call('sprintf', '%v', [{ b: 1, a: [2] }])).toBe('{"a": [2], "b": 1}');
  });

  it('reproduces Go\'s complaints about bad verbs and argument counts', () => {
    expect(call('sprintf', '%d', [1.5])).toBe('%!d(float64=1.5)');
    expect(call('sprintf', '%s', [5])).toBe('%!s(int=5)');
    expect(call('sprintf', '%f', [5])).toBe('%!f(int=5)');
    expect(call('sprintf', '%d %d', [1])).toBe('1 %!d(MISSING)');
    expect(call('sprintf', '%d', [1, 'x'])).toBe('1%!(EXTRA string=x)');
    expect(call('sprintf', '%t', [true])).toBe('%!t(string=true)');
  });

  it('rejects a non-array argument list', () => {
    expect(callError('sprintf', '%d', 5)).toMatchObject({ code: 'eval_type_error', message: 'sprintf: operand 2 must be array but got number' });
  });
});
