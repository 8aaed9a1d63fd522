/**
 * The composition root: builds the daemon from a resolved config (auth, policy engine, secrets,
 * capabilities with their kv store, capability broker, event store, sandbox, workflow store, jobs,
 * WebSocket server) and owns their lifetimes.
 *
 * States:
 *
 *     'created' ──start()──► 'running' ──close()──► 'draining' ──► 'closed'
 *
 * Shutdown reverses start-up: refuse new runs (DAEMON_SHUTTING_DOWN), let running runs finish for up
 * to `shutdownGraceMs`, cancel the rest, close sockets with 1001, then the sandbox, the kv store (the
 * broker holds nothing else), the policy engine and its watcher, the workflow store and its watcher,
 * the event store, and flush the logger.
 */
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Logger } from './log/index.ts';
import { createSilentLogger } from './log/index.ts';
import { DaemonError } from './errors/index.ts';
import { resolveSecretValues, type ResolvedConfig } from './config/index.ts';
import { createAuthenticator } from './auth/index.ts';
import type { DaemonStatusResult, RunEvent } from './protocol/index.ts';
import { JobService, RunAudit, WorkflowRuns, recoverRuns, type EventStore } from './jobs/index.ts';
import { CodeStore, FileJournal, ResultStore } from './journal/index.ts';
import { WsServer, type ListenAddress } from './server/index.ts';
import { createSandbox, type Sandbox } from './sandbox/index.ts';
import { PolicyEngine } from './policy/index.ts';
import { openWorkflowStore, type WorkflowStore } from './store/index.ts';
import { KvStore, createBuiltinCapabilities, createCapabilityBroker, createCapabilityRegistry, createSecretStore } from './capabilities/index.ts';
import pkg from '../package.json' with { type: 'json' };

