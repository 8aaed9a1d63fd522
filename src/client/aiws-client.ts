/**
 * AiwsClient: a JSON-RPC 2.0 client for the aiws daemon over one WebSocket (protocol v1).
 *
 * It correlates responses with requests by id, turns error responses into AiwsRpcError, routes
 * `run.event` notifications to per-run listeners, and follows a run across dropped connections by
 * reconnecting and resubscribing with `afterSeq` (`followRun`). The CLI, the benchmarks and the
 * tests all reach the daemon through it.
 */
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { AiwsConnectionError } from './aiws-connection-error.ts';
import { AiwsRpcError, type RpcErrorPayload } from './aiws-rpc-error.ts';
import { AsyncQueue } from './async-queue.ts';
import { terminalEventTypes, terminalStatuses, type AiwsMethod, type AiwsMethods, type RunEvent } from './types.ts';

/** The WebSocket subprotocol of protocol v1. */
export const protocolV1 = 'aiws.v1';

/** Where `aiws` looks for a daemon when no URL is given. */
export const defaultDaemonUrl = 'ws://127.0.0.1:7777/v1';

export interface AiwsClientOptions {
  /** Sent as `Authorization: Bearer <token>` on the upgrade request; none when absent. */
  readonly token?: string;
  /** Aborts connecting (and later reconnecting). */
  readonly signal?: AbortSignal;
  /** @default 10_000 */
  readonly connectTimeoutMs?: number;
  /** Default for `request()` when the call gives no `timeoutMs`. @default 30_000 */
  readonly requestTimeoutMs?: number;
  /**
   * Events kept for runs no listener has claimed yet, so that events the daemon sends before the
   * `runs.start` response (the submitter is subscribed automatically) are not lost. @default 10_000
   */
  readonly maxUnclaimedEvents?: number;
}

export interface ResolvedAiwsClientOptions {
  readonly token: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxUnclaimedEvents: number;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** @default the client's requestTimeoutMs */
  readonly timeoutMs?: number;
}

export interface FollowRunOptions {
  /** Yield only events with a higher seq. @default 0 */
  readonly afterSeq?: number;
  /**
   * True when this connection is already subscribed to the run (e.g. `runs.start` with the default
   * `subscribe: true`), so no `runs.subscribe` is sent until a reconnect. @default false
   */
  readonly subscribed?: boolean;
  readonly signal?: AbortSignal;
  /** Consecutive reconnect attempts before giving up. @default 5 */
  readonly maxReconnects?: number;
  /** Delay before the first reconnect attempt, doubled after each failure. @default 100 */
  readonly reconnectDelayMs?: number;
}

/** Why the connection went away, as given to `onDisconnect` listeners. */
export interface DisconnectInfo {
  readonly code: number;
  readonly reason: string;
}

/**
 * Connection state.
 *
 * ```
 * open ──drop──▶ disconnected ──reconnect()──▶ open
 *   │                 │
 *   └──close()/destroy()──▶ closed
 * ```
 */
export type AiwsClientState = 'open' | 'disconnected' | 'closed';

type EventListener = (event: RunEvent) => void;

interface PendingRequest {
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type FollowItem = { type: 'event'; event: RunEvent } | { type: 'disconnect' };

export class AiwsClient {
  /** The daemon's `ws://` or `wss://` URL, path included. */
  readonly url: string;
  readonly #options: ResolvedAiwsClientOptions;
  #ws: WebSocket;
  #state: AiwsClientState = 'open';
  #nextId = 1;
  #pending = new Map<number, PendingRequest>();
  #listeners = new Map<string, Set<EventListener>>();
  #unclaimed = new Map<string, RunEvent[]>();
  #unclaimedCount = 0;
  #disconnectListeners = new Set<(info: DisconnectInfo) => void>();
  /** Wakes followRun loops when the client is closed (no disconnect is reported then). */
  #closeListeners = new Set<() => void>();
  #reconnecting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  private constructor(url: string, options: ResolvedAiwsClientOptions, ws: WebSocket) {
    this.url = url;
    this.#options = options;
    this.#ws = ws;
    this.#attach(ws);
  }

