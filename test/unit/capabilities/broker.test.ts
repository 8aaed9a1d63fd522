/**
 * The capability broker with real capabilities (fs in a temp workspace, kv in a temp SQLite file)
 * and the real PolicyEngine over a temp copy of the shipped policies: the order of steps, the
 * events, budgets and concurrent calls, fail-closed policy errors, admission and event capping.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ResultStore } from '../../../src/journal/index.ts';
import type { DaemonError } from '../../../src/errors/index.ts';
import { adhocWorkflow, createBrokerFixture, recordHooks, reportWorkflow } from './broker-support.ts';

describe('CapabilityBroker', () => {
  describe('#invoke', () => {
    it('serves an allowed fs.write then fs.read and reports requested → decision → completed', async () => {
      const f = await createBrokerFixture();
      const run = f.run(reportWorkflow);
      const { hooks, events } = recordHooks();
      expect(await f.broker.invoke({ callId: 1, name: 'fs.write', args: { path: 'out/a.txt', content: 'hello' } }, run, hooks)).toEqual({ bytes: 5 });
      expect(await readFile(join(f.workspaceDir, 'out/a.txt'), 'utf8')).toBe('hello');
      expect(await f.broker.invoke({ callId: 2, name: 'fs.read', args: { path: 'out/a.txt' } }, run, hooks)).toEqual({ content: 'hello', bytes: 5 });
      expect(events.map((e) => e.type)).toEqual(['capability.requested', 'policy.decision', 'capability.completed', 'capability.requested', 'policy.decision', 'capability.completed']);
      expect(events[0]).toEqual({ type: 'capability.requested', data: { callId: 1, name: 'fs.write', args: { path: 'out/a.txt', content: 'hello' } } });
      expect(events[1]?.data).toMatchObject({ callId: 1, allow: true, reasons: [], policyRevision: expect.stringMatching(/^sha256:/), decisionId: expect.any(String), durationUs: expect.any(Number) });
      expect(events[5]).toEqual({ type: 'capability.completed', data: { callId: 2, result: { content: 'hello', bytes: 5 } } });
    });

    it('rejects a denied call with POLICY_DENIED carrying the reasons, without executing it', async () => {
      const f = await createBrokerFixture();
      const workflow = { ...reportWorkflow, declaredCapabilities: ['fs.read'] };
      const { hooks, events } = recordHooks();
      const error = await f.broker.invoke({ callId: 7, name: 'fs.write', args: { path: 'x.txt', content: 'no' } }, f.run(workflow), hooks).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'POLICY_DENIED',
        message: 'Cannot call capability "fs.write": denied by policy: capability "fs.write" is not declared by workflow "billing-report"',
        details: { reasons: ['capability "fs.write" is not declared by workflow "billing-report"'] },
      });
      await expect(readFile(join(f.workspaceDir, 'x.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
      expect(events.map((e) => e.type)).toEqual(['capability.requested', 'policy.decision', 'capability.failed']);
      expect(events[1]?.data).toMatchObject({ allow: false, reasons: ['capability "fs.write" is not declared by workflow "billing-report"'] });
      expect(events[2]?.data).toEqual({ callId: 7, error: { code: 'POLICY_DENIED', message: (error as Error).message, details: (error as DaemonError).details } });
    });

    it('stores kv values per workflow when allowed and denies ad-hoc code without runs:adhoc', async () => {
      const f = await createBrokerFixture();
      const run = f.run(reportWorkflow);
      expect(await f.broker.invoke({ callId: 1, name: 'kv.put', args: { key: 'total', value: { cents: 420 } } }, run)).toMatchObject({ created: true });
      expect(await f.broker.invoke({ callId: 2, name: 'kv.get', args: { key: 'total' } }, run)).toMatchObject({ found: true, value: { cents: 420 } });
      expect(f.kv.get('workflow:billing-report', 'total')).toEqual({ found: true, value: { cents: 420 } });
      await expect(f.broker.invoke({ callId: 1, name: 'kv.put', args: { key: 'k', value: 1 } }, f.run(adhocWorkflow))).rejects.toMatchObject({
        code: 'POLICY_DENIED',
        message: expect.stringContaining('ad-hoc code needs the "runs:adhoc" scope'),
      });
      expect(f.kv.get('adhoc:alice', 'k').found).toBe(false);
      expect(await f.broker.invoke({ callId: 2, name: 'kv.put', args: { key: 'k', value: 1 } }, f.run(adhocWorkflow, { scopes: ['runs:adhoc'] }))).toMatchObject({ created: true });
    });

    it('fails unknown capabilities and invalid args before the policy is asked', async () => {
      const f = await createBrokerFixture();
      const { hooks, events } = recordHooks();
      await expect(f.broker.invoke({ callId: 1, name: 'shell.exec', args: {} }, f.run(reportWorkflow), hooks)).rejects.toMatchObject({ code: 'CAPABILITY_UNKNOWN' });
      await expect(f.broker.invoke({ callId: 2, name: 'fs.write', args: { path: 1 } }, f.run(reportWorkflow), hooks)).rejects.toMatchObject({ code: 'CAPABILITY_INVALID_ARGS' });
      expect(events.map((e) => e.type)).toEqual(['capability.requested', 'capability.failed', 'capability.requested', 'capability.failed']);
      expect(events[1]?.data).toMatchObject({ callId: 1, error: { code: 'CAPABILITY_UNKNOWN' } });
    });

    it('gives the policy callIndex and the per-capability counts of allowed calls', async () => {
      const echo = 'package aiws.capability\n\ndecision := {"allow": input.capability.name != "kv.get", "reasons": [], "run": input.run}\n';
      const f = await createBrokerFixture({ shipped: false, policyFiles: { 'aiws/capability.rego': echo } });
      const run = f.run(reportWorkflow);
      const { hooks, events } = recordHooks();
      await f.broker.invoke({ callId: 1, name: 'kv.put', args: { key: 'a', value: 1 } }, run, hooks);
      await f.broker.invoke({ callId: 2, name: 'kv.get', args: { key: 'a' } }, run, hooks).catch(() => undefined);
      await f.broker.invoke({ callId: 3, name: 'kv.put', args: { key: 'b', value: 2 } }, run, hooks);
      const runs = events.filter((e) => e.type === 'policy.decision').map((e) => (e.data.obligations as { run: unknown }).run);
      expect(runs).toEqual([
        { id: run.id, callIndex: 0, callCounts: {} },
        { id: run.id, callIndex: 1, callCounts: { 'kv.put': 1 } },
        { id: run.id, callIndex: 2, callCounts: { 'kv.put': 1 } },
      ]);
      // Another run starts from zero.
      await f.broker.invoke({ callId: 1, name: 'kv.put', args: { key: 'c', value: 3 } }, f.run(reportWorkflow), hooks);
      expect((events.at(-2)?.data.obligations as { run: { callIndex: number } }).run.callIndex).toBe(0);
    });

    it('exhausts a per-run budget exactly, even with concurrent calls', async () => {
      const f = await createBrokerFixture({ policyFiles: { 'aiws/settings/budgets.yaml': 'budgets:\n  default: 100\n  total: 1000\n  perCapability:\n    kv.put: 5\n' } });
      const run = f.run(reportWorkflow);
      const { hooks, events } = recordHooks();
      const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => f.broker.invoke({ callId: i + 1, name: 'kv.put', args: { key: `k${i}`, value: i } }, run, hooks)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
      const denied = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(denied).toHaveLength(7);
      for (const d of denied) expect(d.reason).toMatchObject({ code: 'POLICY_DENIED', details: { reasons: ['call budget exhausted: this run already made 5 of its 5 "kv.put" calls'] } });
      expect(f.kv.list('workflow:billing-report').keys).toHaveLength(5);
      expect(events.filter((e) => e.type === 'capability.completed')).toHaveLength(5);
      // kv.get has its own (default) budget.
      expect(await f.broker.invoke({ callId: 13, name: 'kv.get', args: { key: 'k0' } }, run)).toMatchObject({ found: expect.any(Boolean) });
    });

    it('runs allowed calls concurrently, each completing with its own callId', async () => {
      const f = await createBrokerFixture();
      const run = f.run(reportWorkflow);
      const { hooks, events } = recordHooks();
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => f.broker.invoke({ callId: i + 1, name: 'fs.write', args: { path: `f${i}.txt`, content: 'x'.repeat(i) } }, run, hooks)));
      expect(results).toEqual(Array.from({ length: 8 }, (_, i) => ({ bytes: i })));
      const completed = events.filter((e) => e.type === 'capability.completed').map((e) => e.data.callId as number);
      expect(completed.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('fails closed when the policy dependency rejects', async () => {
      const f = await createBrokerFixture({
        policy: {
          decide: () => Promise.reject(new Error('engine gone')),
        },
      });
      const { hooks, events } = recordHooks();
      await expect(f.broker.invoke({ callId: 1, name: 'fs.write', args: { path: 'a', content: '' } }, f.run(reportWorkflow), hooks)).rejects.toMatchObject({
        code: 'POLICY_DENIED',
        message: 'Cannot call capability "fs.write": denied by policy: policy error: engine gone',
      });
      expect(events[1]?.data).toMatchObject({ allow: false, policyRevision: null });
    });

    it('rejects a call of a cancelled run with RUN_CANCELLED without asking the policy', async () => {
      const f = await createBrokerFixture();
      const controller = new AbortController();
      controller.abort();
      const { hooks, events } = recordHooks();
      await expect(f.broker.invoke({ callId: 1, name: 'kv.get', args: { key: 'a' } }, { ...f.run(reportWorkflow), signal: controller.signal }, hooks)).rejects.toMatchObject({
        code: 'RUN_CANCELLED',
      });
      expect(events.map((e) => e.type)).toEqual(['capability.requested', 'capability.failed']);
    });

    it('fails closed when the policy does not compile', async () => {
      const f = await createBrokerFixture({ policyFiles: { 'aiws/capability.rego': 'package aiws.capability\n\ndecision := {"allow": true, "reasons": [x]}\n' } });
      await expect(f.broker.invoke({ callId: 1, name: 'kv.get', args: { key: 'a' } }, f.run(reportWorkflow))).rejects.toMatchObject({
        code: 'POLICY_DENIED',
        message: expect.stringContaining('policy error: no policy is loaded'),
      });
    });

    it('caps large args and results in events with their sha256, and returns the whole result', async () => {
      const f = await createBrokerFixture({ maxEventValueBytes: 1024 });
      const big = 'b'.repeat(50_000);
      await writeFile(join(f.workspaceDir, 'big.txt'), big);
      const { hooks, events } = recordHooks();
      const result = await f.broker.invoke({ callId: 1, name: 'fs.read', args: { path: 'big.txt' } }, f.run(reportWorkflow), hooks);
      expect(result).toEqual({ content: big, bytes: 50_000 });
      const text = JSON.stringify(result);
      expect(events.at(-1)?.data).toEqual({
        callId: 1,
        result: { $capped: { bytes: text.length, sha256: `sha256:${createHash('sha256').update(text).digest('hex')}`, limitBytes: 1024 }, preview: text.slice(0, 256) },
      });
      await f.broker.invoke({ callId: 2, name: 'fs.write', args: { path: 'c.txt', content: big } }, f.run(reportWorkflow), hooks);
      expect((events.find((e) => e.type === 'capability.requested' && e.data.callId === 2)?.data.args as { $capped: { bytes: number } }).$capped.bytes).toBeGreaterThan(50_000);
    });
  });

  describe('results option', () => {
    it('keeps a capped result whole under its event digest before reporting it, and fails the call when it cannot', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'aiws-broker-results-'));
      onTestFinished(() => rm(dir, { recursive: true, force: true }));
      const store = await ResultStore.open({ dir, fsync: false });
      const order: string[] = [];
      const results = { put: async (json: string) => { order.push('put'); return store.put(json); } };
      const f = await createBrokerFixture({ maxEventValueBytes: 1024, results });
      await writeFile(join(f.workspaceDir, 'big.txt'), 'r'.repeat(5000));
      await writeFile(join(f.workspaceDir, 'small.txt'), 'r');
      const { hooks, events } = recordHooks();
      const recorded = { ...hooks, onCompleted: (data: Parameters<NonNullable<typeof hooks.onCompleted>>[0]) => (order.push('completed'), hooks.onCompleted?.(data)) };
      const result = await f.broker.invoke({ callId: 1, name: 'fs.read', args: { path: 'big.txt' } }, f.run(reportWorkflow), recorded);
      await f.broker.invoke({ callId: 2, name: 'fs.read', args: { path: 'small.txt' } }, f.run(reportWorkflow), recorded);
      expect(order).toEqual(['put', 'completed', 'completed']);
      const digest = (events.find((e) => e.type === 'capability.completed' && e.data.callId === 1)?.data.result as { $capped: { sha256: string } }).$capped.sha256;
      expect(JSON.parse(await store.get(digest))).toEqual(result);

      const failing = await createBrokerFixture({ maxEventValueBytes: 1024, results: { put: () => Promise.reject(new Error('disk full')) } });
      await writeFile(join(failing.workspaceDir, 'big.txt'), 'r'.repeat(5000));
      const second = recordHooks();
      await expect(failing.broker.invoke({ callId: 1, name: 'fs.read', args: { path: 'big.txt' } }, failing.run(reportWorkflow), second.hooks)).rejects.toMatchObject({ code: 'INTERNAL' });
      expect(second.events.map((e) => e.type)).toEqual(['capability.requested', 'policy.decision', 'capability.failed']);
    });
  });

  describe('#admit', () => {
    it('admits a verified workflow and rejects ad-hoc code without runs:adhoc', async () => {
      const f = await createBrokerFixture();
      expect(await f.broker.admit(f.run(reportWorkflow))).toMatchObject({ allow: true, policyRevision: expect.stringMatching(/^sha256:/) });
      await expect(f.broker.admit(f.run(adhocWorkflow))).rejects.toMatchObject({
        code: 'POLICY_DENIED',
        message: 'Cannot start run "run-2": denied by policy: ad-hoc code needs the "runs:adhoc" scope',
      });
    });
  });
});
