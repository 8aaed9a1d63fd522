import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createSecretStore, findSecretRefs, isSecretRef, SecretRedactor, substituteSecrets } from '../../../src/capabilities/index.ts';
import { DaemonError, isDaemonError } from '../../../src/errors/index.ts';

const store = createSecretStore({ api: 'tok-3f9a-very-secret', short: 'pw' });
const http = { name: 'http.fetch', secretPointers: ['/headers/*', '/body'] };

describe('substituteSecrets', () => {
  it('replaces references at the secret pointers and leaves the original args alone', () => {
    const args = { url: 'https://x.test/', headers: { authorization: { $secret: 'api' }, accept: 'text/plain' }, body: { $secret: 'short' } };
    const before = JSON.stringify(args);
    const { args: substituted, redactor } = substituteSecrets(http, args, { secrets: store });
    expect(substituted).toEqual({ url: 'https://x.test/', headers: { authorization: 'tok-3f9a-very-secret', accept: 'text/plain' }, body: 'pw' });
    expect(JSON.stringify(args)).toBe(before);
    expect(redactor.names).toEqual(['api', 'short']);
  });

  it('leaves references elsewhere as plain data', () => {
    const kv = { name: 'kv.put', secretPointers: [] };
    const args = { key: 'k', value: { $secret: 'api' } };
    const { args: substituted, redactor } = substituteSecrets(kv, args, { secrets: store });
    expect(substituted).toEqual(args);
    expect(redactor.empty).toBe(true);
    // Not at /headers/*: a nested object one level deeper is data too.
    expect(substituteSecrets(http, { headers: { a: { b: { $secret: 'api' } } } }, { secrets: store }).args).toEqual({ headers: { a: { b: { $secret: 'api' } } } });
  });

  it('throws SECRET_NOT_FOUND naming the reference and never a value', () => {
    let error: unknown;
    try {
      substituteSecrets(http, { headers: { a: { $secret: 'api' }, b: { $secret: 'missing' } } }, { secrets: store });
    } catch (caught) {
      error = caught;
    }
    expect(isDaemonError(error) && error.code).toBe('SECRET_NOT_FOUND');
    expect((error as Error).message).toBe('Cannot call capability "http.fetch": no secret named "missing" at /headers/b');
    expect(JSON.stringify(error) + String(error)).not.toContain('tok-3f9a');
  });
});

describe('findSecretRefs', () => {
  it('lists the references a policy should see', () => {
    expect(findSecretRefs(http, { headers: { 'x/y': { $secret: 'api' } }, body: { $secret: 'short' } })).toEqual([
      { pointer: '/headers/x~1y', name: 'api' },
      { pointer: '/body', name: 'short' },
    ]);
  });
});

describe('isSecretRef', () => {
  it('accepts only an object whose single key is $secret with a string', () => {
    expect(isSecretRef({ $secret: 'a' })).toBe(true);
    expect(isSecretRef({ $secret: 'a', x: 1 })).toBe(false);
    expect(isSecretRef({ $secret: 1 })).toBe(false);
    expect(isSecretRef(['a'])).toBe(false);
  });
});

describe('SecretRedactor', () => {
  const redactor = new SecretRedactor(new Map([['api', 'tok-3f9a-very-secret'], ['inner', 'very']]));

  it('scrubs values in nested strings and keys, longest value first', () => {
    expect(redactor.redact({ body: 'echo: Bearer tok-3f9a-very-secret', list: ['very good'], ['k-tok-3f9a-very-secret']: 1 })).toEqual({
      body: 'echo: Bearer [secret:api]',
      list: ['[secret:inner] good'],
      'k-[secret:api]': 1,
    });
  });

  it('keeps the code of a DaemonError and scrubs its message, details and cause', () => {
    const cause = new Error('upstream said tok-3f9a-very-secret');
    const error = redactor.redactError(new DaemonError('CAPABILITY_HTTP_FAILED', 'Cannot fetch: tok-3f9a-very-secret', { details: { echo: 'tok-3f9a-very-secret' }, cause }));
    expect(isDaemonError(error) && error.code).toBe('CAPABILITY_HTTP_FAILED');
    expect(error.message).toBe('Cannot fetch: [secret:api]');
    expect(JSON.stringify((error as DaemonError).details)).not.toContain('tok-3f9a');
    expect(String((error.cause as Error).message) + String((error.cause as Error).stack)).not.toContain('tok-3f9a');
  });
});

describe('createSecretStore', () => {
  it('serialises and inspects as names only', () => {
    expect(JSON.stringify(store)).toBe('{"secrets":["api","short"]}');
    expect(inspect(store)).not.toContain('tok-3f9a');
    expect(store.get('api')).toBe('tok-3f9a-very-secret');
  });
});
