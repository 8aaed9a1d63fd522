// The one-line messages client commands print for connection and request failures, with hints.
import { describe, expect, it } from 'vitest';
import { describeConnectionError, describeRpcError } from '../../../src/cli/describe-client-error.ts';
import { AiwsConnectionError, AiwsRpcError } from '../../../src/client/index.ts';

const url = 'ws://127.0.0.1:7777/v1';

describe('describeConnectionError', () => {
  it('asks whether the daemon runs when the connection is refused', () => {
    const error = new AiwsConnectionError('connect', url, 'x', { detail: 'connect ECONNREFUSED 127.0.0.1:7777' });
    expect(describeConnectionError(url, error)).toBe(`cannot connect to aiws daemon at ${url}: connect ECONNREFUSED 127.0.0.1:7777 (is "aiws serve" running?)`);
  });

  it('points at the token for a 401 and at the path for a 404', () => {
    expect(describeConnectionError(url, new AiwsConnectionError('rejected', url, 'x', { detail: 'HTTP 401', httpStatus: 401 }))).toMatch(/HTTP 401 \(check --token or AIWS_TOKEN\)$/);
    expect(describeConnectionError(url, new AiwsConnectionError('rejected', url, 'x', { detail: 'HTTP 404', httpStatus: 404 }))).toMatch(/HTTP 404 \(check the path in --url/);
  });

  it('gives no hint it cannot justify', () => {
    const error = new AiwsConnectionError('closed', url, 'x', { detail: 'connection closed: code 1006', closeCode: 1006 });
    expect(describeConnectionError(url, error)).toBe(`cannot connect to aiws daemon at ${url}: connection closed: code 1006`);
  });
});

describe('describeRpcError', () => {
  it('appends the stable code, and the token hint for authentication failures', () => {
    expect(describeRpcError(new AiwsRpcError('runs.start', { code: -32031, message: 'Cannot start run: queue is full', data: { code: 'DAEMON_BUSY' } }))).toBe(
      'Cannot start run: queue is full (DAEMON_BUSY)',
    );
    expect(describeRpcError(new AiwsRpcError('daemon.status', { code: -32001, message: 'Authenticate first', data: { code: 'AUTH_REQUIRED' } }))).toBe(
      'Authenticate first (AUTH_REQUIRED) (check --token or AIWS_TOKEN)',
    );
    expect(describeRpcError(new AiwsRpcError('x', { code: -32601, message: 'No such method' }))).toBe('No such method');
  });
});
