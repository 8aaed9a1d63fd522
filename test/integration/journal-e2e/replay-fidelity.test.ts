// Replay fidelity end to end: a capability result over `capabilities.maxEventValueBytes` travels in
// its event capped (size, preview, digest) but is kept whole in <dataDir>/results by that digest, so
// the replay hands the guest the very value it got (and refuses, REPLAY_UNAVAILABLE, when the stored
// result is missing or altered); and results delivered together reach the guest in journal order,
// live and on replay, with no gap between the replayed answers.
import { createServer, type ServerResponse } from 'node:http';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { replayRun } from '../../../src/jobs/index.ts';
import { CodeStore, ResultStore, codeDigest } from '../../../src/journal/index.ts';
import type { RunEvent } from '../../../src/protocol/index.ts';
import { createSandbox } from '../../../src/sandbox/index.ts';
import { workflow } from '../../helpers/daemon.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { copyDataDir, shippedPolicies, startOn, tempDir } from './journal-daemon.ts';

/** The shipped policies with http egress to 127.0.0.1 allowed, plus the daemon config letting it through. */
async function httpConfig(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const dir = await tempDir('aiws-policies-');
  await cp(shippedPolicies, dir, { recursive: true });
  await writeFile(join(dir, 'aiws', 'settings', 'egress.yaml'), 'egress:\n  schemes: [http]\n  hosts: ["127.0.0.1"]\n');
  return { policies: { dir, watch: false }, capabilities: { http: { allowPrivateNetworks: true, allowedCidrs: ['127.0.0.1/32'] }, ...extra } };
}

/**
 * A 127.0.0.1 server: `/big` answers a body of `bigChars` characters; `/pair/<k>/<name>` holds the
 * request until both `first` and `second` of pair k arrived, then answers `second` and `first` in the
 * same tick (second written first). Counts requests.
 */