  /**
   * Opens a connection to the daemon at `url` (e.g. `ws://127.0.0.1:7777/v1`).
   * @throws AiwsConnectionError when the socket cannot be opened or the daemon refuses the upgrade
   *   (`failure: 'rejected'`, `httpStatus: 401` for a bad or missing token)
   */
  static async connect(url: string, options: AiwsClientOptions = {}): Promise<AiwsClient> {
    const resolved: ResolvedAiwsClientOptions = {
      token: options.token,
      signal: options.signal,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      maxUnclaimedEvents: options.maxUnclaimedEvents ?? 10_000,
    };
    const ws = await openSocket(url, resolved);
    return new AiwsClient(url, resolved, ws);
  }

  get state(): AiwsClientState {
    return this.#state;
  }

  /**
   * Sends one JSON-RPC request and resolves with its `result`.
   * @throws AiwsRpcError for an error response (match on `.code`, e.g. `DAEMON_BUSY`)
   * @throws AiwsConnectionError when the connection is not open or closes before the response
   * @throws the signal's reason (`TimeoutError` after `timeoutMs`) when aborted
   */
  request<M extends AiwsMethod>(method: M, params?: AiwsMethods[M]['params'], options?: RequestOptions): Promise<AiwsMethods[M]['result']>;
  request(method: string, params?: unknown, options?: RequestOptions): Promise<unknown>;
  request(method: string, params?: unknown, options: RequestOptions = {}): Promise<unknown> {
    if (this.#state !== 'open') {
      return Promise.reject(new AiwsConnectionError('closed', this.url, `Cannot send "${method}": the connection is ${this.#state}`));
    }
    const id = this.#nextId++;
    const signal = AbortSignal.any([
      ...(options.signal === undefined ? [] : [options.signal]),
      AbortSignal.timeout(options.timeoutMs ?? this.#options.requestTimeoutMs),
    ]);
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<unknown>((resolve, reject) => {
      const onAbort = (): void => {
        this.#pending.delete(id);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        method,
        resolve: (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      const message = params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
      this.#ws.send(JSON.stringify(message), (error) => {
        if (error === undefined || error === null) return;
        this.#pending.get(id)?.reject(new AiwsConnectionError('closed', this.url, `Cannot send "${method}": ${error.message}`, { cause: error }));
        this.#pending.delete(id);
      });
    });
  }

  /**
   * Calls `listener` with every `run.event` of `runId` this connection receives, starting with any
   * the client buffered before a listener existed. Returns the function that removes the listener.
   */
  onEvent(runId: string, listener: EventListener): () => void {
    let set = this.#listeners.get(runId);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(runId, set);
    }
    set.add(listener);
    const buffered = this.#unclaimed.get(runId);
    if (buffered !== undefined) {
      this.#unclaimed.delete(runId);
      this.#unclaimedCount -= buffered.length;
      for (const event of buffered) listener(event);
    }
    return () => {
      const current = this.#listeners.get(runId);
      current?.delete(listener);
      if (current?.size === 0) this.#listeners.delete(runId);
    };
  }

  /** Calls `listener` when the connection drops (not when the client is closed). */
  onDisconnect(listener: (info: DisconnectInfo) => void): () => void {
    this.#disconnectListeners.add(listener);
    return () => this.#disconnectListeners.delete(listener);
  }

  /**
   * Opens a new connection after a drop; listeners survive, subscriptions do not (resubscribe, or
   * let `followRun` do it). Concurrent callers share one attempt. A no-op while open.
   * @throws AiwsConnectionError when the daemon cannot be reached or the client was closed
   */
  reconnect(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(new AiwsConnectionError('closed', this.url, 'Cannot reconnect: the client is closed'));
    this.#reconnecting ??= openSocket(this.url, this.#options)
      .then((ws) => {
        if (this.#state === 'closed') {
          ws.terminate();
          throw new AiwsConnectionError('closed', this.url, 'Cannot reconnect: the client is closed');
        }
        this.#ws = ws;
        this.#attach(ws);
        this.#state = 'open';
      })
      .finally(() => {
        this.#reconnecting = undefined;
      });
    return this.#reconnecting;
  }

