/**
 * The composition root: builds the daemon from a resolved config (auth, event store, sandbox, jobs,
 * WebSocket server) and owns their lifetimes.
 *
 * States:
 *
 *     'created' ──start()──► 'running' ──close()──► 'draining' ──► 'closed'
 *
 * Shutdown reverses start-up: refuse new runs (DAEMON_SHUTTING_DOWN), let running runs finish for up
 * to `shutdownGraceMs`, cancel the rest, close sockets with 1001, then the sandbox and the event store.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from './log/index.ts';
import { createSilentLogger } from './log/index.ts';
import { DaemonError } from './errors/index.ts';
import type { ResolvedConfig } from './config/index.ts';
import { createAuthenticator } from './auth/index.ts';
import type { DaemonStatusResult } from './protocol/index.ts';
import { JobService, MemoryEventStore, type EventStore } from './jobs/index.ts';
import { WsServer, type ListenAddress } from './server/index.ts';
import { createSandbox, type Sandbox } from './sandbox/index.ts';
import pkg from '../package.json' with { type: 'json' };

export interface DaemonOptions {
  /** Root logger; components take children. @default a silent logger */
  readonly logger?: Logger;
}

/** A running aiws daemon. */
export interface Daemon extends AsyncDisposable {
  readonly state: 'created' | 'running' | 'draining' | 'closed';
  /**
   * Creates the data directory, starts the sandbox and listens.
   * @throws DAEMON_CLOSED when called twice or after close()
   */
  start(): Promise<ListenAddress>;
  /** What `daemon.status` answers. */
  status(): DaemonStatusResult;
  /** Graceful shutdown (see the module comment). Idempotent. */
  close(): Promise<void>;
}

/** Builds a daemon from a validated config; nothing starts until `start()`. */
export function createDaemon(config: ResolvedConfig, options: DaemonOptions = {}): Daemon {
  const logger = options.logger ?? createSilentLogger();
  const log = logger.child({ component: 'daemon' });
  const startedAt = Date.now();
  let state: Daemon['state'] = 'created';
  let sandbox: Sandbox | undefined;
  let events: EventStore | undefined;
  let jobs: JobService | undefined;
  let server: WsServer | undefined;
  let closing: Promise<void> | undefined;

  const status = (): DaemonStatusResult => ({
    version: pkg.version,
    uptimeMs: Date.now() - startedAt,
    state: state === 'running' ? 'running' : 'draining',
    runs: jobs?.counts() ?? { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0, interrupted: 0 },
    pool: { ...(sandbox?.status() ?? { workers: 0, idleIsolates: 0, activeRuns: 0, workerRestarts: 0 }) },
    connections: server?.connections ?? 0,
    // TODO(#6): the loaded policy bundle's revision.
    policyRevision: null,
  });

  const close = async (): Promise<void> => {
    if (state === 'created') {
      state = 'closed';
      return;
    }
    log.info({ graceMs: config.shutdownGraceMs }, 'daemon draining');
    state = 'draining';
    server?.stopAccepting();
    await jobs?.drain(config.shutdownGraceMs);
    await server?.close(1001, 'DAEMON_SHUTTING_DOWN: the daemon is shutting down');
    await jobs?.close();
    await sandbox?.close();
    await events?.close();
    state = 'closed';
    log.info({}, 'daemon closed');
    logger.flush();
  };

  return {
    get state() {
      return state;
    },
    async start() {
      if (state !== 'created') throw new DaemonError('DAEMON_CLOSED', `Cannot start the daemon: it is ${state}`);
      state = 'running';
      try {
        await mkdir(config.dataDir, { recursive: true });
        // Warm isolates are made with the default run memory limit, so runs that keep it stay warm.
        sandbox = await createSandbox({ ...config.sandbox, warmMemoryMb: config.limits.memoryMb, logger });
        events = new MemoryEventStore();
        jobs = new JobService({ limits: config.limits, sandbox, events, logger });
        server = new WsServer({
          host: config.host,
          port: config.port,
          maxMessageBytes: config.limits.maxMessageBytes,
          subscriberBufferEvents: config.limits.subscriberBufferEvents,
          handshakeTimeoutMs: config.auth.handshakeTimeoutMs,
          authenticator: createAuthenticator(config.auth),
          jobs,
          status,
          logger,
        });
        const address = await server.listen();
        log.info({ url: address.url, version: pkg.version, dataDir: config.dataDir, auth: config.auth.tokens.length > 0 }, 'daemon started');
        return address;
      } catch (err) {
        await close().catch(() => undefined);
        throw err;
      }
    },
    status,
    close() {
      closing ??= close();
      return closing;
    },
    async [Symbol.asyncDispose]() {
      closing ??= close();
      await closing;
    },
  };
}
