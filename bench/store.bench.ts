// Store workflow vs ad-hoc code: start-to-completion latency (runs.start sent → run.completed
// received) of the same small workflow run from the workflow store (`runs.start {workflow}`: range
// resolution, input schema, admission with the verified identity, output schema) and submitted as
// ad-hoc `code` with the same limits, through the real daemon started by `aiws serve`, one connection.
// Blocks run back to back (store, ad-hoc, store, ad-hoc) so drift shows up in both columns alike.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AiwsClient } from '../src/client/index.ts';
import { startDaemon } from '../test/helpers/daemon.ts';
import { writeFixture } from '../test/helpers/workflow-fixture.ts';
import { devPublicKey, signWithDevKey } from '../test/integration/store-e2e/support.ts';
import { median, p99 } from './bench-stats.ts';
import { printTable, ratio } from './bench-table.ts';

/** Measured runs per variant; AIWS_BENCH_RUNS overrides (kept bounded either way). */
const runsPerVariant = Math.min(Number(process.env.AIWS_BENCH_RUNS ?? 200) || 200, 5_000);
const warmupRuns = 20;
const blocks = 2;

const code = `export default async function (input, ctx) {
  const words = input.who.split(/\\s+/).filter(Boolean);
  return { text: 'Hello, ' + words.join(' ') };
}
`;
const limits = { memoryMb: 32, cpuMs: 1000, wallMs: 5000 };

export default async function storeBench(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'aiws-store-bench-'));
  try {
    const dir = await writeFixture(root, {
      name: 'hello',
      code,
      manifest: { capabilities: [], errors: [], limits },
      cases: [{ name: 'greets', kind: 'functional', input: { who: 'Ada' }, calls: [], output: { text: 'Hello, Ada' } }],
    });
    await signWithDevKey(dir, 'hello', '1.0.0');
    const daemon = await startDaemon({ config: { log: { level: 'error' }, limits: {}, store: { dir: root, trustedKeys: [devPublicKey], watch: false } } });
    try {
      const client = await AiwsClient.connect(daemon.url);
      try {
        const store = { workflow: 'hello@^1', input: { who: 'Ada Lovelace' } };
        const adhoc = { code, input: { who: 'Ada Lovelace' }, limits };
        const storeMs: number[] = [];
        const adhocMs: number[] = [];
        for (let block = 0; block < blocks; block++) {
          storeMs.push(...(await measure(client, store, Math.ceil(runsPerVariant / blocks))));
          adhocMs.push(...(await measure(client, adhoc, Math.ceil(runsPerVariant / blocks))));
        }
        console.log(`same code and limits (${limits.memoryMb} MiB, ${limits.cpuMs} ms CPU); ${runsPerVariant} runs each after ${warmupRuns} warm-up runs per block; one connection; loopback`);
        console.log('latency = runs.start sent → run.completed received; ratio = store ÷ ad-hoc\n');
        printTable([
          ['metric', 'store workflow (hello@^1, verified)', 'ad-hoc code', 'ratio'],
          ['latency median', ms(median(storeMs)), ms(median(adhocMs)), ratio(median(storeMs), median(adhocMs))],
          ['latency p99', ms(p99(storeMs)), ms(p99(adhocMs)), ratio(p99(storeMs), p99(adhocMs))],
        ]);
      } finally {
        await client.close();
      }
    } finally {
      await daemon[Symbol.asyncDispose]();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Warm-up, then `count` runs back to back; the latencies of the completed ones. */
async function measure(client: AiwsClient, params: Record<string, unknown>, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let n = 0; n < warmupRuns + count; n++) {
    const started = performance.now();
    const { runId } = (await client.request('runs.start', params)) as { runId: string };
    for await (const event of client.followRun(runId, { subscribed: true })) {
      if (event.type === 'run.completed' && n >= warmupRuns) latencies.push(performance.now() - started);
      if (event.type === 'run.failed') throw new Error(`bench run failed: ${JSON.stringify(event.data)}`);
    }
  }
  return latencies;
}

const ms = (value: number): string => `${value.toFixed(2)} ms`;
