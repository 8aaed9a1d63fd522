import { describe, expect, it } from 'vitest';
import { call, callError } from './sdk-call.ts';

describe('regex builtins', () => {
  it('regex.match accepts RE2 syntax JavaScript spells differently', () => {
    expect(call('regex.match', '^[a-z]+\\d$', 'abc1')).toBe(true);
    expect(call('regex.match', '(?i)ABC', 'xabcx')).toBe(true);
    expect(call('regex.match', '^(?P<word>\\w+)$', 'hello')).toBe(true);
    expect(call('regex.match', '^[[:digit:]]{2}$', '12')).toBe(true);
    expect(call('regex.match', '\\Aab\\z', 'ab')).toBe(true);
    expect(call('regex.match', '\\Aab\\z', 'ab\n')).toBe(false);
    expect(call('regex.match', '\\Qa.b\\E', 'a.b')).toBe(true);
    expect(call('regex.match', '\\Qa.b\\E', 'axb')).toBe(false);
    expect(call('re_match', 'b+', 'abbc')).toBe(true);
  });

  it('rejects what RE2 rejects', () => {
    expect(callError('regex.match', '(a', 'a')).toMatchObject({ code: 'eval_builtin_error' });
    expect(callError('regex.match', '(a)\\1', 'aa')).toMatchObject({ code: 'eval_builtin_error' });
    expect(callError('regex.match', 'a(?=b)', 'ab')).toMatchObject({ code: 'eval_builtin_error' });
    expect([call('regex.is_valid', 'a+'), call('regex.is_valid', '[')]).toEqual([true, false]);
  });

  it('find_n and find_all_string_submatch_n iterate like Go', () => {
    expect(call('regex.find_n', 'a.', 'aaxabac', -1)).toEqual(['aa', 'ab', 'ac']);
    expect(call('regex.find_n', 'a.', 'aaxabac', 2)).toEqual(['aa', 'ab']);
    expect(call('regex.find_n', 'a*', 'baaab', -1)).toEqual(['', 'aaa', '']);
    expect(call('regex.find_all_string_submatch_n', '([a-z])(\\d)?', 'a1b', -1)).toEqual([['a1', 'a', '1'], ['b', 'b', '']]);
  });

  it('replace expands Go templates', () => {
    expect(call('regex.replace', 'foo bar', '(\\w+)', '<$1>')).toBe('<foo> <bar>');
    expect(call('regex.replace', 'ab', '(?P<x>a)', '${x}!$$')).toBe('a!$b');
    expect(call('regex.replace', 'abc', 'b*', 'X')).toBe('XaXcX');
  });

  it('split follows Regexp.Split', () => {
    expect(call('regex.split', 'a', 'banana')).toEqual(['b', 'n', 'n', '']);
    expect(call('regex.split', ',', '')).toEqual(['']);
  });

  it('template_match treats delimited parts as regular expressions', () => {
    expect(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}')).toBe(true);
    expect(call('regex.template_match', 'urn:foo.bar.com:{.*}', 'urn:foo.com:bar:baz', '{', '}')).toBe(false);
    expect(callError('regex.template_match', 'urn:{.*', 'x', '{', '}')).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('glob.quote_meta escapes glob syntax', () => {
    expect(call('glob.quote_meta', '*.github.com')).toBe('\\*.github.com');
    expect(call('glob.quote_meta', '[a]{b,c}?')).toBe('\\[a\\]\\{b\\,c\\}\\?');
  });
});
