// Replay and the durable journal end to end, through the real daemon (started with its CLI) and a real
// client: (1) replay time vs original run time for a workflow that waits on slow http (a 127.0.0.1
// server answering after 250 ms, four sequential fetches): the replay answers from the record and
// must not wait; (2) run events/s through the daemon (runs.start → run.completed received, a workflow
// logging 2000 lines) with journal.durability 'fsync' vs 'none'. Benchmarks measure, never assert.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AiwsClient, type RunEvent } from '../src/client/index.ts';
import { startDaemon, type StartedDaemon } from '../test/helpers/daemon.ts';
import { median } from './bench-stats.ts';
import { printTable } from './bench-table.ts';

const slowMs = 250;
const fetches = 4;
const replays = 5;
const logLines = 2000;
const policies = fileURLToPath(new URL('../policies', import.meta.url));

const slowWorkflow = `export default async function (input, ctx) {
  const bodies = [];
  for (let i = 0; i < ${fetches}; i++) bodies.push((await ctx.http.fetch(input.url + '/slow?' + i)).body);
  return bodies.length;
}`;

const chattyWorkflow = `export default async function (input, ctx) {
  for (let i = 0; i < ${logLines}; i++) ctx.log('line ' + i, { i });
  return ${logLines};
}`;

export default async function replayBench(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'aiws-replay-bench-'));
  const server = createServer((_req, res) => setTimeout(() => res.end('{"ok":true}'), slowMs));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const policyDir = join(root, 'policies');
    await cp(policies, policyDir, { recursive: true });
    await writeFile(join(policyDir, 'aiws', 'settings', 'egress.yaml'), 'egress:\n  schemes: [http]\n  hosts: ["127.0.0.1"]\n');
    const base = { policies: { dir: policyDir, watch: false }, capabilities: { http: { allowPrivateNetworks: true, allowedCidrs: ['127.0.0.1/32'] } }, limits: { wallMs: 60_000 } };

    await withDaemon({ ...base, dataDir: join(root, 'replay') }, async (client) => {
      const started = performance.now();
      const { runId } = await client.request('runs.start', { code: slowWorkflow, input: { url }, capabilities: ['http.fetch'] });
      await settled(client, runId);
      const originalMs = performance.now() - started;
      const times: number[] = [];
      let result = '';
      for (let i = 0; i < replays; i++) {
        const t = performance.now();
        const report = (await client.request('runs.replay', { runId }, { timeoutMs: 60_000 })) as { result: string };
        times.push(performance.now() - t);
        result = report.result;
      }
      const medianMs = median(times);
      console.log(`replay of a run waiting on slow http (${fetches} sequential fetches, server answers after ${slowMs} ms; runs.replay round trip, median of ${replays})\n`);
      printTable([
        ['', 'wall ms'],
        ['original run (runs.start → run.completed)', originalMs.toFixed(0)],
        [`replay (result: ${result})`, medianMs.toFixed(1)],
        ['ratio original ÷ replay', (originalMs / medianMs).toFixed(0)],
      ]);
    });

    const rows: string[][] = [['journal.durability', 'events', 'run ms', 'events/s']];
    for (const durability of ['fsync', 'none'] as const) {
      await withDaemon({ ...base, dataDir: join(root, `events-${durability}`), journal: { durability } }, async (client) => {
        await settled(client, (await client.request('runs.start', { code: chattyWorkflow })).runId);
        const samples: { ms: number; events: number }[] = [];
        for (let i = 0; i < 3; i++) {
          const t = performance.now();
          const { runId } = await client.request('runs.start', { code: chattyWorkflow });
          const events = await settled(client, runId);
          samples.push({ ms: performance.now() - t, events });
        }
        const ms = median(samples.map((s) => s.ms));
        const events = samples[0]?.events ?? 0;
        rows.push([durability, String(events), ms.toFixed(0), (events / (ms / 1000)).toFixed(0)]);
      });
    }
    console.log(`\nrun events through the daemon: a workflow logging ${logLines} lines, runs.start → run.completed received (median of 3)\n`);
    printTable(rows);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(root, { recursive: true, force: true });
  }
}

async function withDaemon(config: Record<string, unknown>, body: (client: AiwsClient) => Promise<void>): Promise<void> {
  const daemon: StartedDaemon = await startDaemon({ config: { log: { level: 'warn' }, sandbox: { workers: 1, warmIsolates: 1 }, ...config } });
  const client = await AiwsClient.connect(daemon.url, { requestTimeoutMs: 60_000 });
  try {
    await body(client);
  } finally {
    await client.close();
    await daemon.stop();
    await daemon[Symbol.asyncDispose]();
  }
}

/** Waits for the run's terminal event; resolves with its seq (the run's event count). */
async function settled(client: AiwsClient, runId: string): Promise<number> {
  let last = 0;
  for await (const event of client.followRun(runId, { subscribed: true }) as AsyncIterable<RunEvent>) last = event.seq;
  return last;
}

