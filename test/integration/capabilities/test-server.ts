/**
 * Test support: a real HTTP(S) server on 127.0.0.1, port 0, that records what reached it.
 *
 * Routes: /echo (JSON of method, url, headers, body), /redirect?to=URL&status=N, /loop,
 * /slow (never answers), /stall (headers then silence), /big?bytes=N (with content-length),
 * /stream?bytes=N (chunked, no length), /reflect (the authorization header as the body), /json, /text.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { onTestFinished } from 'vitest';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface TestServer {
  readonly origin: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  /** TCP connections accepted so far. */
  connections: number;
}

async function handle(req: IncomingMessage, res: ServerResponse, server: TestServer): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://test');
  server.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  switch (url.pathname) {
    case '/echo':
      res.writeHead(200, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
      return;
    case '/redirect':
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/echo' });
      res.end('moved');
      return;
    case '/loop':
      res.writeHead(302, { location: '/loop' });
      res.end();
      return;
    case '/slow':
      return;
    case '/stall':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      return;
    case '/big':
      res.writeHead(200, { 'content-length': url.searchParams.get('bytes') ?? '0' });
      res.end('z'.repeat(Number(url.searchParams.get('bytes'))));
      return;
    case '/stream': {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const total = Number(url.searchParams.get('bytes'));
      for (let sent = 0; sent < total; sent += 1000) res.write('s'.repeat(Math.min(1000, total - sent)));
      res.end();
      return;
    }
    case '/reflect':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req.headers.authorization ?? '');
      return;
    case '/json':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true,"n":[1,2]}');
      return;
    case '/text':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('not json');
      return;
    default:
      res.writeHead(404);
      res.end('not found');
  }
}

/** Starts a server closed when the test finishes; with `tls` it speaks https. */
export async function startTestServer(options: { readonly tls?: { readonly key: string; readonly cert: string } } = {}): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state: { origin: string; port: number; requests: SeenRequest[]; connections: number } = { origin: '', port: 0, requests: [], connections: 0 };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res, state).catch(() => res.destroy());
  };
  const server: Server = options.tls === undefined ? createHttpServer(listener) : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener);
  server.on('connection', (socket: Socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  state.port = address.port;
  state.origin = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${address.port}`;
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return state;
}
