import { describe, expect, it } from 'vitest';
import { call, callError, callRaw } from './sdk-call.ts';

describe('encoding builtins', () => {
  it('base64 encodes UTF-8 and decodes strictly (padding required)', () => {
    expect(call('base64.encode', 'héllo')).toBe('aMOpbGxv');
    expect(call('base64.decode', 'aMOpbGxv')).toBe('héllo');
    expect(callError('base64.decode', 'aMOpbGx')).toMatchObject({ code: 'eval_builtin_error' });
    expect(callError('base64.decode', 'a*==')).toMatchObject({ message: 'base64.decode: illegal base64 data at input byte 1' });
    expect([call('base64.is_valid', 'YWJj'), call('base64.is_valid', 'YWJ')]).toEqual([true, false]);
  });

  it('base64url pads on encode, accepts missing padding on decode', () => {
    expect(call('base64url.encode', '??>')).toBe('Pz8-');
    expect(call('base64url.encode', 'a')).toBe('YQ==');
    expect(call('base64url.encode_no_pad', 'a')).toBe('YQ');
    expect(call('base64url.decode', 'YQ')).toBe('a');
    expect(call('base64url.decode', 'Pz8-')).toBe('??>');
    expect(callError('base64url.decode', 'Y')).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('hex encodes bytes and rejects bad input with Go\'s messages', () => {
    expect(call('hex.encode', 'hi')).toBe('6869');
    expect(call('hex.decode', '6869')).toBe('hi');
    expect(callError('hex.decode', '686')).toMatchObject({ message: 'hex.decode: encoding/hex: odd length hex string' });
    expect(callError('hex.decode', 'zz')).toMatchObject({ message: "hex.decode: encoding/hex: invalid byte: U+007A 'z'" });
  });

  it('urlquery escapes like url.QueryEscape and decodes objects', () => {
    expect(call('urlquery.encode', 'a b&c=d/é~')).toBe('a+b%26c%3Dd%2F%C3%A9~');
    expect(call('urlquery.decode', 'a+b%26c')).toBe('a b&c');
    expect(callError('urlquery.decode', '%zz')).toMatchObject({ message: 'urlquery.decode: invalid URL escape "%zz"' });
    expect(call('urlquery.encode_object', { b: ['1', '2'], a: 'x y' })).toBe('a=x+y&b=1&b=2');
    expect(call('urlquery.decode_object', 'a=1&b=2&a=3&c')).toEqual({ a: ['1', '3'], b: ['2'], c: [''] });
  });

  it('json.marshal writes Go\'s form: sorted keys, HTML-safe escapes', () => {
    expect(call('json.marshal', { b: [1, 'x'], a: '<&>' })).toBe('{"a":"\\u003c\\u0026\\u003e","b":[1,"x"]}');
    expect(call('json.marshal_with_options', { a: [1] }, { indent: '  ' })).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(call('json.marshal_with_options', { a: 1 }, { pretty: false })).toBe('{"a":1}');
    expect(callError('json.marshal_with_options', {}, { bogus: 1 })).toMatchObject({ code: 'eval_type_error' });
  });

  it('json.unmarshal keeps big integers exact and fails on bad JSON', () => {
    expect(call('json.unmarshal', '{"a":[1,true,null]}')).toEqual({ a: [1, true, null] });
    expect(callRaw('json.unmarshal', '[12345678901234567890]')).toBe('[12345678901234567890]');
    expect(callError('json.unmarshal', '{')).toMatchObject({ code: 'eval_builtin_error' });
    expect([call('json.is_valid', '{"a":1}'), call('json.is_valid', '{a:1}'), call('json.is_valid', 5)]).toEqual([true, false, false]);
  });

  it('yaml round-trips and resolves YAML 1.1 booleans as Go\'s yaml does', () => {
    expect(call('yaml.unmarshal', 'a: 1\nb: [x, z]\nc: yes\nd: off\n')).toEqual({ a: 1, b: ['x', 'z'], c: true, d: false });
    expect(call('yaml.marshal', { b: [1, 2], a: 'x' })).toBe('a: x\nb:\n- 1\n- 2\n');
    expect(callError('yaml.unmarshal', 'a: [1')).toMatchObject({ code: 'eval_builtin_error' });
    expect([call('yaml.is_valid', 'a: 1'), call('yaml.is_valid', 'a: [')]).toEqual([true, false]);
  });
});
