/**
 * Hot reload and fail-closed decisions through the running daemon: a good edit of the policy data
 * takes effect (new revision in daemon.status, a formerly denied call now allowed), a broken edit keeps
 * the revision in force with its diagnostics in daemon.status and a `policy.reload_failed` log line,
 * and a policy whose decision is malformed or conflicting denies with a reason saying so.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, workflow, type StartedDaemon, type TestClient } from '../../helpers/daemon.ts';
import { callEvents, egressTo, runToEnd, startEchoServer, tempPolicies, type EchoServer, type TempPolicies } from './support.ts';
import { stringify } from 'yaml';

interface PolicyStatus {
  readonly revision: string | null;
  readonly watching: boolean;
  readonly lastError?: { readonly revision: string; readonly diagnostics: readonly { code: string; file?: string; line?: number; text: string }[] };
}

let server: EchoServer;
let policies: TempPolicies;
let daemon: StartedDaemon;
let client: TestClient;

beforeAll(async () => {
  server = await startEchoServer();
  policies = await tempPolicies();
  daemon = await startDaemon({
    config: { log: { level: 'info' }, policies: { dir: policies.dir, watch: true }, capabilities: { http: { allowPrivateNetworks: true } } },
  });
  client = await daemon.connect();
});

afterAll(async () => {
  await daemon?.[Symbol.asyncDispose]();
  await server?.close();
  await policies?.remove();
});

async function policyStatus(): Promise<PolicyStatus & { policyRevision: string | null }> {
  const status = await client.request<{ policy: PolicyStatus; policyRevision: string | null }>('daemon.status');
  return { ...status.policy, policyRevision: status.policyRevision };
}

/** Polls daemon.status until `probe` holds (the watcher debounces, then recompiles). */
async function waitForPolicy(probe: (status: PolicyStatus) => boolean, timeoutMs = 15_000): Promise<PolicyStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await policyStatus();
    if (probe(status)) return status;
    if (Date.now() > deadline) throw new Error(`policy status did not change in time: ${JSON.stringify(status)}`);
    await sleep(50);
  }
}

const fetchEcho = (): string => workflow(`try { const r = await ctx.http.fetch(input.url); return r.status; } catch (e) { return { code: e.code, reasons: e.details?.reasons ?? null }; }`);

describe('policy hot reload', () => {
  let r1: string;
  let r2: string;

  it('applies a good edit: new revision, and a formerly denied call is allowed', async () => {
    const before = await policyStatus();
    expect(before).toMatchObject({ revision: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), watching: true });
    expect(before.lastError).toBeUndefined();
    r1 = before.revision!;

    const denied = await runToEnd(client, fetchEcho(), ['http.fetch'], { url: `${server.origin}/echo` });
    expect(denied.end.data.output).toMatchObject({ code: 'POLICY_DENIED' });
    expect(callEvents(denied.events, 1)[1]!.data).toMatchObject({ allow: false, policyRevision: r1 });

    await policies.write('aiws/settings/egress.yaml', stringify({ egress: egressTo('127.0.0.1') }));
    const after = await waitForPolicy((s) => s.revision !== r1);
    r2 = after.revision!;
    expect(r2).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(after.lastError).toBeUndefined();

    const allowed = await runToEnd(client, fetchEcho(), ['http.fetch'], { url: `${server.origin}/echo` });
    expect(allowed.end.data.output).toBe(200);
    expect(callEvents(allowed.events, 1)[1]!.data).toMatchObject({ allow: true, policyRevision: r2 });
  });

  it('rejects a broken edit: the revision in force stays, with diagnostics in daemon.status and the log', async () => {
    await policies.write('aiws/broken.rego', 'package aiws.broken\n\nallow if {\n  input.x ==\n}\n');
    const status = await waitForPolicy((s) => s.lastError !== undefined);
    expect(status.revision).toBe(r2);
    expect(status.lastError!.revision).not.toBe(r2);
    expect(status.lastError!.diagnostics.length).toBeGreaterThan(0);
    expect(status.lastError!.diagnostics[0]).toMatchObject({ code: expect.stringMatching(/^REGO\d+$/), file: 'aiws/broken.rego', line: expect.any(Number) });
    // The log line travels through a pipe: give it a moment to arrive.
    for (let i = 0; i < 100 && !daemon.stderr().includes('policy.reload_failed'); i++) await sleep(20);
    const line = daemon.stderr().split('\n').find((l) => l.includes('policy.reload_failed'));
    expect(JSON.parse(line!)).toMatchObject({ level: 50, revision: r2, diagnostics: [expect.stringContaining('aiws/broken.rego')] });

    // Calls are still decided by the previous revision.
    const stillAllowed = await runToEnd(client, fetchEcho(), ['http.fetch'], { url: `${server.origin}/echo` });
    expect(stillAllowed.end.data.output).toBe(200);
    expect(callEvents(stillAllowed.events, 1)[1]!.data).toMatchObject({ policyRevision: r2 });

    // Fixing the file loads a new revision and clears the error.
    await policies.write('aiws/broken.rego', 'package aiws.broken\n\nallow if input.x == 1\n');
    const fixed = await waitForPolicy((s) => s.revision !== r2);
    expect(fixed.lastError).toBeUndefined();
  });
});

