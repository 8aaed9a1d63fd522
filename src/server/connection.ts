/**
 * Connection: one WebSocket client. Decodes its messages, authenticates it (header or in-band),
 * checks scopes, dispatches methods to the JobService and streams run events back.
 *
 * Flow control: a frame is "queued" when `ws.send` is called while the socket already holds unflushed
 * data (`ws.bufferedAmount > 0`, i.e. the kernel buffers are full) and stays queued until flushed.
 * History replay only writes while little is queued, so it goes at the reader's pace. A live event
 * that finds `subscriberBufferEvents` frames queued means the client reads too slowly: it is closed
 * with 1013 and reason `PROTO_SUBSCRIBER_OVERFLOW` and resumes with `afterSeq`, so a slow reader never
 * blocks a run nor grows the daemon's memory without bound.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket, RawData } from 'ws';
import type { Logger } from '../log/index.ts';
import { DaemonError, codes, type ErrorCode } from '../errors/index.ts';
import { hasScope, type Authenticator, type Principal } from '../auth/index.ts';
import { scopeNames, type Scope } from '../config/index.ts';
import {
  decodeMessage,
  encodeError,
  encodeResult,
  encodeRunEvent,
  toDaemonError,
  type DaemonStatusResult,
  type JsonRpcId,
  type MethodName,
  type RunEvent,
  type RunStatus,
} from '../protocol/index.ts';
import type { JobService, RunAudit, RunEventSink, RunSubscription, StartRunRequest, Viewer, WorkflowRuns } from '../jobs/index.ts';

export interface ConnectionOptions {
  readonly ws: WebSocket;
  readonly jobs: JobService;
  /** Serves runs.replay, audit.verify and audit.export (journal issue). */
  readonly audit?: RunAudit;
  /** Serves workflows.list and workflows.describe; without it they answer WORKFLOW_NOT_FOUND / nothing. */
  readonly workflows?: WorkflowRuns;
  readonly authenticator: Authenticator;
  /** Set when the upgrade request carried a valid bearer token (or no token is needed). */
  readonly principal: Principal | undefined;
  readonly subscriberBufferEvents: number;
  /** Close an unauthenticated connection after this long. */
  readonly handshakeTimeoutMs: number;
  readonly status: () => DaemonStatusResult;
  readonly logger: Logger;
}

/** Scope each method needs. Ad-hoc code (`runs.start` with `code`) is admitted or refused by the admission policy (the default one wants `runs:adhoc`). */
const methodScopes: Readonly<Record<MethodName, Scope | null>> = {
  'runs.start': 'runs:start',
  'runs.subscribe': 'runs:read',
  'runs.unsubscribe': 'runs:read',
  'runs.cancel': 'runs:start',
  'runs.get': 'runs:read',
  'runs.list': 'runs:read',
  'daemon.status': null,
  'session.authenticate': null,
  'runs.replay': 'runs:read',
  'audit.verify': 'runs:read',
  'audit.export': 'runs:read',
  'workflows.list': 'workflows:read',
  'workflows.describe': 'workflows:read',
};

/** History replay pauses while more than this is waiting in the socket's user-space buffer. */
const replayHighWaterBytes = 256 * 1024;

/** WebSocket close reasons are capped at 123 bytes. */
function closeReason(code: ErrorCode, text: string): string {
  return `${code}: ${text}`.slice(0, 123);
}

/** A connected client. */
export class Connection implements AsyncDisposable {
  readonly id = randomUUID();
  #ws: WebSocket;
  #options: ConnectionOptions;
  #log: Logger;
  #principal: Principal | undefined;
  #subscriptions = new Map<string, RunSubscription>();
  /** Frames handed to ws while the socket was backed up, not yet flushed. */
  #queued = 0;
  #drainWaiters: (() => void)[] = [];
  #sink: RunEventSink;
  #closed = false;
  #handshakeTimer: NodeJS.Timeout | undefined;

