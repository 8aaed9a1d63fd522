/**
 * End-to-end: protocol errors over a real socket. Each error is answered and the same connection keeps
 * working; an oversize frame closes only its own connection with 1009.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, startDaemon, type StartedDaemon, type TestClient } from '../../helpers/daemon.ts';

let daemon: StartedDaemon;
let client: TestClient;

beforeAll(async () => {
  daemon = await startDaemon({ config: { limits: { maxMessageBytes: 16_384 } } });
  client = await daemon.connect();
});

afterAll(async () => {
  await daemon?.[Symbol.asyncDispose]();
});

async function stillUsable(c: TestClient): Promise<void> {
  const status = await c.request<{ version: string }>('daemon.status');
  expect(status.version).toMatch(/^\d+\.\d+\.\d+/);
}

describe('protocol errors', () => {
  it('answers a frame that is not JSON with -32700 and id null', async () => {
    client.send('{"jsonrpc": "2.0", "id": 1, "method": ');
    const reply = await client.waitFor(() => client.replies.find((r) => r.error?.code === -32700));
    expect(reply).toMatchObject({ id: null, error: { data: { code: 'PROTO_PARSE_ERROR', retryable: false } } });
    await stillUsable(client);
  });

  it('answers an invalid request with -32600, keeping its id', async () => {
    client.send(JSON.stringify({ jsonrpc: '2.0', id: 'bad-1', method: 42 }));
    const reply = await client.waitFor(() => client.replies.find((r) => r.id === 'bad-1'));
    expect(reply.error).toMatchObject({ code: -32600, data: { code: 'PROTO_INVALID_REQUEST' } });
    await stillUsable(client);
  });

  it('answers a batch with -32600', async () => {
    client.send(JSON.stringify([{ jsonrpc: '2.0', id: 'b', method: 'daemon.status' }]));
    const reply = await client.waitFor(() => client.replies.find((r) => r.error?.message.includes('batch')));
    expect(reply).toMatchObject({ id: null, error: { code: -32600 } });
    await stillUsable(client);
  });

  it('answers an unknown method with -32601', async () => {
    const reply = await client.call('runs.explode', {});
    expect(reply.error).toMatchObject({ code: -32601, message: 'Unknown method "runs.explode"', data: { code: 'PROTO_METHOD_NOT_FOUND' } });
    await stillUsable(client);
  });

  it('answers bad params with -32602 and every ajv path in data.details', async () => {
    const reply = await client.call('runs.start', { code: 'x', limits: { cpuMs: -1 }, colour: 'red' });
    expect(reply.error).toMatchObject({ code: -32602, data: { code: 'PROTO_INVALID_PARAMS' } });
    const errors = reply.error!.data.details.errors as { path: string; keyword: string }[];
    expect(errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/limits/cpuMs', keyword: 'minimum' }), expect.objectContaining({ path: '', keyword: 'additionalProperties' })]));
    await stillUsable(client);
  });

  it('sends no reply to a notification, even an invalid one', async () => {
    const before = client.replies.length;
    client.send(JSON.stringify({ jsonrpc: '2.0', method: 'no.such.thing' }));
    await stillUsable(client);
    expect(client.replies.length).toBe(before + 1);
  });

  it('closes an oversize frame with 1009, and only that connection', async () => {
    const victim = await daemon.connect();
    victim.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'runs.start', params: { code: 'x'.repeat(20_000) } }));
    expect((await victim.closed).code).toBe(1009);
    await stillUsable(client);
    const fresh = await daemon.connect();
    await stillUsable(fresh);
    await fresh.close();
  });

  it('accepts a frame just under maxMessageBytes', async () => {
    const code = `export default async () => ${JSON.stringify('y'.repeat(12_000))}.length;`;
    const { runId } = await client.request<{ runId: string }>('runs.start', { code });
    expect(await client.settled(runId)).toMatchObject({ type: 'run.completed', data: { output: 12_000 } });
  });
});

describe('daemon.status', () => {
  it('reports version, uptime, runs by status, pool and policy revision', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const status = await client.request<Record<string, unknown>>('daemon.status');
    expect(status).toMatchObject({
      version: pkg.version,
      state: 'running',
      uptimeMs: expect.any(Number),
      runs: { queued: 0, running: 0, completed: expect.any(Number), failed: 0, cancelled: 0, interrupted: 0 },
      pool: { workers: 1, idleIsolates: expect.any(Number), activeRuns: 0, workerRestarts: 0 },
      policyRevision: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      policy: { revision: expect.stringMatching(/^sha256:/), source: 'rego', watching: false, entrypoints: ['aiws/admission/decision', 'aiws/capability/decision'] },
    });
    expect((status.policy as { revision: string }).revision).toBe(status.policyRevision);
    expect(status.connections).toBeGreaterThanOrEqual(1);
  });
});

describe('upgrade', () => {
  it('refuses another path with 404 and another subprotocol with 400', async () => {
    await expect(connect(daemon.url.replace('/v1', '/v2'))).rejects.toMatchObject({ status: 404 });
    await expect(connect(daemon.url, { protocols: ['aiws.v2'] })).rejects.toMatchObject({ status: 400 });
  });
});