async function testServer(bigChars: number): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const held = new Map<string, Map<string, ServerResponse>>();
  const server = createServer((req, res) => {
    requests++;
    const url = req.url ?? '/';
    if (url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(Array.from({ length: bigChars }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join(''));
      return;
    }
    const [, , pair = '', name = ''] = url.split('/');
    const waiting = held.get(pair) ?? new Map<string, ServerResponse>();
    held.set(pair, waiting);
    waiting.set(name, res);
    if (waiting.size < 2) return;
    for (const which of ['second', 'first']) waiting.get(which)?.end(which);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

interface Capped {
  readonly $capped: { readonly bytes: number; readonly sha256: string; readonly limitBytes: number };
  readonly preview: string;
}

const bigFetch = workflow(`
  const r = await ctx.http.fetch(input.url + '/big');
  let sum = 0;
  for (let i = 0; i < r.body.length; i++) sum = (sum * 31 + r.body.charCodeAt(i)) % 1000003;
  ctx.log('fetched', { length: r.body.length, sum, tail: r.body.slice(-8) });
  return { length: r.body.length, sum };
`);

describe('replay fidelity', () => {
  describe('results over capabilities.maxEventValueBytes', () => {
    it('stores the whole result by the digest its capped event names and replays identically', async () => {
      const server = await testServer(5000);
      const dataDir = await tempDir();
      const config = await httpConfig({ maxEventValueBytes: 1024 });
      const daemon = await startOn(dataDir, config);
      const client = await daemon.connect();
      const { runId } = await client.request<{ runId: string }>('runs.start', { code: bigFetch, input: { url: server.url }, capabilities: ['http.fetch'] });
      const terminal = await client.settled(runId);
      expect(terminal).toMatchObject({ type: 'run.completed', data: { output: { length: 5000 } } });

      // On the wire the event stays capped; the whole result is in <dataDir>/results under its digest.
      const completed = client.eventsOf(runId).find((e) => e.type === 'capability.completed');
      const capped = (completed?.data as { result: Capped }).result;
      expect(capped.$capped.limitBytes).toBe(1024);
      expect(capped.$capped.bytes).toBeGreaterThan(5000);
      const file = join(dataDir, 'results', `${capped.$capped.sha256.slice('sha256:'.length)}.json`);
      const stored = await readFile(file, 'utf8');
      expect(codeDigest(stored)).toBe(capped.$capped.sha256);
      expect((JSON.parse(stored) as { body: string }).body).toHaveLength(5000);

      const report = await client.request<{ result: string; calls: number; logs: number }>('runs.replay', { runId });
      expect(report).toMatchObject({ result: 'identical', calls: 1, logs: 1 });
      expect(server.requests()).toBe(1);
      await daemon.stop();

      // Altered: one byte of the stored result changed (a copy of the data dir, the daemon stopped).
      const altered = await copyDataDir(dataDir);
      const alteredFile = join(altered, 'results', `${capped.$capped.sha256.slice('sha256:'.length)}.json`);
      await writeFile(alteredFile, stored.replace('"body":"a', '"body":"b'));
      const onAltered = await startOn(altered, config);
      const refused = await runCli(['replay', runId, '--url', onAltered.url]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`the whole result of call 1 cannot be loaded: Cannot load result "${capped.$capped.sha256}": the stored result was altered`);
      expect(refused.stderr).toContain('REPLAY_UNAVAILABLE');

      // Missing: the results directory emptied.
      const missing = await copyDataDir(dataDir);
      await rm(join(missing, 'results'), { recursive: true, force: true });
      const onMissing = await startOn(missing, config);
      const client2 = await onMissing.connect();
      const gone = await client2.call('runs.replay', { runId });
      expect(gone.error?.data).toMatchObject({ code: 'REPLAY_UNAVAILABLE' });
      expect(gone.error?.message).toContain('has no such result');
      expect(server.requests()).toBe(1);
    });
  });

  describe('results delivered together', () => {
    it('hands the guest concurrent results in journal order and replays that order without a gap', async () => {
      const server = await testServer(0);
      const daemon = await startOn(await tempDir(), await httpConfig());
      const client = await daemon.connect();
      // Three pairs: in each, call "first" is made before "second", and the server answers both in one
      // tick, "second" first. Whatever order the results reached the worker in, the guest must see the
      // order the journal recorded (and the replay must reproduce it).
      const code = workflow(`
        const seen = [];
        for (let k = 0; k < 3; k++) {
          await Promise.all(['first', 'second'].map((name) => ctx.http.fetch(input.url + '/pair/' + k + '/' + name).then((r) => seen.push(k + ':' + r.body))));
          ctx.log('pair ' + k, { seen: seen.slice(-2) });
        }
        return seen;
      `);
      const { runId } = await client.request<{ runId: string }>('runs.start', { code, input: { url: server.url }, capabilities: ['http.fetch'] });
      const terminal = await client.settled(runId);
      expect(terminal.type).toBe('run.completed');
      const events = client.eventsOf(runId);
      const bodyOf = new Map(events.filter((e) => e.type === 'capability.requested').map((e) => [e.data.callId as number, String((e.data.args as { url: string }).url).split('/').slice(-2).join(':')]));
      const journalOrder = events.filter((e) => e.type === 'capability.completed').map((e) => bodyOf.get(e.data.callId as number));
      const seen = terminal.data.output as string[];
      expect(seen).toHaveLength(6);
      expect(seen).toEqual(journalOrder);
      expect(server.requests()).toBe(6);

      const report = await client.request<{ result: string; calls: number; logs: number }>('runs.replay', { runId });
      expect(report).toMatchObject({ result: 'identical', calls: 6, logs: 3 });
      expect(server.requests()).toBe(6);
    });

    it('replays answers due together in recorded order when it is the reverse of the callIds', async () => {
      // A hand-made record run through replayRun with a real sandbox: call 2 completed before call 1
      // (and call 4 before call 3); the replay releases each pair back to back.
      const dir = await tempDir('aiws-replay-order-');
      const code = await CodeStore.open({ dir: join(dir, 'code') });
      const results = await ResultStore.open({ dir: join(dir, 'results') });
      const source = workflow(`
        const seen = [];
        await Promise.all([ctx.call('kv.get', { key: 'a' }).then((v) => seen.push(v)), ctx.call('kv.get', { key: 'b' }).then((v) => seen.push(v))]);
        await Promise.all([ctx.call('kv.get', { key: 'c' }), ctx.call('kv.get', { key: 'd' })].map((p) => p.then((v) => seen.push(v), (e) => seen.push(e.code))));
        return seen;
      `);
      const digest = await code.put(source);
      const runId = 'run_order';
      let seq = 0;
      const event = (type: string, data: unknown): RunEvent => ({ runId, seq: ++seq, ts: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq)).toISOString(), type, data }) as RunEvent;
      const limits = { memoryMb: 32, cpuMs: 1000, wallMs: 5000, maxOutputBytes: 65536 };
      const events: RunEvent[] = [
        event('run.accepted', { codeDigest: digest, filename: 'workflow.js', input: null, limits }),
        event('run.started', { seed: 'order', clockStartMs: Date.UTC(2026, 0, 1) }),
        event('capability.requested', { callId: 1, name: 'kv.get', args: { key: 'a' } }),
        event('capability.requested', { callId: 2, name: 'kv.get', args: { key: 'b' } }),
        event('capability.completed', { callId: 2, result: 'B' }),
        event('capability.completed', { callId: 1, result: 'A' }),
        event('capability.requested', { callId: 3, name: 'kv.get', args: { key: 'c' } }),
        event('capability.requested', { callId: 4, name: 'kv.get', args: { key: 'd' } }),
        event('capability.failed', { callId: 4, error: { code: 'FS_NOT_FOUND', message: 'Cannot find key "d"' } }),
        event('capability.completed', { callId: 3, result: 'C' }),
        event('run.completed', { output: ['B', 'A', 'FS_NOT_FOUND', 'C'] }),
      ];
      const sandbox = await createSandbox({ warmMemoryMb: 32, workers: 1 });
      onTestFinished(() => sandbox.destroy('test finished'));
      for (let i = 0; i < 5; i++) {
        const report = await replayRun(events, { sandbox, code, results, defaultLimits: limits });
        expect(report).toMatchObject({ result: 'identical', calls: 4 });
      }
      // Swapping the recorded completions of the first pair swaps what the guest sees: order matters.
      const swapped = events.map((e) => (e.seq === 5 ? { ...e, data: { callId: 1, result: 'A' } } : e.seq === 6 ? { ...e, data: { callId: 2, result: 'B' } } : e)) as RunEvent[];
      expect(await replayRun(swapped, { sandbox, code, results, defaultLimits: limits })).toMatchObject({ result: 'diverged', stream: 'outcome', actual: { output: ['A', 'B', 'FS_NOT_FOUND', 'C'] } });
      expect(await readdir(join(dir, 'results'))).toEqual([]);
    });
  });
});
