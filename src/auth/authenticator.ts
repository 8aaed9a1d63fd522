/**
 * Token authentication: maps a bearer token to a Principal by its SHA-256 digest.
 *
 * Only digests live in the config, so a leaked config file leaks no token. Every configured digest is
 * compared in constant time and without an early exit, so timing reveals neither which digest nor how
 * much of it matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { DaemonError } from '../errors/index.ts';
import { scopeNames, type AuthConfig, type Scope } from '../config/index.ts';

/** Who a connection acts for. */
export interface Principal {
  readonly id: string;
  readonly scopes: ReadonlySet<Scope>;
}

/** The principal of every client when no token is configured (loopback only). */
export const localPrincipal: Principal = Object.freeze({ id: 'local', scopes: new Set<Scope>(scopeNames) });

/** True when `principal` holds `scope`; `admin` implies every scope. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope) || principal.scopes.has('admin');
}

/** Resolves tokens to principals. */
export interface Authenticator {
  /** False when no token is configured: every client is `localPrincipal`. */
  readonly required: boolean;
  /**
   * @throws AUTH_REQUIRED when a token is required and none is given
   * @throws AUTH_INVALID_TOKEN when the token matches no configured digest
   */
  authenticate(token: string | undefined): Principal;
}

/** Extracts the token of an `Authorization: Bearer <token>` header; undefined when absent or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1] ?? '';
}

/** Builds an Authenticator over the `auth` config slice. */
export function createAuthenticator(auth: AuthConfig): Authenticator {
  const entries = auth.tokens.map((t) => ({
    digest: Buffer.from(t.sha256, 'hex'),
    principal: Object.freeze({ id: t.principal, scopes: new Set<Scope>(t.scopes) }) as Principal,
  }));
  return {
    required: entries.length > 0,
    authenticate(token) {
      if (entries.length === 0) return localPrincipal;
      if (token === undefined || token === '') throw new DaemonError('AUTH_REQUIRED', 'Authentication required: send "Authorization: Bearer <token>" or call "session.authenticate" first');
      const digest = createHash('sha256').update(token, 'utf8').digest();
      let found: Principal | undefined;
      for (const entry of entries) {
        if (timingSafeEqual(digest, entry.digest) && found === undefined) found = entry.principal;
      }
      if (found === undefined) throw new DaemonError('AUTH_INVALID_TOKEN', 'Cannot authenticate: the token is not known');
      return found;
    },
  };
}
