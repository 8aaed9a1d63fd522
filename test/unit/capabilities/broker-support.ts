/**
 * Test support for broker tests: a broker over the real built-in capabilities, a real PolicyEngine
 * over a temp copy of the shipped policies (data overridable), a temp workspace and kv store, and a
 * recorder of every hook call in order.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import {
  createBuiltinCapabilities,
  createCapabilityBroker,
  createCapabilityRegistry,
  createSecretStore,
  KvStore,
  type BrokerHooks,
  type CapabilityBroker,
  type HttpFetchOptions,
  type RunContext,
} from '../../../src/capabilities/index.ts';
import { createSilentLogger, type Logger } from '../../../src/log/index.ts';
import type { PolicyDecider, PolicyWorkflow } from '../../../src/policy/index.ts';
import { createPolicyDir, createTestEngine } from '../policy/support/policy-dir.ts';

export interface RecordedEvent {
  readonly type: 'capability.requested' | 'policy.decision' | 'capability.completed' | 'capability.failed';
  readonly data: Record<string, unknown>;
}

/** Hooks that append every event to `events`. */
export function recordHooks(): { readonly hooks: BrokerHooks; readonly events: RecordedEvent[] } {
  const events: RecordedEvent[] = [];
  const push = (type: RecordedEvent['type']) => (data: object) => events.push({ type, data: data as Record<string, unknown> });
  return {
    events,
    hooks: { onRequested: push('capability.requested'), onDecision: push('policy.decision'), onCompleted: push('capability.completed'), onFailed: push('capability.failed') },
  };
}

export interface BrokerFixtureOptions {
  /** Files written over the copy of policies/ (e.g. `aiws/settings/budgets.yaml`). */
  readonly policyFiles?: Record<string, string>;
  /** Start from an empty policy directory instead of the shipped one. */
  readonly shipped?: boolean;
  readonly secrets?: Record<string, string>;
  readonly http?: HttpFetchOptions;
  readonly logger?: Logger;
  readonly maxEventValueBytes?: number;
  /** Where results over the cap are kept whole (the broker's `results` option). */
  readonly results?: { put(json: string): Promise<string> };
  /** Use this decider instead of an engine over the policy directory. */
  readonly policy?: PolicyDecider;
}

export interface BrokerFixture {
  readonly broker: CapabilityBroker;
  readonly kv: KvStore;
  readonly workspaceDir: string;
  /** A run context for `workflow` (same object per call, as the jobs layer passes it). */
  run(workflow: PolicyWorkflow, options?: { scopes?: readonly string[]; principalId?: string }): RunContext;
}

export async function createBrokerFixture(options: BrokerFixtureOptions = {}): Promise<BrokerFixture> {
  const root = await mkdtemp(join(tmpdir(), 'aiws-broker-'));
  onTestFinished(() => rm(root, { recursive: true, force: true }));
  const kv = new KvStore({ dataDir: join(root, 'data') });
  onTestFinished(() => kv.close());
  const policy = options.policy ?? (await createTestEngine(await createPolicyDir({ shipped: options.shipped ?? true, files: options.policyFiles ?? {} })));
  const registry = createCapabilityRegistry(createBuiltinCapabilities({ kv, ...(options.http === undefined ? {} : { http: options.http }) }));
  const logger = options.logger ?? createSilentLogger();
  const broker = createCapabilityBroker({
    registry,
    policy,
    secrets: createSecretStore(options.secrets ?? {}),
    logger,
    ...(options.maxEventValueBytes === undefined ? {} : { maxEventValueBytes: options.maxEventValueBytes }),
    ...(options.results === undefined ? {} : { results: options.results }),
  });
  const workspaceDir = join(root, 'ws');
  await mkdir(workspaceDir);
  let runs = 0;
  return {
    broker,
    kv,
    workspaceDir,
    run: (workflow, runOptions = {}) => ({
      id: `run-${++runs}`,
      principal: { id: runOptions.principalId ?? 'alice', scopes: runOptions.scopes ?? ['runs:start'] },
      workflow,
      workspaceDir,
      signal: new AbortController().signal,
      logger,
    }),
  };
}

export const reportWorkflow: PolicyWorkflow = {
  name: 'billing-report',
  version: '1.2.0',
  digest: 'sha256:0f0f',
  verified: true,
  adhoc: false,
  declaredCapabilities: ['fs.read', 'fs.write', 'kv.get', 'kv.put', 'http.fetch'],
  tags: [],
};

export const adhocWorkflow: PolicyWorkflow = { ...reportWorkflow, name: 'adhoc', version: null, verified: false, adhoc: true };
