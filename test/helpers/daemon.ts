/**
 * Test helpers for end-to-end daemon tests: start the REAL daemon through its CLI
 * (`bin/aiws.js serve --port 0 --config <tmp file>`), wait for its listening line, talk to it with a
 * real `ws` client, and clean up the process, the temp dir and every socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { WebSocket } from 'ws';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const bin = join(root, 'bin', 'aiws.js');

/** The repository's shipped policies directory. */
export const shippedPoliciesDir = join(root, 'policies');

/** The config a test daemon gets unless the test overrides keys (small, fast limits, the shipped policies, not watched). */
export const testConfigDefaults = {
  log: { level: 'warn' },
  policies: { dir: shippedPoliciesDir, watch: false },
  shutdownGraceMs: 5000,
  limits: { wallMs: 10_000, cpuMs: 5000 },
  sandbox: { workers: 1, warmIsolates: 1 },
};

export interface ExitResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunServeOptions {
  /** Written as YAML to a temp file passed with --config; a string is written verbatim. */
  readonly config?: Record<string, unknown> | string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface StartedDaemon extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  readonly configFile: string;
  readonly dir: string;
  /** Everything the daemon wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process exits. */
  readonly exited: Promise<ExitResult>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<ExitResult>;
  /** Connects a client (Authorization header when `token` is given). */
  connect(options?: ConnectOptions): Promise<TestClient>;
}

async function prepare(options: RunServeOptions): Promise<{ dir: string; configFile: string; args: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'aiws-daemon-'));
  const configFile = join(dir, 'daemon.config.yaml');
  const config = options.config ?? {};
  await writeFile(configFile, typeof config === 'string' ? config : stringify({ dataDir: join(dir, 'var'), ...testConfigDefaults, ...config }));
  return { dir, configFile, args: ['serve', '--config', configFile, ...(options.args ?? ['--port', '0'])] };
}

function spawnCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): ChildProcess {
  // process.execPath is the Node 24 binary vitest runs under; bin/aiws.js would re-exec an older one.
  return spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...withoutAiwsVariables(process.env), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function withoutAiwsVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('AIWS_')));
}

function collect(child: ChildProcess): { stdout: () => string; stderr: () => string; exited: Promise<ExitResult> } {
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<ExitResult>((r) => child.once('close', (code, signal) => r({ code, signal, stdout: out, stderr: err })));
  return { stdout: () => out, stderr: () => err, exited };
}

/** Runs `aiws serve` expecting it to exit by itself (config errors); kills it after `timeoutMs`. */
export async function runServe(options: RunServeOptions & { timeoutMs?: number } = {}): Promise<ExitResult & { configFile: string }> {
  const { dir, configFile, args } = await prepare(options);
  try {
    const child = spawnCli(args, options.env);
    const io = collect(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    const result = await io.exited;
    clearTimeout(timer);
    return { ...result, configFile };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts a daemon and resolves once it prints its listening line. */
export async function startDaemon(options: RunServeOptions = {}): Promise<StartedDaemon> {
  const { dir, configFile, args } = await prepare(options);
  const child = spawnCli(args, options.env);
  const io = collect(child);
  const clients = new Set<TestClient>();
  const listening = await new Promise<string>((resolveLine, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start in time:\n${io.stderr()}`)), 20_000);
    const onData = (): void => {
      const match = /aiws listening on (ws:\/\/\S+)\n/.exec(io.stdout());
      if (match !== null) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolveLine(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void io.exited.then((r) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${r.code ?? r.signal}) before listening:\n${r.stderr}`));
    });
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitResult> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const result = await io.exited;
    clearTimeout(timer);
    return result;
  };
  return {
    url: listening,
    port: Number(new URL(listening).port),
    process: child,
    configFile,
    dir,
    stdout: io.stdout,
    stderr: io.stderr,
    exited: io.exited,
    stop,
    async connect(connectOptions = {}) {
      const client = await connect(listening, connectOptions);
      clients.add(client);
      return client;
    },
    async [Symbol.asyncDispose]() {
      for (const client of clients) client.terminate();
      await stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ConnectOptions {
  readonly token?: string;
  /** @default ['aiws.v1'] */
  readonly protocols?: readonly string[];
}

export interface RpcErrorBody {
  readonly code: number;
  readonly message: string;
  readonly data: { readonly code: string; readonly retryable: boolean; readonly details: Record<string, unknown> };
}

export interface RpcReply {
  readonly jsonrpc: '2.0';
  readonly id: unknown;
  readonly result?: unknown;
  readonly error?: RpcErrorBody;
}

export interface WireEvent {
  readonly runId: string;
  readonly seq: number;
  readonly ts: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** A raw JSON-RPC client over a real WebSocket, recording every frame it receives. */
export class TestClient {
  readonly ws: WebSocket;
  readonly replies: RpcReply[] = [];
  readonly events: WireEvent[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #nextId = 1;
  #waiters = new Set<() => void>();

  constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { method?: string; params?: WireEvent } & RpcReply;
      if (message.method === 'run.event') this.events.push(message.params!);
      else this.replies.push(message);
      for (const wake of this.#waiters) wake();
    });
    ws.on('close', () => {
      for (const wake of this.#waiters) wake();
    });
  }

  /** Sends a raw text frame. */
  send(text: string): void {
    this.ws.send(text);
  }

  /** Sends a request and resolves with its whole reply (result or error). */
  async call(method: string, params?: unknown): Promise<RpcReply> {
    const id = this.#nextId++;
    this.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    return this.waitFor(() => this.replies.find((r) => r.id === id));
  }

  /** Sends a request and resolves with its result; throws with the error body otherwise. */
  async request<T = Record<string, unknown>>(method: string, params?: unknown): Promise<T> {
    const reply = await this.call(method, params);
    if (reply.error !== undefined) throw Object.assign(new Error(`${method} failed: ${reply.error.message}`), { rpc: reply.error });
    return reply.result as T;
  }

  /** Events of one run in arrival order. */
  eventsOf(runId: string): WireEvent[] {
    return this.events.filter((e) => e.runId === runId);
  }

  /** Resolves with the terminal event of `runId` once it arrives. */
  async settled(runId: string, timeoutMs = 20_000): Promise<WireEvent> {
    return this.waitFor(() => this.eventsOf(runId).find((e) => e.type === 'run.completed' || e.type === 'run.failed' || e.type === 'run.cancelled'), timeoutMs);
  }

  /** Polls `probe` on every received frame until it returns a value. */
  async waitFor<T>(probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    const now = probe();
    if (now !== undefined) return now;
    return new Promise<T>((resolveValue, reject) => {
      const wake = (): void => {
        const value = probe();
        if (value !== undefined) {
          done();
          resolveValue(value);
        } else if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error('connection closed while waiting'));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error('timed out waiting'));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
      };
      this.#waiters.add(wake);
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) {
      this.ws.close(1000);
      await this.closed;
    }
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Opens a WebSocket to `url`; rejects with the HTTP status on a refused upgrade. */
export async function connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const ws = new WebSocket(url, [...(options.protocols ?? ['aiws.v1'])], {
    headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
  });
  await new Promise<void>((resolveOpen, reject) => {
    ws.once('open', () => resolveOpen());
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`upgrade refused with ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', reject);
  });
  return new TestClient(ws);
}

/** A workflow module source from a function body (`input` and `ctx` in scope). */
export function workflow(body: string): string {
  return `export default async function (input, ctx) {\n${body}\n}\n`;
}
