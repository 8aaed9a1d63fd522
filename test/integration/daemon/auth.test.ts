/**
 * End-to-end: token authentication (header and in-band), scopes and principal isolation.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, startDaemon, workflow, type StartedDaemon } from '../../helpers/daemon.ts';

const sha256 = (token: string): string => createHash('sha256').update(token).digest('hex');
const worker = ['runs:start', 'runs:adhoc', 'runs:read'];
const code = workflow('return input;');

let daemon: StartedDaemon;

beforeAll(async () => {
  daemon = await startDaemon({
    config: {
      auth: {
        handshakeTimeoutMs: 1500,
        tokens: [
          { sha256: sha256('alice-secret'), principal: 'alice', scopes: worker },
          { sha256: sha256('bob-secret'), principal: 'bob', scopes: worker },
          { sha256: sha256('reader-secret'), principal: 'reader', scopes: ['runs:read'] },
          { sha256: sha256('starter-secret'), principal: 'starter', scopes: ['runs:start', 'runs:read'] },
          { sha256: sha256('root-secret'), principal: 'root', scopes: ['admin'] },
        ],
      },
    },
  });
});

afterAll(async () => {
  await daemon?.[Symbol.asyncDispose]();
});

describe('Authorization header', () => {
  it('refuses the upgrade with 401 for an unknown token', async () => {
    await expect(connect(daemon.url, { token: 'wrong' })).rejects.toMatchObject({ status: 401 });
  });

  it('accepts a known token and never logs it', async () => {
    const alice = await daemon.connect({ token: 'alice-secret' });
    const { runId } = await alice.request<{ runId: string }>('runs.start', { code, input: 1 });
    expect(await alice.settled(runId)).toMatchObject({ type: 'run.completed', data: { output: 1 } });
    await alice.close();
    expect(daemon.stderr()).not.toContain('alice-secret');
  });
});

describe('session.authenticate', () => {
  it('lets a client without a header authenticate in-band', async () => {
    const browser = await daemon.connect();
    expect(await browser.request('session.authenticate', { token: 'bob-secret' })).toEqual({ principal: 'bob', scopes: worker });
    expect((await browser.request<{ runs: unknown[] }>('runs.list')).runs).toBeInstanceOf(Array);
    await browser.close();
  });

  it('answers a bad token with AUTH_INVALID_TOKEN and closes 1008', async () => {
    const browser = await daemon.connect();
    const reply = await browser.call('session.authenticate', { token: 'nope' });
    expect(reply.error).toMatchObject({ code: -32001, data: { code: 'AUTH_INVALID_TOKEN' } });
    expect((await browser.closed).code).toBe(1008);
  });

  it('answers any other first call with AUTH_REQUIRED and closes 1008', async () => {
    const browser = await daemon.connect();
    const reply = await browser.call('runs.list', {});
    expect(reply.error?.data.code).toBe('AUTH_REQUIRED');
    const closed = await browser.closed;
    expect(closed).toMatchObject({ code: 1008, reason: expect.stringContaining('AUTH_REQUIRED') });
  });

  it('closes a connection that never authenticates with 1008 after handshakeTimeoutMs', async () => {
    const silent = await daemon.connect();
    expect(await silent.closed).toMatchObject({ code: 1008, reason: expect.stringContaining('AUTH_REQUIRED') });
  });
});

describe('scopes and isolation', () => {
  it('hides a principal\'s runs from another principal and shows them to admin', async () => {
    const alice = await daemon.connect({ token: 'alice-secret' });
    const bob = await daemon.connect({ token: 'bob-secret' });
    const root = await daemon.connect({ token: 'root-secret' });
    const { runId } = await alice.request<{ runId: string }>('runs.start', { code, input: 'private' });
    await alice.settled(runId);
    for (const method of ['runs.get', 'runs.subscribe', 'runs.cancel', 'runs.unsubscribe']) {
      expect((await bob.call(method, { runId })).error?.data.code, method).toBe('RUN_NOT_FOUND');
    }
    expect((await bob.request<{ runs: { runId: string }[] }>('runs.list')).runs.map((r) => r.runId)).not.toContain(runId);
    expect(await root.request('runs.get', { runId })).toMatchObject({ principal: 'alice', output: 'private' });
    await root.request('runs.subscribe', { runId });
    expect((await root.settled(runId)).type).toBe('run.completed');
    const second = await daemon.connect({ token: 'alice-secret' });
    await second.request('runs.subscribe', { runId });
    await second.settled(runId);
    expect(second.eventsOf(runId)).toEqual(alice.eventsOf(runId));
    for (const c of [alice, bob, root, second]) await c.close();
  });

  it('answers a call without the needed scope with AUTH_FORBIDDEN', async () => {
    const reader = await daemon.connect({ token: 'reader-secret' });
    const reply = await reader.call('runs.start', { code });
    expect(reply.error).toMatchObject({ code: -32003, data: { code: 'AUTH_FORBIDDEN', details: { scope: 'runs:start' } } });
    await reader.close();
  });

  it('refuses code from a principal without runs:adhoc through the admission policy', async () => {
    const starter = await daemon.connect({ token: 'starter-secret' });
    const reply = await starter.call('runs.start', { code });
    expect(reply.error).toMatchObject({ code: -32050, data: { code: 'POLICY_DENIED', details: { reasons: ['ad-hoc code needs the "runs:adhoc" scope'] } } });
    await starter.close();
  });
});
