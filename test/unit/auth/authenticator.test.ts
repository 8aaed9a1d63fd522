/** Unit tests of token authentication and scopes. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearerToken, createAuthenticator, hasScope, localPrincipal } from '../../../src/auth/index.ts';

const sha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

describe('createAuthenticator', () => {
  const auth = createAuthenticator({
    handshakeTimeoutMs: 1000,
    tokens: [
      { sha256: sha256('alice-token'), principal: 'alice', scopes: ['runs:start', 'runs:read'] },
      { sha256: sha256('root-token'), principal: 'root', scopes: ['admin'] },
    ],
  });

  it('maps a known token to its principal and scopes', () => {
    const principal = auth.authenticate('alice-token');
    expect(principal.id).toBe('alice');
    expect(hasScope(principal, 'runs:read')).toBe(true);
    expect(hasScope(principal, 'runs:adhoc')).toBe(false);
  });

  it('lets admin imply every scope', () => {
    expect(hasScope(auth.authenticate('root-token'), 'runs:adhoc')).toBe(true);
  });

  it('refuses an unknown token with AUTH_INVALID_TOKEN and a missing one with AUTH_REQUIRED', () => {
    expect(() => auth.authenticate('mallory')).toThrow(expect.objectContaining({ code: 'AUTH_INVALID_TOKEN' }));
    expect(() => auth.authenticate(undefined)).toThrow(expect.objectContaining({ code: 'AUTH_REQUIRED' }));
    expect(() => auth.authenticate('')).toThrow(expect.objectContaining({ code: 'AUTH_REQUIRED' }));
  });

  it('makes everyone the local principal when no token is configured', () => {
    const open = createAuthenticator({ handshakeTimeoutMs: 1000, tokens: [] });
    expect(open.required).toBe(false);
    expect(open.authenticate(undefined)).toBe(localPrincipal);
    expect([...localPrincipal.scopes]).toEqual(['runs:start', 'runs:adhoc', 'runs:unverified', 'runs:read', 'workflows:read', 'admin']);
  });
});

describe('bearerToken', () => {
  it('extracts the token of a Bearer header', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   xyz')).toBe('xyz');
  });

  it('yields an empty token for another scheme and undefined for no header', () => {
    expect(bearerToken('Basic dXNlcg==')).toBe('');
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