  /**
   * Yields the events of `runId` after `afterSeq`, in seq order with no gaps or duplicates, until
   * the run's terminal event (`run.completed`, `run.failed`, `run.cancelled`). When the connection
   * drops it reconnects and resubscribes with the last seq it yielded.
   * @throws AiwsRpcError from `runs.subscribe` (`RUN_NOT_FOUND`, ...)
   * @throws AiwsConnectionError after `maxReconnects` failed attempts in a row
   */
  async *followRun(runId: string, options: FollowRunOptions = {}): AsyncGenerator<RunEvent, void, undefined> {
    const { signal } = options;
    const maxReconnects = options.maxReconnects ?? 5;
    const reconnectDelayMs = options.reconnectDelayMs ?? 100;
    let lastSeq = options.afterSeq ?? 0;
    let finished = false;
    const queue = new AsyncQueue<FollowItem>();
    const offEvent = this.onEvent(runId, (event) => queue.push({ type: 'event', event }));
    const offDisconnect = this.onDisconnect(() => queue.push({ type: 'disconnect' }));
    const onClose = (): void => queue.push({ type: 'disconnect' });
    this.#closeListeners.add(onClose);
    // A drop before this call reported nothing to this loop: handle it as if it came now.
    if (this.#state !== 'open') queue.push({ type: 'disconnect' });
    const subscribe = async (): Promise<boolean> => {
      const result = await this.request('runs.subscribe', { runId, afterSeq: lastSeq }, { signal });
      // A finished run whose history we have already seen sends nothing more.
      return terminalStatuses.has(result.status) && result.lastSeq <= lastSeq;
    };
    try {
      if (options.subscribed !== true && this.#state === 'open' && (await subscribe())) {
        finished = true;
        return;
      }
      let failures = 0;
      for (;;) {
        const item = await queue.shift(signal);
        if (item.type === 'disconnect') {
          if (this.#isClosed()) throw new AiwsConnectionError('closed', this.url, `Cannot follow run "${runId}": the client is closed`);
          for (;;) {
            try {
              await this.reconnect();
              if (await subscribe()) {
                finished = true;
                return;
              }
              failures = 0;
              break;
            } catch (error) {
              if (!(error instanceof AiwsConnectionError) || this.#isClosed() || ++failures > maxReconnects) throw error;
              await sleep(reconnectDelayMs * 2 ** (failures - 1), undefined, { signal });
            }
          }
          continue;
        }
        const { event } = item;
        if (event.seq <= lastSeq) continue;
        if (event.seq > lastSeq + 1) {
          // The daemon promises gapless seqs per subscription; if one is missing anyway, ask for the
          // history again rather than yield a hole (duplicates that follow are skipped above).
          await this.request('runs.unsubscribe', { runId }, { signal });
          await subscribe();
          continue;
        }
        failures = 0;
        lastSeq = event.seq;
        yield event;
        if (terminalEventTypes.has(event.type)) {
          finished = true;
          return;
        }
      }
    } finally {
      offEvent();
      offDisconnect();
      this.#closeListeners.delete(onClose);
      if (!finished && this.#state === 'open') this.request('runs.unsubscribe', { runId }).catch(() => undefined);
    }
  }

  /**
   * Closes the connection with 1000 after rejecting pending requests; idempotent. Waits up to one
   * second for the daemon's close frame, then drops the socket.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown(() => {
      const ws = this.#ws;
      if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => ws.terminate(), 1_000);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.close(1000, 'client closed');
      });
    });
    return this.#closing;
  }

  /** Drops the connection at once, rejecting pending requests with `reason`; idempotent. */
  destroy(reason: unknown = new AiwsConnectionError('closed', this.url, 'The client was destroyed')): void {
    this.#closing ??= this.#shutDown(() => {
      this.#ws.terminate();
      return Promise.resolve();
    }, reason);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // A method rather than a comparison so TypeScript does not narrow #state across awaits.
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #shutDown(closeSocket: () => Promise<void>, reason?: unknown): Promise<void> {
    this.#state = 'closed';
    this.#rejectPending(reason ?? new AiwsConnectionError('closed', this.url, 'The client was closed'));
    this.#listeners.clear();
    this.#unclaimed.clear();
    this.#unclaimedCount = 0;
    for (const listener of [...this.#closeListeners]) listener();
    return closeSocket();
  }

  #attach(ws: WebSocket): void {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.#receive(data.toString());
    });
    ws.on('error', () => {
      // Reported through 'close', which always follows.
    });
    ws.once('close', (code, reasonBuffer) => {
      if (ws !== this.#ws || this.#state === 'closed') return;
      const reason = reasonBuffer.toString();
      this.#state = 'disconnected';
      const detail = `connection closed: ${describeClose(code, reason)}`;
      this.#rejectPending(
        new AiwsConnectionError('closed', this.url, `Connection to "${this.url}" lost: ${detail}`, { detail, closeCode: code, closeReason: reason }),
      );
      for (const listener of [...this.#disconnectListeners]) listener({ code, reason });
    });
  }

  #receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return; // Not JSON: nothing to correlate it with; the daemon never sends this.
    }
    for (const item of Array.isArray(message) ? message : [message]) {
      if (typeof item !== 'object' || item === null) continue;
      const record = item as Record<string, unknown>;
      if (typeof record.method === 'string') {
        if (record.method === 'run.event') this.#dispatchEvent(record.params as RunEvent);
        continue;
      }
      if (typeof record.id !== 'number') continue;
      const pending = this.#pending.get(record.id);
      if (pending === undefined) continue;
      this.#pending.delete(record.id);
      if (record.error !== undefined) pending.reject(new AiwsRpcError(pending.method, record.error as RpcErrorPayload));
      else pending.resolve(record.result);
    }
  }

  #dispatchEvent(event: RunEvent): void {
    if (typeof event !== 'object' || event === null || typeof event.runId !== 'string') return;
    const listeners = this.#listeners.get(event.runId);
    if (listeners !== undefined) {
      for (const listener of [...listeners]) listener(event);
      return;
    }
    let buffered = this.#unclaimed.get(event.runId);
    if (buffered === undefined) {
      buffered = [];
      this.#unclaimed.set(event.runId, buffered);
    }
    buffered.push(event);
    this.#unclaimedCount++;
    // Evict whole runs, oldest first, so a buffer is never left with a hole in the middle.
    while (this.#unclaimedCount > this.#options.maxUnclaimedEvents) {
      const [oldest, events] = this.#unclaimed.entries().next().value as [string, RunEvent[]];
      this.#unclaimed.delete(oldest);
      this.#unclaimedCount -= events.length;
    }
  }

