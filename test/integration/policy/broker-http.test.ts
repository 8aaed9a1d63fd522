/**
 * The broker serving http.fetch against a real HTTP server on 127.0.0.1, decided by the real
 * PolicyEngine over the shipped policies with the egress data overridden for the test (http to
 * 127.0.0.1 only): allowed and denied requests, secret substitution without the value reaching any
 * event or log line, and a redirect to a host the policy forbids.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/log/index.ts';
import { localEgressYaml } from '../../unit/policy/support/policy-dir.ts';
import { adhocWorkflow, createBrokerFixture, recordHooks, reportWorkflow } from '../../unit/capabilities/broker-support.ts';
import { startTestServer } from '../capabilities/test-server.ts';

const secretValue = 'sk-live-5e5e5e5e-policy';

function captureLines(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: pino({ level: 'trace' }, sink), lines };
}

const fixture = (logger?: Logger) =>
  createBrokerFixture({
    policyFiles: { 'aiws/settings/egress.yaml': localEgressYaml },
    http: { allowedCidrs: ['127.0.0.1/32'] },
    secrets: { 'billing-api': secretValue, 'deploy-key': 'dk-0000' },
    ...(logger === undefined ? {} : { logger }),
  });

describe('CapabilityBroker with http.fetch', () => {
  it('fetches from an allowed host', async () => {
    const server = await startTestServer();
    const f = await fixture();
    const { hooks, events } = recordHooks();
    const result = await f.broker.invoke({ callId: 1, name: 'http.fetch', args: { url: `${server.origin}/json` } }, f.run(reportWorkflow), hooks);
    expect(result).toMatchObject({ status: 200 });
    expect(events.map((e) => e.type)).toEqual(['capability.requested', 'policy.decision', 'capability.completed']);
    expect(server.requests).toHaveLength(1);
  });

  it('denies a host off the allow-list and a non-GET from ad-hoc code without sending anything', async () => {
    const server = await startTestServer();
    const f = await fixture();
    const offList = server.origin.replace('127.0.0.1', 'localhost');
    await expect(f.broker.invoke({ callId: 1, name: 'http.fetch', args: { url: `${offList}/echo` } }, f.run(reportWorkflow))).rejects.toMatchObject({
      code: 'POLICY_DENIED',
      message: 'Cannot call capability "http.fetch": denied by policy: egress to host "localhost" is not allowed: it is not on the egress allow-list',
    });
    // The URL parser reads "\\" as "/": the host is localhost, whatever follows the "@".
    const backslash = `${server.origin.replace('127.0.0.1', 'localhost')}\\@127.0.0.1:${server.port}/echo`;
    await expect(f.broker.invoke({ callId: 2, name: 'http.fetch', args: { url: backslash } }, f.run(reportWorkflow))).rejects.toMatchObject({
      code: 'POLICY_DENIED',
      message: expect.stringContaining('egress to host "localhost" is not allowed'),
    });
    const adhoc = f.run(adhocWorkflow, { scopes: ['runs:adhoc'] });
    await expect(f.broker.invoke({ callId: 1, name: 'http.fetch', args: { url: `${server.origin}/echo`, method: 'DELETE' } }, adhoc)).rejects.toMatchObject({
      code: 'POLICY_DENIED',
      message: expect.stringContaining('ad-hoc code may only send GET requests, not "DELETE"'),
    });
    expect(await f.broker.invoke({ callId: 2, name: 'http.fetch', args: { url: `${server.origin}/echo` } }, adhoc)).toMatchObject({ status: 200 });
    expect(server.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('substitutes a granted secret after the decision, and no event or log line carries its value', async () => {
    const server = await startTestServer();
    const { logger, lines } = captureLines();
    const f = await fixture(logger);
    const { hooks, events } = recordHooks();
    const args = { url: `${server.origin}/echo`, method: 'POST', headers: { authorization: { $secret: 'billing-api' } }, body: 'total=1' };
    const result = (await f.broker.invoke({ callId: 1, name: 'http.fetch', args }, f.run(reportWorkflow), hooks)) as { body: string };
    expect(server.requests[0]?.headers.authorization).toBe(secretValue);
    expect(result.body).toContain('[secret:billing-api]');
    expect(events[0]?.data.args).toEqual(args);
    const everything = JSON.stringify(events) + lines.join('') + JSON.stringify(result);
    expect(everything).not.toContain(secretValue);
    expect(everything).toContain('"$secret":"billing-api"');

    // A secret the workflow is not granted is refused by the policy before substitution.
    await expect(
      f.broker.invoke({ callId: 2, name: 'http.fetch', args: { url: `${server.origin}/echo`, headers: { authorization: { $secret: 'deploy-key' } } } }, f.run(reportWorkflow)),
    ).rejects.toMatchObject({ code: 'POLICY_DENIED', message: expect.stringContaining('may not use secret "deploy-key"') });
    expect(server.requests).toHaveLength(1);
  });

  it('re-asks the policy on a redirect and refuses one to a forbidden host', async () => {
    const server = await startTestServer();
    const f = await fixture();
    const run = f.run(reportWorkflow);
    const { hooks, events } = recordHooks();
    const allowedHop = `${server.origin}/redirect?to=${encodeURIComponent(`${server.origin}/json`)}`;
    expect(await f.broker.invoke({ callId: 1, name: 'http.fetch', args: { url: allowedHop } }, run, hooks)).toMatchObject({ status: 200, url: `${server.origin}/json` });
    const followUps = events.filter((e) => e.type === 'policy.decision' && e.data.followUp !== undefined);
    expect(followUps.map((e) => e.data)).toMatchObject([{ callId: 1, allow: true, followUp: { name: 'http.fetch', args: { url: `${server.origin}/json`, method: 'GET' } } }]);

    const forbidden = `${server.origin.replace('127.0.0.1', 'localhost')}/echo`;
    const error = await f.broker.invoke({ callId: 2, name: 'http.fetch', args: { url: `${server.origin}/redirect?to=${encodeURIComponent(forbidden)}` } }, run, hooks).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'POLICY_DENIED', message: expect.stringContaining('Cannot follow up with capability "http.fetch": denied by policy: egress to host "localhost"') });
    expect(events.at(-2)).toMatchObject({ type: 'policy.decision', data: { callId: 2, allow: false, followUp: { args: { url: forbidden } } } });
    expect(events.at(-1)).toMatchObject({ type: 'capability.failed', data: { callId: 2, error: { code: 'POLICY_DENIED' } } });
    expect(server.requests.map((r) => r.url)).toEqual([expect.stringMatching(/^\/redirect/), '/json', expect.stringMatching(/^\/redirect/)]);
  });
});
