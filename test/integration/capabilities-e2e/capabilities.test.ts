/**
 * Capabilities end to end: the real daemon (CLI, port 0, token auth), a real ws client, the shipped
 * policies with test data (egress to the 127.0.0.1 test server, a small random.bytes budget), and
 * every built-in capability allowed and denied, with the events the submitter sees live.
 */
import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, workflow, type StartedDaemon, type TestClient } from '../../helpers/daemon.ts';
import { callEvents, egressTo, runToEnd, startEchoServer, tempPolicies, type EchoServer, type TempPolicies } from './support.ts';

const sha = (token: string): string => createHash('sha256').update(token).digest('hex');

let server: EchoServer;
let policies: TempPolicies;
let daemon: StartedDaemon;
let client: TestClient;

beforeAll(async () => {
  server = await startEchoServer();
  policies = await tempPolicies({
    egress: egressTo('127.0.0.1'),
    budgets: { default: 100, total: 1000, perCapability: { 'http.fetch': 50, 'random.bytes': 3 } },
  });
  daemon = await startDaemon({
    config: {
      auth: {
        tokens: [
          { sha256: sha('agent-token'), principal: 'agent', scopes: ['runs:start', 'runs:adhoc', 'runs:read'] },
          { sha256: sha('starter-token'), principal: 'starter', scopes: ['runs:start', 'runs:read'] },
        ],
      },
      policies: { dir: policies.dir, watch: false },
      capabilities: { http: { allowPrivateNetworks: true } },
    },
  });
  client = await daemon.connect({ token: 'agent-token' });
});

afterAll(async () => {
  await daemon?.[Symbol.asyncDispose]();
  await server?.close();
  await policies?.remove();
});

/** The guest catches a rejected call and returns what it saw. */
const caught = (expression: string): string => `try { return { ok: await ${expression} }; } catch (e) { return { code: e.code, message: e.message, reasons: e.details?.reasons ?? null }; }`;