  #rejectPending(error: unknown): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) request.reject(error);
  }
}

function openSocket(url: string, options: ResolvedAiwsClientOptions): Promise<WebSocket> {
  options.signal?.throwIfAborted();
  return new Promise<WebSocket>((resolve, reject) => {
    const headers: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, [protocolV1], { headers, handshakeTimeout: options.connectTimeoutMs });
    } catch (error) {
      const detail = (error as Error).message;
      reject(new AiwsConnectionError('connect', url, `Cannot connect to "${url}": ${detail}`, { detail, cause: error }));
      return;
    }
    let settled = false;
    const settle = (error?: AiwsConnectionError): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      ws.off('open', onOpen);
      ws.off('error', onError);
      ws.off('unexpected-response', onUnexpected);
      ws.off('close', onClose);
      if (error === undefined) {
        resolve(ws);
        return;
      }
      ws.on('error', () => undefined);
      ws.terminate();
      reject(error);
    };
    const onOpen = (): void => settle();
    const onError = (error: Error): void => {
      const detail = describeSocketError(error);
      settle(new AiwsConnectionError('connect', url, `Cannot connect to "${url}": ${detail}`, { detail, cause: error }));
    };
    const onClose = (code: number, reason: Buffer): void => {
      const detail = `connection closed: ${describeClose(code, reason.toString())}`;
      settle(new AiwsConnectionError('closed', url, `Cannot connect to "${url}": ${detail}`, { detail, closeCode: code, closeReason: reason.toString() }));
    };
    const onUnexpected = (_request: unknown, response: IncomingMessage): void => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', () => undefined);
      const finish = (): void => {
        const body = Buffer.concat(chunks).toString().trim().slice(0, 200);
        const text = body === '' ? (response.statusMessage ?? '') : body;
        const detail = `HTTP ${status}${text === '' ? '' : ` ${text}`}`;
        settle(new AiwsConnectionError('rejected', url, `Daemon at "${url}" refused the connection: ${detail}`, { detail, httpStatus: status }));
      };
      response.once('end', finish);
      response.once('close', finish);
    };
    const onAbort = (): void => settle(new AiwsConnectionError('connect', url, `Cannot connect to "${url}": aborted`, { detail: 'aborted', cause: options.signal?.reason }));
    ws.on('open', onOpen);
    ws.on('error', onError);
    ws.on('close', onClose);
    ws.on('unexpected-response', onUnexpected);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describeSocketError(error: Error): string {
  const { code } = error as NodeJS.ErrnoException;
  if (error instanceof AggregateError && error.errors.length > 0) return describeSocketError(error.errors[0] as Error);
  return code !== undefined && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}

function describeClose(code: number, reason: string): string {
  return reason === '' ? `code ${code}` : `code ${code} "${reason}"`;
}
