import { describe, expect, it } from 'vitest';
import { call, callError } from './sdk-call.ts';

const config = { aws_access_key: 'AKID', aws_secret_access_key: 'SECRET', aws_service: 's3', aws_region: 'us-east-1' };
const t = 1451311705000000000; // 2015-12-28T14:08:25Z

describe('providers.aws.sign_req', () => {
  it('adds SigV4 headers for the given time, deterministically', () => {
    const signed = call('providers.aws.sign_req', { method: 'get', url: 'http://example.com/a?b=1', headers: { foo: 'bar' } }, config, t) as { headers: Record<string, string> };
    expect(signed.headers).toMatchObject({
      foo: 'bar', host: 'example.com', 'x-amz-date': '20151228T140825Z',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
    expect(signed.headers['Authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/20151228\/us-east-1\/s3\/aws4_request,SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=[0-9a-f]{64}$/);
    expect(call('providers.aws.sign_req', { method: 'get', url: 'http://example.com/a?b=1', headers: { foo: 'bar' } }, config, t)).toEqual(signed);
    const other = call('providers.aws.sign_req', { method: 'get', url: 'http://example.com/a?b=2', headers: { foo: 'bar' } }, config, t) as { headers: Record<string, string> };
    expect(other.headers['Authorization']).not.toBe(signed.headers['Authorization']);
  });

  it('rejects incomplete configuration and requests', () => {
    expect(callError('providers.aws.sign_req', { method: 'get', url: 'http://x' }, { aws_service: 's3' }, t)).toMatchObject({ code: 'eval_builtin_error' });
    expect(callError('providers.aws.sign_req', { method: 'get' }, config, t)).toMatchObject({ code: 'eval_builtin_error' });
  });
});

describe('http.send', () => {
  it('checks the request like OPA, then fails: policies have no network', () => {
    expect(callError('http.send', { method: 'get', url: 'http://x', bad_key: 1 })).toMatchObject({ message: 'http.send: invalid request parameters(s): {"bad_key"}' });
    expect(callError('http.send', { method: 'get' })).toMatchObject({ message: 'http.send: missing required request parameters(s): {"url"}' });
    expect(callError('http.send', { method: 'get', url: 'http://127.0.0.1:1' })).toMatchObject({ code: 'eval_builtin_error' });
  });
});

describe('JSON schema builtins', () => {
  const schema = { properties: { id: { type: 'integer' } }, required: ['id'] };

  it('match_schema reports errors in gojsonschema\'s shape', () => {
    expect(call('json.match_schema', { id: 5 }, schema)).toEqual([true, []]);
    expect(call('json.match_schema', '{"id": 5}', JSON.stringify(schema))).toEqual([true, []]);
    expect(call('json.match_schema', { id: 'foo' }, schema)).toEqual([
      false,
      [{ desc: 'Invalid type. Expected: integer, given: string', error: 'id: Invalid type. Expected: integer, given: string', field: 'id', type: 'invalid_type' }],
    ]);
    expect(call('json.match_schema', {}, schema)).toEqual([false, [{ desc: 'id is required', error: '(root): id is required', field: '(root)', type: 'required' }]]);
    expect(callError('json.match_schema', {}, { type: 'nope' })).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('verify_schema says whether a schema is valid', () => {
    expect(call('json.verify_schema', { type: 'boolean' })).toEqual([true, null]);
    expect(call('json.verify_schema', '{"type": "unknown_type"}')).toEqual([
      false,
      'jsonschema: has a primitive type that is NOT VALID -- given: /unknown_type/ Expected valid values are:[array boolean integer number null object string]',
    ]);
  });
});

describe('regex.globs_match', () => {
  it('decides whether two glob-like patterns share a match', () => {
    expect(call('regex.globs_match', 'a.a.[0-9]+z', '.b.b2359825792*594823z')).toBe(true);
    expect(call('regex.globs_match', '[a-z]+', '[0-9]*')).toBe(false);
    expect(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo\\[1\\]')).toBe(true);
    expect(call('regex.globs_match', '[^a]*', 'a+')).toBe(false);
    expect(callError('regex.globs_match', 'pqrs]', '[a-b]+')).toMatchObject({ message: "regex.globs_match: input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is invalid" });
  });
});
