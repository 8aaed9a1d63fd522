// The workflow store through the real daemon: workflows.list / workflows.describe, runs.start by
// range, input and output validation, and verification (edited, forged and stale attestations) as
// the admission policy sees it, over a real ws client and a temp copy of the shipped workflows.
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedDaemon, TestClient, WireEvent } from '../../helpers/daemon.ts';
import { writeFixture } from '../../helpers/workflow-fixture.ts';
import { makeStoreRoot, principals, signWithDevKey, startStoreDaemon, type StoreRoot } from './support.ts';

/** A workflow without capabilities that returns `output` (a JS expression over `input`). */
function returning(expression: string): string {
  return `export default async function (input, ctx) {\n  ctx.log('running');\n  return ${expression};\n}\n`;
}

const noCalls = { capabilities: [], errors: [] };
const noCallCases = (output: unknown): Record<string, unknown>[] => [{ name: 'returns', kind: 'functional', input: { who: 'Ada' }, calls: [], output }];

/** Adds a version of bank-transfer by copying 1.0.0 with another version number. */
async function bankVersion(store: StoreRoot, version: string): Promise<string> {
  const dir = join(store.workflowsDir, 'bank-transfer', version);
  await cp(join(store.workflowsDir, 'bank-transfer', '1.0.0'), dir, { recursive: true });
  const manifestFile = join(dir, 'workflow.yaml');
  const manifest = parse(await readFile(manifestFile, 'utf8')) as Record<string, unknown>;
  await writeFile(manifestFile, stringify({ ...manifest, version }));
  return dir;
}

const validTransfer = { fromAccount: 'ACC1001', toAccount: 'ACC2002', amountCents: 100, currency: 'EUR', idempotencyKey: 'key-00000001', apiBaseUrl: 'http://127.0.0.1:9' };

