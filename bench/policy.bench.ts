// Policy benchmarks: one decision of the shipped capability policy (policies/) through
// PolicyEngine.decide, beside a bare SDK evaluate of the same compiled module, the JSON round trip
// the SDK does per call (the floor), and a worker-thread message round trip (what evaluating in a
// worker, to pre-empt a runaway policy, would add per decision). Then the broker's overhead for a
// no-op capability, split into validation, policy and execute time; and the load (hot reload) time.
// Medians and p99, one run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createCapabilityBroker, createCapabilityRegistry, createSecretStore, defineCapability, type RunContext } from '../src/capabilities/index.ts';
import { createSilentLogger } from '../src/log/index.ts';
import { PolicyEngine, policyEntrypoints, readPolicySources, type CapabilityInput } from '../src/policy/index.ts';
import { compile, loadCompiledPolicy } from '../src/rego/index.ts';
import { median, p99 } from './bench-stats.ts';

const policiesDir = fileURLToPath(new URL('../policies/', import.meta.url));

const workflow = {
  name: 'billing-report',
  version: '1.2.0',
  digest: 'sha256:0f0f',
  verified: true,
  adhoc: false,
  declaredCapabilities: ['http.fetch', 'kv.get', 'bench.noop'],
  tags: [],
};
const input: CapabilityInput = {
  principal: { id: 'alice', scopes: ['runs:start'] },
  workflow,
  run: { id: 'run-1', callIndex: 3, callCounts: { 'http.fetch': 2, 'kv.get': 1 } },
  capability: { name: 'http.fetch', args: { url: 'https://api.github.com/repos/x/y', headers: { authorization: { $secret: 'billing-api' } } } },
  time: { nowNs: 1_700_000_000_000_000_000 },
};

interface Stats {
  readonly medianUs: number;
  readonly p99Us: number;
}

function stats(samplesMs: number[]): Stats {
  return { medianUs: median(samplesMs) * 1000, p99Us: p99(samplesMs) * 1000 };
}

/** Times each call on its own (so p99 is per call), after a warm-up. */
async function sample(fn: () => unknown, n = 3000): Promise<Stats> {
  for (let i = 0; i < 500; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

function row(name: string, s: Stats, base?: Stats): string {
  const ratio = base === undefined ? '' : `  ×${(s.medianUs / base.medianUs).toFixed(1)}`;
  return `${name.padEnd(44)} median ${s.medianUs.toFixed(1).padStart(8)} µs   p99 ${s.p99Us.toFixed(1).padStart(8)} µs${ratio}`;
}

export default async function (): Promise<void> {
  const engine = await PolicyEngine.create({ dir: policiesDir, watch: false });
  try {
    const sources = await readPolicySources(policiesDir);
    if (sources.type !== 'rego') throw new Error('expected Rego sources in policies/');
    const compiled = compile({ modules: sources.modules, entrypoints: [policyEntrypoints.capability] });
    const bare = await loadCompiledPolicy(compiled.wasm!);
    bare.setData(sources.data);

    const allowed = await engine.decide(policyEntrypoints.capability, input);
    if (!allowed.allow) throw new Error(`bench input is denied: ${allowed.reasons.join('; ')}`);

    const json = await sample(() => JSON.parse(JSON.stringify(input)));
    const sdk = await sample(() => bare.evaluate(input, 0));
    const decide = await sample(() => engine.decide(policyEntrypoints.capability, input));
    const worker = await workerRoundTrip();
    console.log('One decision of the shipped capability policy (http.fetch with a secret reference, allowed):');
    console.log(row('JSON round trip of the input (floor)', json));
    console.log(row('bare SDK policy.evaluate', sdk, json));
    console.log(row('PolicyEngine.decide (checks, ids, timing)', decide, json));
    console.log(row('worker_threads postMessage round trip', worker, json));

    await brokerOverhead(engine);
    await loadTime();
  } finally {
    await engine.close();
  }
}

/** What moving evaluation to a worker thread would add: a message there and back, nothing evaluated. */
async function workerRoundTrip(): Promise<Stats> {
  const w = new Worker("const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));", { eval: true });
  try {
    return await sample(
      () =>
        new Promise<void>((resolve) => {
          w.once('message', () => resolve());
          w.postMessage(input);
        }),
      2000,
    );
  } finally {
    await w.terminate();
  }
}

async function brokerOverhead(engine: PolicyEngine): Promise<void> {
  const noop = defineCapability<Record<string, never>, null>({
    name: 'bench.noop',
    description: 'Does nothing (benchmark only)',
    argsSchema: { type: 'object', additionalProperties: false },
    sideEffects: false,
    execute: async () => null,
  });
  const registry = createCapabilityRegistry([noop]);
  const broker = createCapabilityBroker({ registry, policy: engine, secrets: createSecretStore(), logger: createSilentLogger() });
  const workspaceDir = await mkdtemp(join(tmpdir(), 'aiws-bench-'));
  try {
    // A fresh run per batch keeps the default per-capability budget (100 calls) from denying.
    let run: RunContext = newRun(workspaceDir, 0);
    let calls = 0;
    const noopInput: CapabilityInput = { ...input, capability: { name: 'bench.noop', args: {} }, run: { id: 'r', callIndex: 0, callCounts: {} } };
    const validation = await sample(() => registry.validateArgs('bench.noop', {}));
    const policy = await sample(() => engine.decide(policyEntrypoints.capability, noopInput));
    const execute = await sample(() => noop.execute({}, undefined as never));
    const invoke = await sample(async () => {
      if (++calls % 90 === 0) run = newRun(workspaceDir, calls);
      await broker.invoke({ callId: calls, name: 'bench.noop', args: {} }, run);
    });
    const check = await broker.invoke({ callId: 0, name: 'bench.noop', args: {} }, newRun(workspaceDir, -1)).then(() => 'allowed', (e: unknown) => String(e));
    console.log(`\nBroker overhead of one no-op capability call (${check}):`);
    console.log(row('registry.validateArgs (ajv)', validation));
    console.log(row('PolicyEngine.decide (shipped policy)', policy));
    console.log(row('capability.execute (no-op)', execute));
    console.log(row('broker.invoke, end to end', invoke));
    const rest = invoke.medianUs - validation.medianUs - policy.medianUs - execute.medianUs;
    console.log(`${'  of which input building, queueing, events'.padEnd(44)} median ${rest.toFixed(1).padStart(8)} µs (difference of medians)`);
  } finally {
    await rm(workspaceDir, { recursive: true, force: true });
  }
}

/** What a hot reload costs: reading, compiling and instantiating the shipped policies (warm). */
async function loadTime(): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    const engine = await PolicyEngine.create({ dir: policiesDir, watch: false });
    samples.push(performance.now() - t);
    await engine.close();
  }
  console.log(`\nLoad of the shipped policies (read + compile + instantiate), what a hot reload costs: median ${median(samples.slice(1)).toFixed(0)} ms warm, ${samples[0]!.toFixed(0)} ms first`);
}

function newRun(workspaceDir: string, n: number): RunContext {
  return { id: `bench-${n}`, principal: { id: 'alice', scopes: ['runs:start'] }, workflow, workspaceDir, signal: new AbortController().signal };
}