describe('http.fetch', () => {
  it('streams requested and decision events live, then completed, while the call is in flight', async () => {
    const code = workflow(`const r = await ctx.http.fetch(input.url); return { status: r.status, body: r.body };`);
    const { runId } = await client.request<{ runId: string }>('runs.start', { code, capabilities: ['http.fetch'], input: { url: `${server.origin}/hold` } });
    // The server holds the request: the run is still running when the first two events arrive.
    const decision = await client.waitFor(() => client.eventsOf(runId).find((e) => e.type === 'policy.decision'));
    expect(client.eventsOf(runId).some((e) => e.type.startsWith('run.') && e.type !== 'run.accepted' && e.type !== 'run.started')).toBe(false);
    expect(decision.data).toMatchObject({ callId: 1, allow: true, reasons: [], policyRevision: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), decisionId: expect.any(String) });
    expect(decision.data.durationUs).toEqual(expect.any(Number));
    await client.waitFor(() => (server.requests.some((r) => r.url === '/hold') ? true : undefined));
    server.release();
    const end = await client.settled(runId);
    expect(end).toMatchObject({ type: 'run.completed', data: { output: { status: 200, body: 'released' } } });
    const events = client.eventsOf(runId);
    expect(events.map((e) => e.type)).toEqual(['run.accepted', 'run.started', 'capability.requested', 'policy.decision', 'capability.completed', 'run.completed']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events[0]!.data).toMatchObject({ principal: 'agent', capabilities: ['http.fetch'], admission: { policyRevision: decision.data.policyRevision } });
    expect(events[2]!.data).toEqual({ callId: 1, name: 'http.fetch', args: { url: `${server.origin}/hold` } });
    expect(events[4]!.data).toMatchObject({ callId: 1, result: { status: 200, body: 'released', url: `${server.origin}/hold` } });
  });

  it('denies a host that is not on the egress allow-list: POLICY_DENIED in the guest, nothing sent', async () => {
    const before = server.requests.length;
    const url = `http://127.0.0.2:${server.port}/echo`;
    const { end, events } = await runToEnd(client, workflow(caught(`ctx.http.fetch(${JSON.stringify(url)})`)), ['http.fetch']);
    const reason = 'egress to host "127.0.0.2" is not allowed: it is not on the egress allow-list';
    expect(end.data.output).toEqual({ code: 'POLICY_DENIED', message: expect.stringContaining(reason), reasons: [reason] });
    expect(callEvents(events, 1).map((e) => [e.type, e.data])).toEqual([
      ['capability.requested', { callId: 1, name: 'http.fetch', args: { url } }],
      ['policy.decision', expect.objectContaining({ callId: 1, allow: false, reasons: [reason] })],
      ['capability.failed', { callId: 1, error: { code: 'POLICY_DENIED', message: expect.stringContaining(reason), details: expect.objectContaining({ reasons: expect.arrayContaining([reason]) }) } }],
    ]);
    expect(server.requests.length).toBe(before);
  });

  it('re-asks the policy on a redirect and refuses a forbidden target before connecting to it', async () => {
    const target = 'http://forbidden.invalid/steal';
    const url = `${server.origin}/redirect?to=${encodeURIComponent(target)}`;
    const before = server.requests.length;
    const { end, events } = await runToEnd(client, workflow(caught(`ctx.http.fetch(${JSON.stringify(url)})`)), ['http.fetch']);
    expect(end.data.output).toMatchObject({ code: 'POLICY_DENIED', reasons: ['egress to host "forbidden.invalid" is not allowed: it is not on the egress allow-list'] });
    const call = callEvents(events, 1);
    expect(call.map((e) => e.type)).toEqual(['capability.requested', 'policy.decision', 'policy.decision', 'capability.failed']);
    expect(call[1]!.data).toMatchObject({ allow: true });
    expect(call[2]!.data).toMatchObject({ allow: false, followUp: { name: 'http.fetch', args: { url: target } } });
    expect(server.requests.slice(before).map((r) => r.url)).toEqual([`/redirect?to=${encodeURIComponent(target)}`]);
  });

  it('caps a large result in the event with its digest while the guest gets all of it', async () => {
    const big = await runToEnd(client, workflow(`const r = await ctx.http.fetch('${server.origin}/big?bytes=100000'); return r.body.length;`), ['http.fetch']);
    expect(big.end.data.output).toBe(100_000);
    const completed = callEvents(big.events, 1).find((e) => e.type === 'capability.completed')!;
    expect(completed.data.result).toMatchObject({ $capped: { bytes: expect.any(Number), sha256: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), limitBytes: 65_536 } });
  });
});