describe('workflow store over the daemon', () => {
  let store: StoreRoot;
  let daemon: StartedDaemon;
  let agent: TestClient;
  let operator: TestClient;

  beforeAll(async () => {
    store = await makeStoreRoot();
    await signWithDevKey(await bankVersion(store, '1.1.0'), 'bank-transfer', '1.1.0');
    await bankVersion(store, '2.0.0'); // never signed: unverified
    const root = store.workflowsDir;
    const fixture = { manifest: noCalls, cases: noCallCases({ text: 'Ada' }) };
    await signWithDevKey(await writeFixture(root, { name: 'echo', ...fixture, code: returning('{ text: input.who }') }), 'echo', '1.0.0');
    await signWithDevKey(await writeFixture(root, { name: 'bad-output', ...fixture, code: returning('{ text: 42, extra: true }') }), 'bad-output', '1.0.0');
    await signWithDevKey(await writeFixture(root, { name: 'edited', ...fixture, code: returning('{ text: input.who }') }), 'edited', '1.0.0');
    const sneaky = await writeFixture(root, { name: 'sneaky', ...fixture, code: returning("await ctx.call('kv.get', { key: 'x' })") });
    await signWithDevKey(sneaky, 'sneaky', '1.0.0');
    const forged = await writeFixture(root, { name: 'forged', ...fixture, code: returning('{ text: input.who }') });
    await signWithDevKey(forged, 'forged', '1.0.0');
    const attestationFile = join(forged, 'attestation.json');
    const attestation = JSON.parse(await readFile(attestationFile, 'utf8')) as { signature: string };
    const bytes = Buffer.from(attestation.signature, 'base64');
    bytes[0] = bytes[0]! ^ 0xff;
    await writeFile(attestationFile, JSON.stringify({ ...attestation, signature: bytes.toString('base64') }));
    const stale = await writeFixture(root, { name: 'stale', ...fixture, code: returning('{ text: input.who }') });
    await signWithDevKey(stale, 'stale', '1.0.0');
    await writeFile(join(stale, 'tests', 'cases.yaml'), stringify({ cases: [...noCallCases({ text: 'Ada' }), { name: 'again', kind: 'boundary', input: { who: 'B' }, calls: [], output: { text: 'B' } }] }));
    await writeFixture(root, { name: 'broken', manifest: { riskTier: 'extreme' } });
    daemon = await startStoreDaemon(store);
    agent = await daemon.connect({ token: principals.agent.token });
    operator = await daemon.connect({ token: principals.operator.token });
  }, 60_000);

  afterAll(async () => {
    await daemon?.[Symbol.asyncDispose]();
    await store?.cleanup();
  });

  async function run(client: TestClient, params: Record<string, unknown>): Promise<{ terminal: WireEvent; events: WireEvent[] }> {
    const { runId } = await client.request<{ runId: string }>('runs.start', params);
    const terminal = await client.settled(runId);
    return { terminal, events: client.eventsOf(runId) };
  }

  describe('workflows.list', () => {
    it('lists every indexed workflow with its versions, sorted by name', async () => {
      const { workflows } = await agent.request<{ workflows: { name: string; version: string; verified: boolean; versions: { version: string; verified: boolean }[] }[] }>('workflows.list', {});
      const names = workflows.map((w) => w.name);
      expect(names).toEqual([...names].sort());
      for (const shipped of ['bank-transfer', 'csv-report', 'hr-onboarding', 'medication-check', 'web-extract']) expect(names).toContain(shipped);
      expect(names).not.toContain('broken');
      const bank = workflows.find((w) => w.name === 'bank-transfer')!;
      expect(bank.version).toBe('2.0.0');
      expect(bank.versions).toEqual([
        { version: '2.0.0', verified: false },
        { version: '1.1.0', verified: true },
        { version: '1.0.0', verified: true },
      ]);
    });

    it('searches by words over name, description and tags, by tags, and by verification', async () => {
      const names = async (params: Record<string, unknown>): Promise<string[]> =>
        (await agent.request<{ workflows: { name: string }[] }>('workflows.list', params)).workflows.map((w) => w.name);
      expect(await names({ query: 'idempotency TRANSFER' })).toEqual(['bank-transfer']);
      expect(await names({ query: 'no such words anywhere' })).toEqual([]);
      expect(await names({ tags: ['hr', 'onboarding'] })).toEqual(['hr-onboarding']);
      expect(await names({ tags: ['hr', 'finance'] })).toEqual([]);
      const unverified = await names({ verified: false });
      expect(unverified).toEqual(expect.arrayContaining(['bank-transfer', 'forged', 'stale']));
      expect(unverified).not.toContain('echo');
      const verified = await agent.request<{ workflows: { name: string; version: string }[] }>('workflows.list', { verified: true });
      expect(verified.workflows.find((w) => w.name === 'bank-transfer')?.version).toBe('1.1.0');
      expect(verified.workflows.map((w) => w.name)).not.toContain('forged');
    });

    it('needs the workflows:read scope and valid params', async () => {
      const runner = await daemon.connect({ token: principals.runner.token });
      expect((await runner.call('workflows.list', {})).error?.data.code).toBe('AUTH_FORBIDDEN');
      expect((await agent.call('workflows.list', { tags: 'hr' })).error?.data.code).toBe('PROTO_INVALID_PARAMS');
    });
  });

  describe('workflows.describe', () => {
    it('returns the highest version in the range with its schemas, versions and verification', async () => {
      interface Described {
        name: string;
        version: string;
        verified: boolean;
        digest: string;
        manifest: { input: { required: string[] }; output: { properties: Record<string, unknown> }; capabilities: { name: string }[] };
        versions: { version: string }[];
        attestation: { verifier: string };
      }
      const described = await agent.request<Described>('workflows.describe', { workflow: 'bank-transfer@^1' });
      expect(described).toMatchObject({ name: 'bank-transfer', version: '1.1.0', verified: true });
      expect(described.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(described.manifest.input.required).toContain('idempotencyKey');
      expect(described.manifest.output.properties.transferId).toBeDefined();
      expect(described.manifest.capabilities.map((c) => c.name)).toEqual(['http.fetch']);
      expect(described.versions.map((v) => v.version)).toEqual(['2.0.0', '1.1.0', '1.0.0']);
      expect(described.attestation.verifier).toMatch(/^[0-9a-f]{16}$/);
      expect((await agent.request<{ version: string }>('workflows.describe', { workflow: 'bank-transfer@~1.0.0' })).version).toBe('1.0.0');
      const latest = await agent.request<{ version: string; verified: boolean; unverifiedReason: string }>('workflows.describe', { workflow: 'bank-transfer' });
      expect(latest).toMatchObject({ version: '2.0.0', verified: false });
      expect(latest.unverifiedReason).toMatch(/.+/);
    });

    it('answers WORKFLOW_NOT_FOUND for an unknown name or an unmatched range', async () => {
      for (const workflow of ['no-such-workflow', 'bank-transfer@^3', 'bank-transfer@not a range']) {
        const reply = await agent.call('workflows.describe', { workflow });
        expect(reply.error?.data.code, workflow).toBe('WORKFLOW_NOT_FOUND');
      }
    });
  });

  describe('runs.start {workflow}', () => {
    it('runs the highest version matching the range, with the manifest limits, and reports the workflow identity', async () => {
      // amountCents 0 passes the schema but the workflow refuses it before any call: a declared error.
      const { terminal, events } = await run(agent, { workflow: 'bank-transfer@^1', input: { ...validTransfer, amountCents: 0 } });
      const accepted = events.find((e) => e.type === 'run.accepted')!;
      expect(accepted.data.workflow).toMatchObject({ name: 'bank-transfer', version: '1.1.0', verified: true });
      expect(accepted.data.source).toBe('bank-transfer@1.1.0');
      expect(accepted.data.code).toMatchObject({ kind: 'workflow', name: 'bank-transfer', version: '1.1.0' });
      expect(accepted.data.capabilities).toEqual(['http.fetch']);
      expect(accepted.data.limits).toMatchObject({ memoryMb: 32, cpuMs: 1000, wallMs: 10_000 });
      expect(terminal.type).toBe('run.failed');
      expect(terminal.data.error).toMatchObject({ code: 'WORKFLOW_ERROR', details: { workflowCode: 'AMOUNT_INVALID' } });
      const older = await run(agent, { workflow: 'bank-transfer@~1.0.0', input: { ...validTransfer, fromAccount: 'ACC2002' } });
      expect(older.events.find((e) => e.type === 'run.accepted')!.data.workflow).toMatchObject({ version: '1.0.0' });
      expect(older.terminal.data.error).toMatchObject({ code: 'WORKFLOW_ERROR', details: { workflowCode: 'SAME_ACCOUNT' } });
    });

    it('completes a verified workflow, shows it as the run source, and replays it from the stored code', async () => {
      const { terminal } = await run(agent, { workflow: 'echo@1', input: { who: 'Ada' } });
      expect(terminal).toMatchObject({ type: 'run.completed', data: { output: { text: 'Ada' } } });
      const info = await agent.request<{ source: string; status: string }>('runs.get', { runId: terminal.runId });
      expect(info).toMatchObject({ source: 'echo@1.0.0', status: 'completed' });
      // The exact source was stored by digest: the run replays from the journal and the code store.
      expect(await agent.request('runs.replay', { runId: terminal.runId })).toMatchObject({ result: 'identical', complete: true });
    });

    it('fails runs.start itself with INPUT_INVALID and JSON pointers when the input breaks the schema', async () => {
      const reply = await agent.call('runs.start', { workflow: 'bank-transfer@1.0.0', input: { ...validTransfer, fromAccount: 'lower-case', currency: 7, amountCents: undefined } });
      expect(reply.error?.data.code).toBe('INPUT_INVALID');
      const pointers = (reply.error!.data.details.errors as { pointer: string }[]).map((e) => e.pointer);
      expect(pointers).toEqual(expect.arrayContaining(['/fromAccount', '/currency']));
      expect(reply.error!.message).toContain('bank-transfer@1.0.0');
      expect((await agent.call('runs.start', { workflow: 'echo@1', input: { who: 'Ada', extra: 1 } })).error?.data.code).toBe('INPUT_INVALID');
    });

    it('answers WORKFLOW_NOT_FOUND for no matching version and refuses capabilities with a workflow', async () => {
      expect((await agent.call('runs.start', { workflow: 'bank-transfer@^9', input: validTransfer })).error?.data.code).toBe('WORKFLOW_NOT_FOUND');
      expect((await agent.call('runs.start', { workflow: 'echo', input: { who: 'A' }, capabilities: ['kv.get'] })).error?.data.code).toBe('PROTO_INVALID_PARAMS');
    });

    it('hands the manifest\'s declared capabilities to the policy, which denies an undeclared call', async () => {
      const { terminal, events } = await run(agent, { workflow: 'sneaky', input: { who: 'Ada' } });
      expect(events.find((e) => e.type === 'run.accepted')!.data.capabilities).toEqual([]);
      const decision = events.find((e) => e.type === 'policy.decision')!;
      expect(decision.data.allow).toBe(false);
      expect(JSON.stringify(decision.data.reasons)).toContain('capability \\"kv.get\\" is not declared by workflow \\"sneaky\\"');
      expect(terminal.data.error).toMatchObject({ code: 'WORKFLOW_ERROR', details: { workflowCode: 'POLICY_DENIED' } });
    });

    it('fails the run with OUTPUT_INVALID when the output breaks the output schema', async () => {
      const { terminal, events } = await run(agent, { workflow: 'bad-output', input: { who: 'Ada' } });
      expect(terminal.type).toBe('run.failed');
      expect(terminal.data.error).toMatchObject({ code: 'OUTPUT_INVALID' });
      const pointers = ((terminal.data.error as { details: { errors: { pointer: string }[] } }).details.errors).map((e) => e.pointer);
      expect(pointers).toEqual(expect.arrayContaining(['/text']));
      expect(events.some((e) => e.type === 'run.completed')).toBe(false);
      expect((await agent.request<{ status: string; error: { code: string } }>('runs.get', { runId: terminal.runId })).error.code).toBe('OUTPUT_INVALID');
    });
  });

  describe('verification and admission', () => {
    it('turns an edited workflow unverified: admission refuses it without runs:unverified, allows it with', async () => {
      expect((await run(agent, { workflow: 'edited', input: { who: 'Ada' } })).terminal.type).toBe('run.completed');
      const main = join(store.workflowsDir, 'edited', '1.0.0', 'main.js');
      await writeFile(main, returning('{ text: input.who.toUpperCase() }'));
      const deadline = Date.now() + 10_000;
      let status = await agent.request<{ verified: boolean; unverifiedReason?: string }>('workflows.describe', { workflow: 'edited' });
      while (status.verified && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        status = await agent.request('workflows.describe', { workflow: 'edited' });
      }
      expect(status.verified).toBe(false);
      expect(status.unverifiedReason).toMatch(/files changed since verification/);
      const refused = await agent.call('runs.start', { workflow: 'edited', input: { who: 'Ada' } });
      expect(refused.error?.data.code).toBe('POLICY_DENIED');
      expect(JSON.stringify(refused.error?.data.details)).toContain('runs:unverified');
      const allowed = await run(operator, { workflow: 'edited', input: { who: 'Ada' } });
      expect(allowed.terminal).toMatchObject({ type: 'run.completed', data: { output: { text: 'ADA' } } });
      expect(allowed.events.find((e) => e.type === 'run.accepted')!.data.workflow).toMatchObject({ verified: false });
    });

    it('treats a forged attestation (altered signature) and a stale one (other digest) as unverified', async () => {
      for (const name of ['forged', 'stale']) {
        const described = await agent.request<{ verified: boolean; unverifiedReason: string }>('workflows.describe', { workflow: name });
        expect(described.verified, name).toBe(false);
        expect(described.unverifiedReason, name).toMatch(name === 'forged' ? /signature/i : /files changed since verification/);
        expect((await agent.call('runs.start', { workflow: name, input: { who: 'Ada' } })).error?.data.code, name).toBe('POLICY_DENIED');
        expect((await run(operator, { workflow: name, input: { who: 'Ada' } })).terminal.type, name).toBe('run.completed');
      }
    });
  });

  describe('daemon.status', () => {
    it('reports the store: workflows, versions, verified count and problems', async () => {
      const status = await agent.request<{ store: { dir: string; workflows: number; versions: number; verified: number; problems: { dir: string; message: string }[] } }>('daemon.status');
      expect(status.store.dir).toBe(store.workflowsDir);
      expect(status.store.workflows).toBe(11);
      expect(status.store.versions).toBe(13);
      expect(status.store.verified).toBeGreaterThanOrEqual(7);
      expect(status.store.verified).toBeLessThan(status.store.versions);
      expect(status.store.problems).toHaveLength(1);
      expect(status.store.problems[0]!.dir).toContain(join('broken', '1.0.0'));
      expect(status.store.problems[0]!.message).toMatch(/riskTier/);
    });
  });
});
