/** Unit tests of the protocol codec: every JSON-RPC error class, param validation, encoding. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { DaemonError } from '../../../src/errors/index.ts';
import {
  decodeMessage,
  encodeError,
  encodeResult,
  encodeRunEvent,
  toDaemonError,
  validateRunEvent,
  type DecodedMessage,
  type MethodMap,
  type RunEvent,
} from '../../../src/protocol/index.ts';

function rejected(message: DecodedMessage): { id: unknown; code: string; message: string; details: unknown } {
  if (message.type !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(message)}`);
  return { id: message.id, code: message.error.code, message: message.error.message, details: message.error.details };
}

const request = (method: string, params?: unknown, id: unknown = 1): string => JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });

describe('decodeMessage', () => {
  it('answers invalid JSON with PROTO_PARSE_ERROR and id null', () => {
    expect(rejected(decodeMessage('{"jsonrpc":'))).toMatchObject({ id: null, code: 'PROTO_PARSE_ERROR' });
  });

  it('answers a batch with PROTO_INVALID_REQUEST', () => {
    expect(rejected(decodeMessage(`[${request('daemon.status')}]`))).toMatchObject({ id: null, code: 'PROTO_INVALID_REQUEST', message: expect.stringContaining('batch') });
  });

  it.each([
    ['a number', '42'],
    ['a wrong version', JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'daemon.status' })],
    ['no method', JSON.stringify({ jsonrpc: '2.0', id: 1 })],
    ['an extra member', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon.status', extra: true })],
    ['params that are a string', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon.status', params: 'x' })],
  ])('answers %s with PROTO_INVALID_REQUEST', (_name, text) => {
    expect(rejected(decodeMessage(text)).code).toBe('PROTO_INVALID_REQUEST');
  });

  it('keeps a valid id on an invalid request and replaces an invalid id by null', () => {
    expect(rejected(decodeMessage(JSON.stringify({ jsonrpc: '2.0', id: 'a', method: 7 }))).id).toBe('a');
    expect(rejected(decodeMessage(JSON.stringify({ jsonrpc: '2.0', id: { x: 1 }, method: 'daemon.status' }))).id).toBe(null);
  });

  it('answers an unknown method with PROTO_METHOD_NOT_FOUND', () => {
    expect(rejected(decodeMessage(request('runs.explode', {})))).toMatchObject({ id: 1, code: 'PROTO_METHOD_NOT_FOUND', message: 'Unknown method "runs.explode"' });
  });

  it('leaves the id undefined for a notification so no reply is sent', () => {
    expect(rejected(decodeMessage(JSON.stringify({ jsonrpc: '2.0', method: 'nope' }))).id).toBeUndefined();
  });

  it('answers bad params with PROTO_INVALID_PARAMS listing every ajv path', () => {
    const r = rejected(decodeMessage(request('runs.start', { code: 'x', limits: { cpuMs: 0, gpu: 1 }, subscribe: 'yes' })));
    expect(r.code).toBe('PROTO_INVALID_PARAMS');
    const paths = (r.details as { errors: { path: string }[] }).errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/limits/cpuMs', '/limits', '/subscribe']));
  });

  it('requires exactly one of code and workflow', () => {
    expect(rejected(decodeMessage(request('runs.start', { code: 'x', workflow: 'hello@1' }))).code).toBe('PROTO_INVALID_PARAMS');
    expect(rejected(decodeMessage(request('runs.start', { input: 1 }))).code).toBe('PROTO_INVALID_PARAMS');
  });

  it('refuses positional params', () => {
    expect(rejected(decodeMessage(request('runs.get', ['run_1']))).code).toBe('PROTO_INVALID_PARAMS');
  });

  it('refuses a malformed since timestamp', () => {
    expect(rejected(decodeMessage(request('runs.list', { since: 'yesterday' }))).details).toMatchObject({ errors: [{ path: '/since', keyword: 'format' }] });
  });

  it('decodes a valid call and applies schema defaults', () => {
    expect(decodeMessage(request('runs.start', { code: 'export default () => 1' }))).toEqual({
      type: 'call',
      id: 1,
      method: 'runs.start',
      params: { code: 'export default () => 1', subscribe: true },
    });
    expect(decodeMessage(request('runs.list'))).toMatchObject({ type: 'call', params: { limit: 50 } });
    expect(decodeMessage(request('runs.subscribe', { runId: 'r' }))).toMatchObject({ type: 'call', params: { runId: 'r', afterSeq: 0 } });
  });
});

describe('encodeError', () => {
  it('puts the rpc code of the class and the stable code in data', () => {
    const text = encodeError(7, new DaemonError('DAEMON_BUSY', 'Cannot start a run: full', { details: { queued: 3 } }));
    expect(JSON.parse(text)).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32031, message: 'Cannot start a run: full', data: { code: 'DAEMON_BUSY', retryable: true, details: { queued: 3 } } },
    });
  });

  it('uses the reserved codes for protocol errors', () => {
    for (const [code, rpc] of [['PROTO_PARSE_ERROR', -32700], ['PROTO_INVALID_REQUEST', -32600], ['PROTO_METHOD_NOT_FOUND', -32601], ['PROTO_INVALID_PARAMS', -32602]] as const) {
      expect(JSON.parse(encodeError(null, new DaemonError(code, 'x'))).error.code).toBe(rpc);
    }
  });
});

describe('toDaemonError', () => {
  it('hides an unexpected error behind INTERNAL with an errorId', () => {
    const error = toDaemonError(new TypeError('secret internals'), 'e-1');
    expect(error.code).toBe('INTERNAL');
    expect(error.message).not.toContain('secret');
    expect(error.details).toEqual({ errorId: 'e-1' });
  });
});

describe('encodeResult and encodeRunEvent', () => {
  it('encodes a response and a schema-valid run.event notification', () => {
    expect(JSON.parse(encodeResult('a', { runId: 'r' }))).toEqual({ jsonrpc: '2.0', id: 'a', result: { runId: 'r' } });
    const event: RunEvent = { runId: 'r', seq: 1, ts: new Date().toISOString(), type: 'run.started', data: {} };
    const message = JSON.parse(encodeRunEvent(event));
    expect(message).toEqual({ jsonrpc: '2.0', method: 'run.event', params: event });
    expect(validateRunEvent(message.params)).toBe(true);
    expect(validateRunEvent({ ...event, seq: 0 })).toBe(false);
  });

  it('types params and results per method', () => {
    expectTypeOf<MethodMap['runs.start']['result']>().toEqualTypeOf<{ readonly runId: string }>();
    expectTypeOf<MethodMap['runs.subscribe']['params']['afterSeq']>().toEqualTypeOf<number | undefined>();
  });
});
