// A small real JSON-RPC 2.0 WebSocket server on 127.0.0.1 for the client's unit tests: it keeps a
// per-run event history, replays it on runs.subscribe {afterSeq}, and lets a test drop connections
// or emit events while no client is connected, so resume can be checked without the whole daemon.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface TestServerOptions {
  /** When set, the upgrade needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Replay this many already-delivered events again on resubscribe (to provoke duplicates). */
  readonly replayOverlap?: number;
}

interface StoredEvent {
  runId: string;
  seq: number;
  ts: string;
  type: string;
  data?: unknown;
}

export class RpcTestServer {
  readonly #wss: WebSocketServer;
  readonly #options: TestServerOptions;
  readonly #history = new Map<string, StoredEvent[]>();
  readonly #subscribers = new Map<string, Set<WebSocket>>();
  /** Every request the server received, in order, for assertions. */
  readonly requests: { method: string; params: unknown }[] = [];
  #nextRun = 1;

  private constructor(wss: WebSocketServer, options: TestServerOptions) {
    this.#wss = wss;
    this.#options = options;
    wss.on('connection', (ws) => this.#serve(ws));
  }

  static async start(options: TestServerOptions = {}): Promise<RpcTestServer> {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      path: '/v1',
      handleProtocols: (protocols) => (protocols.has('aiws.v1') ? 'aiws.v1' : false),
      verifyClient: (info, done) => {
        if (options.token === undefined || info.req.headers.authorization === `Bearer ${options.token}`) done(true);
        else done(false, 401, 'Unauthorized');
      },
    });
    await once(wss, 'listening');
    return new RpcTestServer(wss, options);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}/v1`;
  }

  get connections(): number {
    return this.#wss.clients.size;
  }

  /** Records the next event of `runId` and sends it to the connections subscribed to the run. */
  emit(runId: string, type: string, data?: unknown): StoredEvent {
    const history = this.#history.get(runId) ?? [];
    this.#history.set(runId, history);
    const event = { runId, seq: history.length + 1, ts: new Date().toISOString(), type, ...(data === undefined ? {} : { data }) };
    history.push(event);
    for (const ws of this.#subscribers.get(runId) ?? []) send(ws, { jsonrpc: '2.0', method: 'run.event', params: event });
    return event;
  }

  /** Drops every connection without a close handshake, as a network failure would. */
  dropAll(): void {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#subscribers.clear();
  }

  async close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #serve(ws: WebSocket): void {
    ws.on('message', (raw) => {
      const message = JSON.parse(raw.toString()) as { id: number; method: string; params?: Record<string, unknown> };
      this.requests.push({ method: message.method, params: message.params });
      const reply = (result: unknown): void => send(ws, { jsonrpc: '2.0', id: message.id, result });
      const params = message.params ?? {};
      switch (message.method) {
        case 'echo':
          reply(params);
          return;
        case 'slow':
          // Answers after `delayMs`, so concurrent requests come back out of order.
          setTimeout(() => reply(params), Number(params.delayMs));
          return;
        case 'never':
          return;
        case 'fail':
          send(ws, {
            jsonrpc: '2.0',
            id: message.id,
            error: { code: -32031, message: 'Cannot start run: queue is full', data: { code: 'DAEMON_BUSY', retryable: true } },
          });
          return;
        case 'runs.start': {
          // Like the daemon: the submitter is subscribed and sees run.accepted before the response.
          const runId = `run-${this.#nextRun++}`;
          this.#subscribe(ws, runId);
          this.emit(runId, 'run.accepted');
          reply({ runId });
          return;
        }
        case 'runs.subscribe': {
          const runId = String(params.runId);
          const history = this.#history.get(runId);
          if (history === undefined) {
            send(ws, { jsonrpc: '2.0', id: message.id, error: { code: -32004, message: `Cannot find run "${runId}"`, data: { code: 'RUN_NOT_FOUND' } } });
            return;
          }
          const from = Math.max(0, Number(params.afterSeq ?? 0) - (this.#options.replayOverlap ?? 0));
          const last = history.at(-1);
          const terminal = last !== undefined && ['run.completed', 'run.failed', 'run.cancelled'].includes(last.type);
          reply({ runId, status: terminal ? last.type.slice(4) : 'running', lastSeq: history.length });
          for (const event of history.slice(from)) send(ws, { jsonrpc: '2.0', method: 'run.event', params: event });
          this.#subscribe(ws, runId);
          return;
        }
        case 'runs.unsubscribe':
          this.#subscribers.get(String(params.runId))?.delete(ws);
          reply({});
          return;
        default:
          send(ws, { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: `Unknown method "${message.method}"`, data: { code: 'PROTO_METHOD_NOT_FOUND' } } });
      }
    });
    ws.on('close', () => {
      for (const set of this.#subscribers.values()) set.delete(ws);
    });
  }

  #subscribe(ws: WebSocket, runId: string): void {
    const set = this.#subscribers.get(runId) ?? new Set();
    set.add(ws);
    this.#subscribers.set(runId, set);
  }
}

function send(ws: WebSocket, message: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}