  constructor(options: ConnectionOptions) {
    this.#ws = options.ws;
    this.#options = options;
    this.#principal = options.principal;
    this.#log = options.logger.child({ connId: this.id });
    const writable = (): boolean => this.#writable();
    this.#sink = {
      write: (event) => this.#sendEvent(event),
      get writable() {
        return writable();
      },
      drained: () => (this.#writable() || this.#closed ? Promise.resolve() : new Promise<void>((r) => this.#drainWaiters.push(r))),
    };
    this.#ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    this.#ws.on('close', (code, reason) => {
      this.#log.info({ code, reason: reason.toString() }, 'connection closed');
      this.#release();
    });
    this.#ws.on('error', (err) => this.#log.warn({ err }, 'connection error'));
    if (this.#principal === undefined) {
      this.#handshakeTimer = setTimeout(() => {
        this.close(codes.AUTH_REQUIRED.wsClose, closeReason('AUTH_REQUIRED', 'no session.authenticate in time'));
      }, options.handshakeTimeoutMs);
    }
    this.#log.info({ principal: this.#principal?.id ?? null }, 'connection opened');
  }

  /** Closes the socket with `code`; idempotent. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#release();
    this.#ws.close(code, reason);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close(1000, 'closed');
  }

  /** Drops the socket without a closing handshake. */
  destroy(): void {
    this.#release();
    this.#ws.terminate();
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#handshakeTimer);
    for (const subscription of this.#subscriptions.values()) subscription.close();
    this.#subscriptions.clear();
    for (const wake of this.#drainWaiters.splice(0)) wake();
  }

  #onMessage(data: RawData, _isBinary: boolean): void {
    if (this.#closed) return;
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const message = decodeMessage(text);
    if (message.type === 'rejected') {
      this.#log.debug({ code: message.error.code }, 'message rejected');
      if (message.id !== undefined) this.#send(encodeError(message.id, message.error));
      return;
    }
    const { id, method, params } = message;
    if (this.#principal === undefined && method !== 'session.authenticate') {
      const error = new DaemonError('AUTH_REQUIRED', `Cannot call "${method}": authenticate first with "session.authenticate" or an Authorization header`);
      this.#send(encodeError(id ?? null, error));
      this.close(codes.AUTH_REQUIRED.wsClose, closeReason('AUTH_REQUIRED', 'authenticate first'));
      return;
    }
    void this.#dispatch(id, method, params);
  }

  async #dispatch(id: JsonRpcId | undefined, method: MethodName, params: Record<string, unknown>): Promise<void> {
    try {
      const result = await this.#call(method, params);
      if (id !== undefined) this.#send(encodeResult(id, result));
      // Events follow the reply that announced them.
      if (method === 'runs.start' && params.subscribe !== false && !this.#closed) this.#subscribe((result as { runId: string }).runId, 0).start();
      if (method === 'runs.subscribe') this.#subscriptions.get(params.runId as string)?.start();
    } catch (err) {
      const errorId = randomUUID();
      const error = toDaemonError(err, errorId);
      if (error.code === 'INTERNAL') this.#log.error({ err, errorId, method }, 'method failed');
      if (id !== undefined) this.#send(encodeError(id, error));
      if (method === 'session.authenticate') {
        this.close(codes.AUTH_INVALID_TOKEN.wsClose, closeReason(error.code, 'authentication failed'));
      }
    }
  }

  async #call(method: MethodName, params: Record<string, unknown>): Promise<unknown> {
    if (method === 'session.authenticate') return this.#authenticate(params.token as string);
    const principal = this.#principal!;
    const scope = methodScopes[method];
    if (scope !== null) this.#requireScope(principal, scope, method);
    const viewer: Viewer = { principal: principal.id, admin: hasScope(principal, 'admin') };
    const jobs = this.#options.jobs;
    switch (method) {
      case 'runs.start': {
        // Whether ad-hoc code may run (`runs:adhoc`) is the admission policy's call, not a fixed check.
        const scopes = hasScope(principal, 'admin') ? [...scopeNames] : [...principal.scopes];
        const info = await jobs.start({ id: principal.id, scopes }, params as StartRunRequest);
        return { runId: info.runId };
      }
      case 'runs.subscribe': {
        const subscription = this.#subscribe(params.runId as string, (params.afterSeq as number | undefined) ?? 0);
        return { runId: subscription.runId, status: subscription.status, lastSeq: subscription.lastSeq };
      }
      case 'runs.unsubscribe': {
        const runId = params.runId as string;
        jobs.get(runId, viewer);
        this.#subscriptions.get(runId)?.close();
        this.#subscriptions.delete(runId);
        return { runId, subscribed: false };
      }
      case 'runs.cancel': {
        const info = await jobs.cancel(params.runId as string, viewer);
        return { runId: info.runId, status: info.status };
      }
      case 'runs.get':
        return jobs.get(params.runId as string, viewer);
      case 'runs.list':
        return { runs: jobs.list(viewer, params as { status?: RunStatus[]; since?: string; limit?: number }) };
      case 'daemon.status':
        return this.#options.status();
      case 'runs.replay':
        return this.#audit(method).replay(params.runId as string, viewer, { recheckPolicy: params.recheckPolicy === true });
      case 'audit.verify':
        return this.#audit(method).verify(params.all === true ? { all: true } : { runId: params.runId as string }, viewer);
      case 'workflows.list':
        return { workflows: this.#options.workflows?.list(params as { query?: string; tags?: string[]; verified?: boolean }) ?? [] };
      case 'workflows.describe':
        if (this.#options.workflows === undefined) {
          throw new DaemonError('WORKFLOW_NOT_FOUND', `Cannot find workflow "${String(params.workflow)}": this daemon has no workflow store`, { details: { workflow: params.workflow } });
        }
        return this.#options.workflows.describe(params.workflow as string);
      case 'audit.export':
        return { runId: params.runId as string, jsonl: await this.#audit(method).export(params.runId as string, viewer) };
    }
  }

  #audit(method: string): RunAudit {
    if (this.#options.audit === undefined) throw new DaemonError('INTERNAL', `Cannot serve "${method}": this daemon has no journal`);
    return this.#options.audit;
  }

  #authenticate(token: string): { principal: string; scopes: string[] } {
    const principal = this.#options.authenticator.authenticate(token);
    if (this.#principal !== undefined && principal.id !== this.#principal.id) {
      throw new DaemonError('AUTH_INVALID_TOKEN', `Cannot switch principal on an authenticated connection from "${this.#principal.id}"`);
    }
    this.#principal = principal;
    clearTimeout(this.#handshakeTimer);
    this.#log.info({ principal: principal.id }, 'connection authenticated');
    return { principal: principal.id, scopes: [...principal.scopes] };
  }

  #requireScope(principal: Principal, scope: Scope, method: string): void {
    if (!hasScope(principal, scope)) {
      throw new DaemonError('AUTH_FORBIDDEN', `Cannot call "${method}": principal "${principal.id}" lacks scope "${scope}"`, { details: { scope } });
    }
  }

  #subscribe(runId: string, afterSeq: number): RunSubscription {
    const principal = this.#principal!;
    const viewer: Viewer = { principal: principal.id, admin: hasScope(principal, 'admin') };
    const subscription = this.#options.jobs.subscribe(runId, viewer, afterSeq, this.#sink);
    this.#subscriptions.get(runId)?.close();
    // A socket that closed while the call was in flight must not leave a listener behind.
    if (this.#closed) subscription.close();
    else this.#subscriptions.set(runId, subscription);
    return subscription;
  }

  #writable(): boolean {
    return this.#queued < Math.max(1, this.#options.subscriberBufferEvents >> 1) && this.#ws.bufferedAmount < replayHighWaterBytes;
  }

  #sendEvent(event: RunEvent): void {
    if (this.#closed) return;
    if (this.#queued >= this.#options.subscriberBufferEvents) {
      this.#log.warn({ queued: this.#queued, runId: event.runId, seq: event.seq }, 'subscriber overflow');
      this.close(codes.PROTO_SUBSCRIBER_OVERFLOW.wsClose, closeReason('PROTO_SUBSCRIBER_OVERFLOW', 'reading too slowly: resume with afterSeq'));
      return;
    }
    this.#send(encodeRunEvent(event));
  }

  #send(text: string): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    const queued = this.#ws.bufferedAmount > 0;
    if (queued) this.#queued++;
    this.#ws.send(text, () => {
      if (queued) this.#queued--;
      if (this.#drainWaiters.length > 0 && this.#writable()) for (const wake of this.#drainWaiters.splice(0)) wake();
    });
  }
}
