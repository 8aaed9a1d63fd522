/**
 * WorkerHandle: the daemon's side of one sandbox worker process.
 *
 * Forks src/sandbox/worker/main.ts with the daemon's own Node binary, queues messages until the worker
 * says it is ready, keeps the tail of its stderr for the crash log, and reports every message and the
 * exit to its owner (the sandbox), which decides what a death means for the runs.
 *
 *   starting ──ready──▶ ready ──exit──▶ exited
 *       └──────────────exit──────────────┘
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker, WorkerOptions } from '../worker/protocol.ts';

const workerEntry = fileURLToPath(new URL('../worker/main.ts', import.meta.url));
const stderrTailChars = 4096;
/**
 * V8 takes the isolates' default time zone and locale from the process environment (ICU reads `TZ`
 * and `LC_ALL`/`LANG`): fixed here so `new Date().toString()`, `toLocaleString()` and `Intl` defaults
 * are the same on every host, whatever the daemon's own environment says.
 */
const workerEnvironment = { TZ: 'UTC', LC_ALL: 'en_US.UTF-8', LANG: 'en_US.UTF-8', LANGUAGE: 'en_US' } as const;

export interface WorkerHandleEvents {
  onMessage(handle: WorkerHandle, message: FromWorker): void;
  onExit(handle: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void;
}

export interface WorkerHandleOptions extends WorkerOptions {
  /** Heap cap of the worker's own (non-isolate) V8 heap. */
  readonly maxOldSpaceMb: number;
}

export type WorkerState = 'starting' | 'ready' | 'exited';

export class WorkerHandle {
  readonly #child: ChildProcess;
  readonly #events: WorkerHandleEvents;
  #state: WorkerState = 'starting';
  #queue: ToWorker[] = [];
  #stderrTail = '';
  #readyResolve!: () => void;
  #readyReject!: (error: Error) => void;
  readonly #exited: Promise<void>;
  /** Resolves when the worker reported ready; rejects if it exited first. */
  readonly ready: Promise<void>;
  /** Task ids of the runs this worker is executing. */
  readonly activeRuns = new Set<number>();
  idleIsolates = 0;
  /** Replaced by a fresh process: takes no new runs and stops once its runs are done. */
  retiring = false;
  /** Reported a fatal error and is about to abort. */
  doomed = false;

  constructor(options: WorkerHandleOptions, events: WorkerHandleEvents) {
    this.#events = events;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#readyResolve = resolve;
      this.#readyReject = reject;
    });
    // Observed by the sandbox; a handled copy keeps an early exit from becoming an unhandled rejection.
    this.ready.catch(() => undefined);
    const { maxOldSpaceMb, ...workerOptions } = options;
    this.#child = fork(workerEntry, [JSON.stringify(workerOptions)], {
      execPath: process.execPath,
      execArgv: ['--no-node-snapshot', `--max-old-space-size=${maxOldSpaceMb}`, '--disable-warning=ExperimentalWarning'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
      env: { ...process.env, ...workerEnvironment },
    });
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      this.#stderrTail = (this.#stderrTail + chunk).slice(-stderrTailChars);
    });
    this.#child.on('message', (message: FromWorker) => this.#onMessage(message));
    // A send racing the worker's death fails with EPIPE; the exit handler deals with the runs.
    this.#child.on('error', () => undefined);
    this.#exited = new Promise<void>((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#state = 'exited';
        this.#readyReject(new Error(`Worker process exited before it was ready (code ${code}, signal ${signal})`));
        this.#events.onExit(this, code, signal);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether new runs may be sent here (a starting worker queues them until ready). */
  get accepting(): boolean {
    return this.#state !== 'exited' && !this.retiring && !this.doomed;
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** The last few KiB the worker wrote to stderr (V8 fatal errors land there). */
  get stderrTail(): string {
    return this.#stderrTail;
  }

  /** Sends now, or once the worker is ready; dropped if it has exited. */
  send(message: ToWorker): void {
    if (this.#state === 'starting') this.#queue.push(message);
    else if (this.#state === 'ready' && this.#child.connected) this.#child.send(message);
  }

  /** Asks the worker to finish and exit; kills it if it has not exited after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.#state === 'exited') return;
    if (this.#child.connected) this.#child.send({ type: 'shutdown' } satisfies ToWorker);
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Kills the process; resolves once it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.#state !== 'exited') this.#child.kill(signal);
    await this.#exited;
  }

  #onMessage(message: FromWorker): void {
    if (message.type === 'ready' && this.#state === 'starting') {
      this.#state = 'ready';
      const queued = this.#queue;
      this.#queue = [];
      for (const item of queued) this.send(item);
      this.#readyResolve();
      return;
    }
    if (message.type === 'pool') this.idleIsolates = message.idleIsolates;
    this.#events.onMessage(this, message);
  }
}
