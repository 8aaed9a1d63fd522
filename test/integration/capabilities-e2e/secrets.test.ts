/**
 * Secret substitution end to end: secret values come from the daemon config (a literal and an
 * environment variable); the workflow passes `{"$secret": name}` references; the test server receives
 * the real values; and neither value appears in any event of the run, in the daemon's log output
 * (at debug level, through shutdown) or anywhere the guest can look (its output and its logs).
 *
 * The shipped policy gives ad-hoc code no secrets (only store workflows get them), so this daemon runs
 * a small test policy that grants the two secrets to ad-hoc code and nothing else.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, workflow, type StartedDaemon, type TestClient } from '../../helpers/daemon.ts';
import { callEvents, runToEnd, startEchoServer, tempPolicies, type EchoServer, type TempPolicies } from './support.ts';

const apiValue = `env-secret-${randomBytes(12).toString('hex')}`;
const literalValue = `literal-secret-${randomBytes(12).toString('hex')}`;

const capabilityPolicy = `package aiws.capability

decision := {"allow": count(deny) == 0, "reasons": sort(deny)}

granted := {"api", "literal-key", "missing"}

deny contains msg if {
	not input.capability.name in input.workflow.declaredCapabilities
	msg := sprintf("capability %q is not declared", [input.capability.name])
}

deny contains msg if {
	walk(input.capability.args, [_, value])
	is_object(value)
	name := value["$secret"]
	not name in granted
	msg := sprintf("secret %q is not granted", [name])
}
`;

const admissionPolicy = `package aiws.admission

decision := {"allow": true, "reasons": []}
`;

let server: EchoServer;
let policies: TempPolicies;
let daemon: StartedDaemon;
let client: TestClient;

beforeAll(async () => {
  server = await startEchoServer();
  policies = await tempPolicies({}, { empty: true });
  await policies.write('aiws/capability.rego', capabilityPolicy);
  await policies.write('aiws/admission.rego', admissionPolicy);
  daemon = await startDaemon({
    config: {
      log: { level: 'debug' },
      policies: { dir: policies.dir, watch: false },
      secrets: { api: { env: 'E2E_API_TOKEN' }, 'literal-key': literalValue },
      capabilities: { http: { allowPrivateNetworks: true } },
    },
    env: { E2E_API_TOKEN: apiValue },
  });
  client = await daemon.connect();
});

afterAll(async () => {
  await daemon?.[Symbol.asyncDispose]();
  await server?.close();
  await policies?.remove();
});

const snoop = workflow(`
  const seen = {};
  seen.result = await ctx.http.fetch(input.url + '/echo', {
    method: 'POST',
    headers: { authorization: { $secret: 'api' }, 'x-literal': { $secret: 'literal-key' } },
    body: { $secret: 'literal-key' },
  });
  seen.ctx = Object.getOwnPropertyNames(ctx);
  seen.globals = Object.getOwnPropertyNames(globalThis);
  seen.input = input;
  try { await ctx.call('secrets.get', { name: 'api' }); } catch (e) { seen.secretsGet = e.code; }
  try { await ctx.http.fetch(input.url + '/echo', { headers: { a: { $secret: 'missing' } } }); } catch (e) { seen.missing = { code: e.code, message: e.message }; }
  try { await ctx.http.fetch(input.url + '/echo', { headers: { a: { $secret: 'other' } } }); } catch (e) { seen.other = { code: e.code, message: e.message }; }
  await ctx.kv.put('laundered', { $secret: 'api' });
  seen.kv = await ctx.kv.get('laundered');
  ctx.log('everything I saw', { seen: JSON.stringify(seen) });
  ctx.log(JSON.stringify(seen));
  return seen;`);

describe('secret references', () => {
  it('substitutes values on the host only: never in events, logs or the guest', async () => {
    const { runId, end, events } = await runToEnd(client, snoop, ['http.fetch', 'kv.put', 'kv.get'], { url: server.origin });
    expect(end.type).toBe('run.completed');

    // The server got the real values.
    const first = server.requests.find((r) => r.method === 'POST')!;
    expect(first.headers.authorization).toBe(apiValue);
    expect(first.headers['x-literal']).toBe(literalValue);
    expect(first.body).toBe(literalValue);

    // The guest saw the echo with the values replaced, and nothing else leaked to it.
    const output = end.data.output as Record<string, unknown> & { result: { body: string } };
    const echoed = JSON.parse(output.result.body) as { headers: Record<string, string>; body: string };
    expect(echoed.headers.authorization).toBe('[secret:api]');
    expect(echoed.headers['x-literal']).toBe('[secret:literal-key]');
    expect(echoed.body).toBe('[secret:literal-key]');
    expect(output.secretsGet).toBe('CAPABILITY_UNKNOWN');
    expect(output.missing).toMatchObject({ code: 'SECRET_NOT_FOUND' });
    expect(output.other).toEqual({ code: 'POLICY_DENIED', message: expect.stringContaining('secret "other" is not granted') });
    // A reference outside a secret slot is plain data: kv keeps the reference, never the value.
    expect(output.kv).toEqual({ found: true, value: { $secret: 'api' } });

    // Events carry references, never values.
    expect(callEvents(events, 1)[0]!.data).toMatchObject({ args: { headers: { authorization: { $secret: 'api' }, 'x-literal': { $secret: 'literal-key' } }, body: { $secret: 'literal-key' } } });
    const everything = JSON.stringify([events, end, await client.request('runs.get', { runId })]);
    for (const value of [apiValue, literalValue]) {
      expect(everything).not.toContain(value);
      expect(daemon.stderr()).not.toContain(value);
      expect(daemon.stdout()).not.toContain(value);
    }
    expect(everything).toContain('[secret:api]');
    // Debug logging was on: the daemon did log the calls, just not the values.
    expect(daemon.stderr()).toContain('capability completed');
  });

  it('keeps values out of the log through shutdown', async () => {
    await client.close();
    const exit = await daemon.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(exit.stderr.length).toBeGreaterThan(0);
    for (const value of [apiValue, literalValue]) expect(exit.stderr).not.toContain(value);
  });
});
