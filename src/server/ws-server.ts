/**
 * WsServer: the HTTP listener that upgrades `/v1` to WebSocket (subprotocol `aiws.v1`), authenticates
 * the upgrade and hands each socket to a Connection.
 *
 * States: 'idle' ──listen()──► 'listening' ──stopAccepting()──► 'draining' ──close()──► 'closed'.
 *
 * Upgrade answers: 404 for another path, 400 when the client offers subprotocols but not `aiws.v1`,
 * 401 for an `Authorization` header with a bad or unknown token, 503 while closing. Without an
 * `Authorization` header the socket opens unauthenticated and must call `session.authenticate` first
 * (the browser form). Frames over `maxMessageBytes` make `ws` close the socket with 1009.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log/index.ts';
import { isDaemonError } from '../errors/index.ts';
import { bearerToken, type Authenticator, type Principal } from '../auth/index.ts';
import { protocolName, protocolPath, type DaemonStatusResult } from '../protocol/index.ts';
import type { JobService, RunAudit, WorkflowRuns } from '../jobs/index.ts';
import { Connection } from './connection.ts';

export interface WsServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly maxMessageBytes: number;
  readonly subscriberBufferEvents: number;
  readonly handshakeTimeoutMs: number;
  readonly authenticator: Authenticator;
  readonly jobs: JobService;
  /** Serves runs.replay, audit.verify and audit.export; without it they fail with INTERNAL. */
  readonly audit?: RunAudit;
  /** Serves workflows.list / workflows.describe (the workflow store). */
  readonly workflows?: WorkflowRuns;
  readonly status: () => DaemonStatusResult;
  readonly logger: Logger;
}

/** Where the server listens. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  /** `ws://host:port/v1` */
  readonly url: string;
}

/** Serves protocol v1 over WebSocket. */
export class WsServer implements AsyncDisposable {
  #options: WsServerOptions;
  #log: Logger;
  #http: Server;
  #wss: WebSocketServer;
  #connections = new Set<Connection>();
  #state: 'idle' | 'listening' | 'draining' | 'closing' | 'closed' = 'idle';

  constructor(options: WsServerOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'server' });
    this.#http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end(`aiws speaks WebSocket at ${protocolPath} (subprotocol ${protocolName})\n`);
    });
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
      handleProtocols: (offered) => (offered.has(protocolName) ? protocolName : false),
    });
    this.#http.on('upgrade', (req, socket, head) => this.#onUpgrade(req, socket, head));
  }

  /** Number of open connections. */
  get connections(): number {
    return this.#connections.size;
  }

  /** Starts listening; resolves with the bound address (the real port when `port` is 0). */
  async listen(): Promise<ListenAddress> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(this.#options.port, this.#options.host, () => {
        this.#http.off('error', reject);
        resolve();
      });
    });
    this.#state = 'listening';
    const address = this.#http.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const listen = { host: address.address, port: address.port, url: `ws://${host}:${address.port}${protocolPath}` };
    this.#log.info(listen, 'server listening');
    return listen;
  }

  /** Refuses new connections (HTTP 503) while open ones keep working, e.g. to see their runs finish. */
  stopAccepting(): void {
    if (this.#state === 'listening') this.#state = 'draining';
  }

  /**
   * Closes every connection with `code` (1001 on shutdown), waits up to `timeoutMs` for the closing
   * handshakes, then terminates stragglers and stops the listener. Idempotent.
   */
  async close(code = 1001, reason = 'DAEMON_SHUTTING_DOWN: the daemon is shutting down', timeoutMs = 2000): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    this.#state = 'closing';
    const sockets = [...this.#wss.clients];
    const closed = Promise.all(sockets.map((ws) => new Promise<void>((r) => (ws.readyState === ws.CLOSED ? r() : ws.once('close', () => r())))));
    for (const connection of this.#connections) connection.close(code, reason);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    for (const connection of this.#connections) connection.destroy();
    this.#connections.clear();
    await new Promise<void>((r) => this.#wss.close(() => r()));
    this.#http.closeAllConnections();
    await new Promise<void>((r) => this.#http.close(() => r()));
    this.#state = 'closed';
    this.#log.info({}, 'server closed');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.#log.debug({ err }, 'upgrade socket error'));
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (this.#state !== 'listening') return refuse(socket, 503, 'Service Unavailable', 'The daemon is shutting down');
    if (path !== protocolPath) return refuse(socket, 404, 'Not Found', `No WebSocket endpoint at "${path}": use "${protocolPath}"`);
    const offered = req.headers['sec-websocket-protocol'];
    if (offered !== undefined && !offered.split(',').map((p) => p.trim()).includes(protocolName)) {
      return refuse(socket, 400, 'Bad Request', `Unsupported subprotocol: this daemon speaks "${protocolName}"`);
    }
    let principal: Principal | undefined;
    const header = req.headers.authorization;
    const authenticator = this.#options.authenticator;
    if (!authenticator.required) {
      principal = authenticator.authenticate(undefined);
    } else if (header !== undefined) {
      try {
        principal = authenticator.authenticate(bearerToken(header));
      } catch (err) {
        const code = isDaemonError(err) ? err.code : 'AUTH_INVALID_TOKEN';
        this.#log.info({ code, remote: req.socket.remoteAddress }, 'upgrade refused');
        return refuse(socket, 401, 'Unauthorized', `${code}: ${(err as Error).message}`, { 'WWW-Authenticate': 'Bearer realm="aiws"' });
      }
    }
    this.#wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const connection = new Connection({
        ws,
        jobs: this.#options.jobs,
        ...(this.#options.audit === undefined ? {} : { audit: this.#options.audit }),
        ...(this.#options.workflows === undefined ? {} : { workflows: this.#options.workflows }),
        authenticator,
        principal,
        subscriberBufferEvents: this.#options.subscriberBufferEvents,
        handshakeTimeoutMs: this.#options.handshakeTimeoutMs,
        status: this.#options.status,
        logger: this.#log,
      });
      this.#connections.add(connection);
      ws.once('close', () => this.#connections.delete(connection));
      if (this.#state !== 'listening') connection.close(1001, 'DAEMON_SHUTTING_DOWN: the daemon is shutting down');
    });
  }
}

function refuse(socket: Duplex, status: number, text: string, body: string, headers: Record<string, string> = {}): void {
  const lines = [`HTTP/1.1 ${status} ${text}`, 'Connection: close', 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
