/** Authentication: bearer tokens → principals with scopes. */
export { createAuthenticator, bearerToken, hasScope, localPrincipal, type Authenticator, type Principal } from './authenticator.ts';
