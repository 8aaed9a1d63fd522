/**
 * Support for the capabilities end-to-end tests: a temp copy of the shipped policies with the test's
 * data overrides, a small HTTP server on 127.0.0.1 that records what reached it (and can hold a
 * request until the test releases it), and helpers to read one call's events out of a run.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { stringify } from 'yaml';
import { shippedPoliciesDir, type TestClient, type WireEvent } from '../../helpers/daemon.ts';

/** A policies directory the test owns: removed by `remove()`. */
export interface TempPolicies {
  readonly dir: string;
  /** Writes (or replaces) a file relative to the directory. */
  write(relativePath: string, content: string): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Copies the shipped `policies/` (Rego + data) to a temp dir, then writes each `settings` entry as
 * `aiws/settings/<name>.yaml` holding `{ <name>: value }` (replacing the shipped file).
 */
export async function tempPolicies(settings: Readonly<Record<string, unknown>> = {}, options: { readonly empty?: boolean } = {}): Promise<TempPolicies> {
  const dir = await mkdtemp(join(tmpdir(), 'aiws-policies-'));
  if (options.empty !== true) await cp(shippedPoliciesDir, dir, { recursive: true });
  const write = async (relativePath: string, content: string): Promise<void> => {
    const file = join(dir, ...relativePath.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
  };
  for (const [name, value] of Object.entries(settings)) await write(`aiws/settings/${name}.yaml`, stringify({ [name]: value }));
  return { dir, write, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Egress settings that let http.fetch reach the test server (and name other hosts the test uses). */
export function egressTo(...hosts: string[]): { schemes: string[]; hosts: string[] } {
  return { schemes: ['http', 'https'], hosts };
}

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A recording HTTP server on 127.0.0.1. */
export interface EchoServer {
  readonly origin: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  /** Releases every request held on `/hold`. */
  release(): void;
  close(): Promise<void>;
}

/**
 * Routes: `/echo` (JSON of method, url, headers, body), `/redirect?to=URL`, `/hold` (answers only
 * after `release()`), `/big?bytes=N`; anything else 404.
 */
export async function startEchoServer(): Promise<EchoServer> {
  const sockets = new Set<Socket>();
  const requests: SeenRequest[] = [];
  let held: (() => void)[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const url = new URL(req.url ?? '/', 'http://test');
    switch (url.pathname) {
      case '/echo':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
        return;
      case '/redirect':
        res.writeHead(302, { location: url.searchParams.get('to') ?? '/echo' });
        res.end('moved');
        return;
      case '/hold':
        held.push(() => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('released');
        });
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('b'.repeat(Number(url.searchParams.get('bytes') ?? '0')));
        return;
      default:
        res.writeHead(404);
        res.end('not found');
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    release() {
      const waiting = held;
      held = [];
      for (const answer of waiting) answer();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The capability and policy events of one call, in arrival order. */
export function callEvents(events: readonly WireEvent[], callId: number): WireEvent[] {
  return events.filter((e) => (e.type.startsWith('capability.') || e.type === 'policy.decision') && e.data.callId === callId);
}

/** Starts `code` declaring `capabilities`, waits for its terminal event, and returns it with all its events. */
export async function runToEnd(client: TestClient, code: string, capabilities: readonly string[], input?: unknown): Promise<{ runId: string; end: WireEvent; events: WireEvent[] }> {
  const { runId } = await client.request<{ runId: string }>('runs.start', { code, capabilities, ...(input === undefined ? {} : { input }) });
  const end = await client.settled(runId);
  return { runId, end, events: client.eventsOf(runId) };
}

/** Asserts the seq numbers of a run's events are 1..n without gaps (each event exactly once). */
export function seqs(events: readonly WireEvent[]): number[] {
  return events.map((e) => e.seq);
}
