// Capability call overhead, in process (createSandbox + capability broker + PolicyEngine, no daemon,
// no sockets): a workflow makes sequential calls to a no-op capability (`bench.noop`, registered only
// here) and the host measures the interval between consecutive call arrivals, which is one full round
// trip guest → host → guest. Two modes side by side:
//   bare bridge  — onCall answers at once, no broker and no policy;
//   with policy  — onCall → broker.invoke: args validation, the shipped Rego policy compiled by aiws
//                  (data: a budget big enough for the bench), the no-op capability, event hooks.
// The policy row is the engine's own decision time (durationUs); the broker row is invoke() end to
// end on the host. Measures only; never asserts.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { createSilentLogger } from '../src/log/index.ts';
import { createSandbox, type GuestCall, type Sandbox } from '../src/sandbox/index.ts';
import { PolicyEngine } from '../src/policy/index.ts';
import { createCapabilityBroker, createCapabilityRegistry, createSecretStore, defineCapability, type RunContext } from '../src/capabilities/index.ts';
import { mean, median, p99 } from './bench-stats.ts';
import { printTable } from './bench-table.ts';

const callsPerRun = Math.min(Number(process.env.AIWS_BENCH_CALLS ?? 500) || 500, 20_000);
const runs = 4;
const warmupCalls = 50;
const limits = { memoryMb: 64, cpuMs: 60_000, wallMs: 120_000, maxOutputBytes: 65_536 };
const workflow = `export default async function (input, ctx) { for (let i = 0; i < input.n; i++) await ctx.call('bench.noop', {}); return input.n; }`;

interface Samples {
  /** Interval between consecutive call arrivals on the host (ms). */
  readonly roundTripMs: number[];
  /** broker.invoke() start → resolve (ms). */
  readonly brokerMs: number[];
  /** The policy engine's decision time (ms). */
  readonly policyMs: number[];
}

export default async function capabilitiesBench(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'aiws-bench-policies-'));
  await cp(join(root, 'policies'), dir, { recursive: true });
  await writeFile(join(dir, 'aiws', 'settings', 'budgets.yaml'), stringify({ budgets: { default: 100, total: 1e9, perCapability: { 'bench.noop': 1e9 } } }));
  const engine = await PolicyEngine.create({ dir, watch: false });
  const sandbox = await createSandbox({ workers: 1, warmIsolates: 1, warmMemoryMb: limits.memoryMb });
  try {
    const registry = createCapabilityRegistry([
      defineCapability({ name: 'bench.noop', description: 'Does nothing', argsSchema: { type: 'object', additionalProperties: false }, sideEffects: false, execute: async () => ({}) }),
    ]);
    const broker = createCapabilityBroker({ registry, policy: engine, secrets: createSecretStore(), logger: createSilentLogger() });
    const bare = await measure(sandbox, () => async () => null);
    const withPolicy = await measure(sandbox, (samples, runId) => {
      const run: RunContext = {
        id: runId,
        principal: { id: 'bench', scopes: ['runs:start', 'runs:adhoc'] },
        workflow: { name: 'adhoc', version: null, digest: 'sha256:00', verified: false, adhoc: true, declaredCapabilities: ['bench.noop'], tags: [] },
        workspaceDir: dir,
        signal: new AbortController().signal,
      };
      return async (call) => {
        const t0 = performance.now();
        const result = await broker.invoke(call, run, { onDecision: (d) => samples.policyMs.push(d.durationUs / 1000) });
        samples.brokerMs.push(performance.now() - t0);
        return result;
      };
    });
    console.log(`sequential ctx.call round trips to a no-op capability; ${runs} runs × ${callsPerRun} calls (first ${warmupCalls} of each run dropped); 1 worker; policy revision ${engine.status().revision?.slice(0, 19)}…`);
    console.log('round trip = interval between consecutive call arrivals on the host (guest → host → guest)\n');
    const rows: string[][] = [['metric', 'bare bridge', 'with policy', 'difference']];
    rows.push(['round trip median', ms(median(bare.roundTripMs)), ms(median(withPolicy.roundTripMs)), ms(median(withPolicy.roundTripMs) - median(bare.roundTripMs))]);
    rows.push(['round trip p99', ms(p99(bare.roundTripMs)), ms(p99(withPolicy.roundTripMs)), ms(p99(withPolicy.roundTripMs) - p99(bare.roundTripMs))]);
    rows.push(['  of which broker.invoke median', '—', ms(median(withPolicy.brokerMs)), '']);
    rows.push(['  of which broker.invoke p99', '—', ms(p99(withPolicy.brokerMs)), '']);
    rows.push(['    of which policy decision median', '—', ms(median(withPolicy.policyMs)), '']);
    rows.push(['    of which policy decision p99', '—', ms(p99(withPolicy.policyMs)), '']);
    rows.push(['calls/s (one run)', (1000 / mean(bare.roundTripMs)).toFixed(0), (1000 / mean(withPolicy.roundTripMs)).toFixed(0), '']);
    printTable(rows);
  } finally {
    await sandbox.close();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(sandbox: Sandbox, handler: (samples: Samples, runId: string) => (call: GuestCall) => Promise<unknown>): Promise<Samples> {
  const samples: Samples = { roundTripMs: [], brokerMs: [], policyMs: [] };
  for (let r = 0; r < runs; r++) {
    const runId = `bench-cap-${r}-${Math.random().toString(36).slice(2)}`;
    const serve = handler(samples, runId);
    let last: number | undefined;
    const outcome = await sandbox.run(
      { runId, code: workflow, filename: 'bench.js', input: { n: callsPerRun }, limits },
      {
        onLog: () => undefined,
        onCall: (call) => {
          const now = performance.now();
          if (last !== undefined && call.callId > warmupCalls) samples.roundTripMs.push(now - last);
          last = now;
          return serve(call);
        },
      },
    );
    if (outcome.status !== 'completed') throw new Error(`bench run ${outcome.status}: ${JSON.stringify(outcome)}`);
  }
  return samples;
}

function ms(value: number): string {
  return value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(2)} ms`;
}
