/**
 * The one line a client command prints when the daemon cannot be reached or refuses a request, with a
 * hint where the cause is a likely mistake (the token, the URL).
 */
import { AiwsConnectionError, type AiwsRpcError } from '../client/index.ts';

const tokenHint = ' (check --token or AIWS_TOKEN)';

/** `cannot connect to aiws daemon at ws://…: connect ECONNREFUSED 127.0.0.1:7777 (is "aiws serve" running?)` */
export function describeConnectionError(url: string, error: unknown): string {
  if (!(error instanceof AiwsConnectionError)) return `cannot connect to aiws daemon at ${url}: ${(error as Error).message}`;
  let hint = '';
  if (error.httpStatus === 401 || error.httpStatus === 403) hint = tokenHint;
  else if (error.httpStatus === 404 || error.httpStatus === 400) hint = ' (check the path in --url; protocol v1 lives at /v1)';
  else if (error.failure === 'connect' && error.detail.includes('ECONNREFUSED')) hint = ' (is "aiws serve" running?)';
  return `cannot connect to aiws daemon at ${url}: ${error.detail}${hint}`;
}

/** `Cannot start run: … (DAEMON_BUSY)`, with the token hint for authentication failures. */
export function describeRpcError(error: AiwsRpcError): string {
  const code = error.code === undefined ? '' : ` (${error.code})`;
  const hint = error.code === 'AUTH_REQUIRED' || error.code === 'AUTH_INVALID_TOKEN' ? tokenHint : '';
  return `${error.message}${code}${hint}`;
}