describe('fs.*', () => {
  it('writes, reads, lists and deletes in the run workspace, and removes the workspace after the run', async () => {
    const code = workflow(`
      const w = await ctx.fs.write('notes/a.txt', 'hello');
      const r = await ctx.fs.read('notes/a.txt');
      const l = await ctx.fs.list('notes');
      const d = await ctx.fs.delete('notes', { recursive: true });
      const after = await ctx.fs.list();
      return { w, r, l, d, after };`);
    const { runId, end, events } = await runToEnd(client, code, ['fs.write', 'fs.read', 'fs.list', 'fs.delete']);
    expect(end.data.output).toEqual({
      w: { bytes: 5 },
      r: { content: 'hello', bytes: 5 },
      l: { entries: [{ name: 'a.txt', type: 'file', bytes: 5 }], truncated: false },
      d: { deleted: true },
      after: { entries: [], truncated: false },
    });
    for (const callId of [1, 2, 3, 4, 5]) expect(callEvents(events, callId).map((e) => e.type)).toEqual(['capability.requested', 'policy.decision', 'capability.completed']);
    await expect(access(join(daemon.dir, 'var', 'workspaces', runId))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses path traversal and absolute paths in the host although the policy allowed the call', async () => {
    const code = workflow(`
      const out = [];
      for (const p of ['../escape.txt', 'a/../../escape.txt', '/etc/passwd']) {
        try { await ctx.fs.read(p); out.push('read'); } catch (e) { out.push(e.code); }
      }
      try { await ctx.fs.write('../../outside.txt', 'x'); out.push('written'); } catch (e) { out.push(e.code); }
      return out;`);
    const { end, events } = await runToEnd(client, code, ['fs.read', 'fs.write']);
    expect(end.data.output).toEqual(['FS_PATH_DENIED', 'FS_PATH_DENIED', 'FS_PATH_DENIED', 'FS_PATH_DENIED']);
    for (const callId of [1, 2, 3, 4]) {
      const call = callEvents(events, callId);
      expect(call.map((e) => e.type)).toEqual(['capability.requested', 'policy.decision', 'capability.failed']);
      expect(call[1]!.data.allow).toBe(true);
      expect(call[2]!.data).toMatchObject({ error: { code: 'FS_PATH_DENIED' } });
    }
    await expect(access(join(daemon.dir, 'var', 'outside.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('lets positional wrapper arguments win over same-named option keys', async () => {
    const code = workflow(`
      await ctx.fs.write('b.txt', 'hi', { path: '../evil.txt', content: 'evil' });
      return await ctx.fs.read('b.txt', { path: '../evil.txt', encoding: 'base64' });`);
    const { end, events } = await runToEnd(client, code, ['fs.write', 'fs.read']);
    expect(end.data.output).toEqual({ content: Buffer.from('hi').toString('base64'), bytes: 2 });
    expect(callEvents(events, 2)[0]!.data).toEqual({ callId: 2, name: 'fs.read', args: { path: 'b.txt', encoding: 'base64' } });
  });

  it('denies an fs call the run did not declare', async () => {
    const { end, events } = await runToEnd(client, workflow(caught(`ctx.fs.read('a.txt')`)), ['fs.write']);
    expect(end.data.output).toMatchObject({ code: 'POLICY_DENIED', reasons: ['capability "fs.read" is not declared by workflow "adhoc"'] });
    expect(callEvents(events, 1).map((e) => e.type)).toEqual(['capability.requested', 'policy.decision', 'capability.failed']);
  });
});

describe('kv.*', () => {
  it('puts, gets, lists and deletes durably across runs of the same principal', async () => {
    const first = await runToEnd(client, workflow(`return [await ctx.kv.put('color', { name: 'teal' }), await ctx.kv.put('size', 3)];`), ['kv.put']);
    expect(first.end.data.output).toEqual([{ created: true }, { created: true }]);
    const second = await runToEnd(
      client,
      workflow(`return { got: await ctx.kv.get('color'), list: await ctx.kv.list(), del: await ctx.kv.delete('size'), missing: await ctx.kv.get('size') };`),
      ['kv.get', 'kv.list', 'kv.delete'],
    );
    expect(second.end.data.output).toEqual({
      got: { found: true, value: { name: 'teal' } },
      list: { keys: ['color', 'size'], next: null },
      del: { deleted: true },
      missing: { found: false, value: null },
    });
    expect(callEvents(second.events, 1)[2]!.data).toEqual({ callId: 1, result: { found: true, value: { name: 'teal' } } });
  });

  it('denies kv.put when the run declared only kv.get', async () => {
    const { end } = await runToEnd(client, workflow(caught(`ctx.kv.put('k', 1)`)), ['kv.get']);
    expect(end.data.output).toMatchObject({ code: 'POLICY_DENIED', reasons: ['capability "kv.put" is not declared by workflow "adhoc"'] });
  });
});

describe('clock.now and random.bytes', () => {
  it('serves both when declared and denies both when not', async () => {
    const allowed = await runToEnd(client, workflow(`const t = await ctx.clock.now(); const r = await ctx.random.bytes(8); return { t, r };`), ['clock.now', 'random.bytes']);
    const output = allowed.end.data.output as { t: { epochMs: number; iso: string }; r: { hex: string } };
    expect(Math.abs(output.t.epochMs - Date.now())).toBeLessThan(60_000);
    expect(output.t.iso).toBe(new Date(output.t.epochMs).toISOString());
    expect(output.r.hex).toMatch(/^[0-9a-f]{16}$/);
    const denied = await runToEnd(client, workflow(`const out = []; for (const f of [() => ctx.clock.now(), () => ctx.random.bytes(1)]) { try { await f(); out.push('ok'); } catch (e) { out.push(e.code); } } return out;`), []);
    expect(denied.end.data.output).toEqual(['POLICY_DENIED', 'POLICY_DENIED']);
  });
});

describe('calls in one run', () => {
  it('serves several concurrent calls, each with its own callId and event sequence', async () => {
    const code = workflow(`
      const results = await Promise.all([ctx.random.bytes(4), ctx.clock.now(), ctx.kv.get('nothing-here'), ctx.fs.list(), ctx.http.fetch('${server.origin}/echo')]);
      return results.map((r) => Object.keys(r).sort().join(','));`);
    const { end, events } = await runToEnd(client, code, ['random.bytes', 'clock.now', 'kv.get', 'fs.list', 'http.fetch']);
    expect(end.data.output).toEqual(['hex', 'epochMs,iso', 'found,value', 'entries,truncated', 'body,headers,status,statusText,url']);
    const requested = events.filter((e) => e.type === 'capability.requested').map((e) => [e.data.callId, e.data.name]);
    expect(requested).toEqual([
      [1, 'random.bytes'],
      [2, 'clock.now'],
      [3, 'kv.get'],
      [4, 'fs.list'],
      [5, 'http.fetch'],
    ]);
    for (const callId of [1, 2, 3, 4, 5]) expect(callEvents(events, callId).map((e) => e.type)).toEqual(['capability.requested', 'policy.decision', 'capability.completed']);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it('denies calls beyond the per-run budget from the policy data', async () => {
    const code = workflow(`const out = []; for (let i = 0; i < 5; i++) { try { await ctx.random.bytes(1); out.push('ok'); } catch (e) { out.push(e.details.reasons.join('; ')); } } return out;`);
    const { end } = await runToEnd(client, code, ['random.bytes']);
    const spent = 'call budget exhausted: this run already made 3 of its 3 "random.bytes" calls';
    expect(end.data.output).toEqual(['ok', 'ok', 'ok', spent, spent]);
    // The budget is per run: a new run starts from zero.
    expect((await runToEnd(client, workflow(`return (await ctx.random.bytes(2)).hex.length;`), ['random.bytes'])).end.data.output).toBe(4);
  });
});

describe('cancellation', () => {
  it('cancels a run with a call in flight: the call is aborted and run.cancelled is the last event', async () => {
    const code = workflow(`await ctx.http.fetch(input.url); return 'finished';`);
    const { runId } = await client.request<{ runId: string }>('runs.start', { code, capabilities: ['http.fetch'], input: { url: `${server.origin}/hold` } });
    await client.waitFor(() => client.eventsOf(runId).find((e) => e.type === 'policy.decision'));
    await client.waitFor(() => (server.requests.some((r) => r.url === '/hold') ? true : undefined));
    expect(await client.request('runs.cancel', { runId })).toEqual({ runId, status: 'cancelled' });
    const end = await client.settled(runId);
    expect(end.type).toBe('run.cancelled');
    server.release();
    // Nothing may follow the terminal event, even once the held request is answered.
    await client.request('daemon.status');
    const events = client.eventsOf(runId);
    expect(events.at(-1)).toEqual(end);
    expect(events.filter((e) => e.type === 'capability.completed')).toEqual([]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });
});

describe('runs.start admission', () => {
  it('refuses ad-hoc code for a principal without runs:adhoc with POLICY_DENIED and the reasons', async () => {
    const starter = await daemon.connect({ token: 'starter-token' });
    const reply = await starter.call('runs.start', { code: workflow('return 1;'), capabilities: ['clock.now'] });
    expect(reply.error).toMatchObject({
      code: -32050,
      message: expect.stringContaining('ad-hoc code needs the "runs:adhoc" scope'),
      data: { code: 'POLICY_DENIED', retryable: false, details: { reasons: ['ad-hoc code needs the "runs:adhoc" scope'], policyRevision: expect.stringMatching(/^sha256:/) } },
    });
    expect(await starter.request('runs.list', {})).toEqual({ runs: [] });
    await starter.close();
  });

  it('refuses a declared capability the daemon does not have', async () => {
    const reply = await client.call('runs.start', { code: workflow('return 1;'), capabilities: ['clock.now', 'teleport.now'] });
    expect(reply.error?.data).toMatchObject({ code: 'CAPABILITY_UNKNOWN', details: { unknown: ['teleport.now'] } });
  });
});