export interface DaemonOptions {
  /** Root logger; components take children. @default a silent logger */
  readonly logger?: Logger;
  /** Where `secrets.<name>: { env: VAR }` values are read at start(). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
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
  let policy: PolicyEngine | undefined;
  let kv: KvStore | undefined;
  let jobs: JobService | undefined;
  let server: WsServer | undefined;
  let store: WorkflowStore | undefined;
  let workflows: WorkflowRuns | undefined;
  let closing: Promise<void> | undefined;

  const status = (): DaemonStatusResult => ({
    version: pkg.version,
    uptimeMs: Date.now() - startedAt,
    state: state === 'running' ? 'running' : 'draining',
    runs: jobs?.counts() ?? { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0, interrupted: 0 },
    pool: { ...(sandbox?.status() ?? { workers: 0, idleIsolates: 0, activeRuns: 0, workerRestarts: 0 }) },
    connections: server?.connections ?? 0,
    policyRevision: policy?.status().revision ?? null,
    policy: policyStatus(),
    ...(workflows === undefined || store === undefined || state === 'closed' ? {} : { store: workflows.status() }),
  });

  const policyStatus = (): DaemonStatusResult['policy'] => {
    const current = policy?.status();
    if (current === undefined) return { revision: null, loadedAt: null, source: null, entrypoints: [], watching: false };
    return { ...current, watching: policy!.options.watch };
  };

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
    kv?.close();
    await policy?.close();
    await store?.close();
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
        // Policy first: a run admitted before it loads would be decided by nothing (and denied).
        policy = await PolicyEngine.create({ dir: config.policies.dir, watch: config.policies.watch, evalTimeoutMs: config.policies.evalTimeoutMs, logger });
        const policyNow = policy.status();
        if (policyNow.revision === null) log.error({ dir: config.policies.dir }, 'no policy loaded: every run and call is denied until one does');
        const secrets = createSecretStore(resolveSecretValues(config.secrets, options.env ?? process.env));
        const caps = config.capabilities;
        kv = new KvStore({ dataDir: config.dataDir, fileName: caps.kv.fileName, maxValueBytes: caps.kv.maxValueBytes });
        const registry = createCapabilityRegistry(
          createBuiltinCapabilities({
            http: {
              allowPrivateNetworks: caps.http.allowPrivateNetworks,
              allowedCidrs: caps.http.allowedCidrs,
              connectTimeoutMs: caps.http.connectTimeoutMs,
              timeoutMs: caps.http.timeoutMs,
              maxResponseBytes: caps.http.maxResponseBytes,
              maxRequestBytes: caps.http.maxRequestBytes,
              maxRedirects: caps.http.maxRedirects,
            },
            fs: { maxReadBytes: caps.fs.maxReadBytes, maxWriteBytes: caps.fs.maxWriteBytes, maxListEntries: caps.fs.maxListEntries },
            kv,
          }),
        );
        // Results over the event cap are kept whole, by the digest their event names, for replay.
        const results = await ResultStore.open({ dir: join(config.dataDir, 'results'), fsync: config.journal.durability === 'fsync' });
        const broker = createCapabilityBroker({ registry, policy, secrets, logger, maxEventValueBytes: caps.maxEventValueBytes, results });
        // Warm isolates are made with the default run memory limit, so runs that keep it stay warm.
        sandbox = await createSandbox({ ...config.sandbox, warmMemoryMb: config.limits.memoryMb, logger });
        // The journal: every run event is stored (durably, per journal.durability) before anyone sees it.
        const journal = await FileJournal.open<RunEvent>({ dir: join(config.dataDir, 'journal'), durability: config.journal.durability, retention: journalRetention(config.journal.retention), log: logger });
        events = journal;
        const code = await CodeStore.open({ dir: join(config.dataDir, 'code'), fsync: config.journal.durability === 'fsync' });
        // The workflow store: indexed now (and re-indexed on change); paths were resolved by the config loader.
        store = await openWorkflowStore({ dir: config.store.dir, trustedKeys: config.store.trustedKeys, watch: config.store.watch }, { logger });
        workflows = new WorkflowRuns({ store, dir: config.store.dir });
        jobs = new JobService({
          limits: config.limits,
          sandbox,
          events,
          logger,
          capabilities: { broker, names: registry.names(), workspaceRootDir: join(config.dataDir, 'workspaces'), keepWorkspaces: caps.fs.keepWorkspaces },
          code,
          workflows,
        });
        // Crash recovery before the first client: runs left open are marked interrupted, every past run is served.
        jobs.restore((await recoverRuns(journal, logger)).runs);
        const { memoryMb, cpuMs, wallMs, maxOutputBytes } = config.limits;
        const audit = new RunAudit({ journal, runs: jobs, sandbox, code, results, defaultLimits: { memoryMb, cpuMs, wallMs, maxOutputBytes }, logger, policy, maxConcurrentReplays: config.limits.maxConcurrentRuns });
        server = new WsServer({
          host: config.host,
          port: config.port,
          maxMessageBytes: config.limits.maxMessageBytes,
          subscriberBufferEvents: config.limits.subscriberBufferEvents,
          handshakeTimeoutMs: config.auth.handshakeTimeoutMs,
          authenticator: createAuthenticator(config.auth),
          jobs,
          audit,
          workflows,
          status,
          logger,
        });
        const address = await server.listen();
        log.info(
          { url: address.url, version: pkg.version, dataDir: config.dataDir, auth: config.auth.tokens.length > 0, policyRevision: policyNow.revision, secretCount: secrets.names().length },
          'daemon started',
        );
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

/** The journal's retention options from `journal.retention` (days → ms). */
function journalRetention(retention: ResolvedConfig['journal']['retention']): { maxAgeMs?: number; maxBytes?: number } {
  return {
    ...(retention.maxAgeDays === undefined ? {} : { maxAgeMs: Math.round(retention.maxAgeDays * 86_400_000) }),
    ...(retention.maxBytes === undefined ? {} : { maxBytes: retention.maxBytes }),
  };
}