describe('fail closed', () => {
  it('denies every call when the decision is malformed, with a reason saying so', async () => {
    const current = (await policyStatus()).revision;
    await policies.write('aiws/capability.rego', 'package aiws.capability\n\ndecision := {"allow": "yes", "reasons": []}\n');
    await waitForPolicy((s) => s.revision !== current);
    const { end, events } = await runToEnd(client, workflow(`try { await ctx.clock.now(); return 'allowed'; } catch (e) { return { code: e.code, reasons: e.details.reasons }; }`), ['clock.now']);
    expect(end.data.output).toEqual({ code: 'POLICY_DENIED', reasons: [expect.stringMatching(/^policy error: malformed decision from "aiws\/capability\/decision": "allow" must be a boolean/)] });
    expect(callEvents(events, 1)[1]!.data).toMatchObject({ allow: false, reasons: [expect.stringContaining('policy error')] });
  });

  it('denies when two rules give conflicting decisions', async () => {
    const current = (await policyStatus()).revision;
    await policies.write(
      'aiws/capability.rego',
      'package aiws.capability\n\ndecision = {"allow": true, "reasons": []} if input.capability.name == "clock.now"\n\ndecision = {"allow": false, "reasons": ["no"]} if startswith(input.capability.name, "clock.")\n',
    );
    await waitForPolicy((s) => s.revision !== current);
    const { end } = await runToEnd(client, workflow(`try { await ctx.clock.now(); return 'allowed'; } catch (e) { return { code: e.code, reasons: e.details.reasons }; }`), ['clock.now']);
    expect(end.data.output).toEqual({ code: 'POLICY_DENIED', reasons: [expect.stringMatching(/^policy error: evaluation of "aiws\/capability\/decision" failed/)] });
  });

  it('denies when the capability decision is undefined for the input', async () => {
    const current = (await policyStatus()).revision;
    await policies.write('aiws/capability.rego', 'package aiws.capability\n\ndecision := {"allow": true, "reasons": []} if input.capability.name == "kv.get"\n');
    await waitForPolicy((s) => s.revision !== current);
    const { end } = await runToEnd(client, workflow(`try { await ctx.clock.now(); return 'allowed'; } catch (e) { return { code: e.code, reasons: e.details.reasons }; }`), ['clock.now']);
    expect(end.data.output).toEqual({ code: 'POLICY_DENIED', reasons: [expect.stringContaining('is undefined for this input')] });
  });
});

describe('no policy loaded', () => {
  it('starts, denies every run with a reason saying why, and admits runs once a policy appears', async () => {
    const empty = await tempPolicies({}, { empty: true });
    await using bare = await startDaemon({ config: { policies: { dir: empty.dir, watch: true } } });
    const c = await bare.connect();
    try {
      const status = await c.request<{ policyRevision: string | null; policy: PolicyStatus }>('daemon.status');
      expect(status.policyRevision).toBeNull();
      expect(status.policy.lastError?.diagnostics[0]).toMatchObject({ code: 'POLICY_EMPTY' });
      const reply = await c.call('runs.start', { code: workflow('return 1;') });
      expect(reply.error?.data).toMatchObject({ code: 'POLICY_DENIED', details: { reasons: [expect.stringMatching(/^policy error: no policy is loaded/)], policyRevision: null } });

      await empty.write('aiws/admission.rego', 'package aiws.admission\n\ndecision := {"allow": true, "reasons": []}\n');
      const deadline = Date.now() + 15_000;
      let revision: string | null = null;
      while (revision === null && Date.now() < deadline) {
        await sleep(50);
        revision = (await c.request<{ policyRevision: string | null }>('daemon.status')).policyRevision;
      }
      expect(revision).toMatch(/^sha256:/);
      const { end } = await runToEnd(c, workflow(`try { await ctx.clock.now(); return 'allowed'; } catch (e) { return e.details.reasons; }`), ['clock.now']);
      // Admitted now; the capability decision is still missing from the policy, so the call fails closed.
      expect(end.data.output).toEqual([expect.stringMatching(/^policy error: .*"aiws\/capability\/decision"/)]);
    } finally {
      await c.close();
      await empty.remove();
    }
  });
});
