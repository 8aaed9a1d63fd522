/**
 * SSRF through the daemon: with `capabilities.http.allowPrivateNetworks` off (the default), the host
 * refuses loopback, private and link-local destinations with CAPABILITY_NETWORK_DENIED even though
 * the policy's egress allow-list names them: address literals, a name resolving to loopback
 * (`localhost`), and a redirect (allowed by the policy) to a private address. A second daemon opens
 * only 127.0.0.1/32 through `allowedCidrs`, so the test server is reachable for the redirect case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, workflow, type StartedDaemon, type TestClient } from '../../helpers/daemon.ts';
import { callEvents, egressTo, runToEnd, startEchoServer, tempPolicies, type EchoServer, type TempPolicies } from './support.ts';

let server: EchoServer;
let policies: TempPolicies;
/** Private networks off, no exceptions. */
let strict: StartedDaemon;
/** Private networks off except 127.0.0.1/32, so the test server is reachable for the redirect case. */
let opened: StartedDaemon;

beforeAll(async () => {
  server = await startEchoServer();
  policies = await tempPolicies({ egress: egressTo('127.0.0.1', '127.0.0.2', 'localhost', '10.0.0.1', '169.254.169.254', '[::1]') });
  [strict, opened] = await Promise.all([
    startDaemon({ config: { policies: { dir: policies.dir, watch: false } } }),
    startDaemon({ config: { policies: { dir: policies.dir, watch: false }, capabilities: { http: { allowPrivateNetworks: false, allowedCidrs: ['127.0.0.1/32'] } } } }),
  ]);
});

afterAll(async () => {
  await strict?.[Symbol.asyncDispose]();
  await opened?.[Symbol.asyncDispose]();
  await server?.close();
  await policies?.remove();
});

const fetchCode = (url: string): string => workflow(`try { await ctx.http.fetch(${JSON.stringify(url)}); return 'fetched'; } catch (e) { return { code: e.code, message: e.message }; }`);

describe('http.fetch SSRF protections', () => {
  it.each([
    ['a private address literal', 'http://10.0.0.1/admin'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['an IPv6 loopback literal', 'http://[::1]:9/'],
    ['the test server by its loopback address', 'http://127.0.0.1:PORT/echo'],
    ['a name resolving to loopback (localhost)', 'http://localhost:PORT/echo'],
  ])('refuses %s although the policy allows it, and never connects', async (_, template) => {
    const url = template.replace('PORT', String(server.port));
    const client: TestClient = await strict.connect();
    const before = server.requests.length;
    const { end, events } = await runToEnd(client, fetchCode(url), ['http.fetch']);
    expect(end.data.output).toMatchObject({ code: 'CAPABILITY_NETWORK_DENIED' });
    const call = callEvents(events, 1);
    expect(call.map((e) => e.type)).toEqual(['capability.requested', 'policy.decision', 'capability.failed']);
    expect(call[1]!.data.allow).toBe(true);
    expect(call[2]!.data).toMatchObject({ error: { code: 'CAPABILITY_NETWORK_DENIED' } });
    expect(server.requests.length).toBe(before);
    await client.close();
  });

  it('refuses a redirect to a private address after the policy allowed it', async () => {
    const client = await opened.connect();
    const target = `http://127.0.0.2:${server.port}/echo`;
    const before = server.requests.length;
    const { end, events } = await runToEnd(client, fetchCode(`${server.origin}/redirect?to=${encodeURIComponent(target)}`), ['http.fetch']);
    expect(end.data.output).toMatchObject({ code: 'CAPABILITY_NETWORK_DENIED' });
    const call = callEvents(events, 1);
    expect(call.map((e) => e.type)).toEqual(['capability.requested', 'policy.decision', 'policy.decision', 'capability.failed']);
    expect(call[2]!.data).toMatchObject({ allow: true, followUp: { name: 'http.fetch', args: { url: target } } });
    expect(server.requests.slice(before).map((r) => r.url)).toEqual([expect.stringMatching(/^\/redirect/)]);
    // The opened address itself is reachable: the refusal above is about the redirect target.
    expect((await runToEnd(client, fetchCode(`${server.origin}/echo`), ['http.fetch'])).end.data.output).toBe('fetched');
    await client.close();
  });
});
