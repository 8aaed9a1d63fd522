/**
 * Guest runtime: the module the worker links in front of every workflow.
 *
 * Runs inside the isolate, in a fresh context per run; imports nothing from the host. The worker calls
 * `install` before the workflow module is evaluated (so hardening, seeded randomness and the virtual
 * clock are in place for its top-level code), an entry module calls `ready` once the workflow module,
 * top-level awaits included, has finished evaluating, and the worker calls `deliver` to settle
 * `ctx.call` promises and `tick` when the virtual clock asked to be woken (virtual-clock.ts).
 * Everything leaves through one `sink` function that takes only primitives (strings and numbers): no
 * guest object ever reaches the host. The workflow cannot import this module, so `sink`
 * stays out of its reach.
 *
 * Sink messages, in order of emission:
 *   sink('log', level, message, fieldsJson | '')
 *   sink('call', callId, name, argsJson)
 *   sink('wake', offsetMs, generation)      tick(generation) is due offsetMs after the clock start; -1: none
 *   sink('done', outputJson)
 *   sink('fail', code, message, stack, thrownCode | '')
 */
import { createGuestContext, type GuestLogLevel } from './context.ts';
import { harden } from './harden.ts';
import { createVirtualClock, type VirtualClock } from './virtual-clock.ts';
import {
  ErrorCtor, MapCtor, PromiseCtor, RangeErrorCtor, TypeErrorCtor, arrayJoin, jsonParse, mapDelete, mapGet, mapSet,
  isArray, promiseResolve, promiseThen, reflectApply, stringSlice,
} from './intrinsics.ts';
import { describeError, toJson } from './serialise.ts';

type Sink = (kind: string, a?: string | number, b?: string | number, c?: string, d?: string) => void;

/** What the worker passes to `install` (as JSON). */
interface RuntimeConfig {
  readonly runId: string;
  readonly filename: string;
  readonly seed: string;
  /** Guest time at the start of the run, in ms since the epoch. */
  readonly clockStartMs: number;
  readonly maxOutputBytes: number;
}

/** Per-run guest limits on what leaves the isolate; the worker checks the same bounds again. */
export const guestLimits = {
  logMessageChars: 8192,
  logFieldsChars: 16384,
  logEntries: 10_000,
  logTotalChars: 4 * 1024 * 1024,
  callNameChars: 200,
  callArgsChars: 1024 * 1024,
  callsInFlight: 64,
} as const;

interface PendingCall {
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

let sink: Sink | undefined;
let config: RuntimeConfig | undefined;
let clock: VirtualClock | undefined;
let input: unknown = null;
let started = false;
let finished = false;
let nextCallId = 1;
let logEntries = 0;
let logChars = 0;
let logLimitReported = false;
const pending = new MapCtor<number, PendingCall>();

function emit(kind: string, a?: string | number, b?: string | number, c?: string, d?: string): void {
  if (sink !== undefined) sink(kind, a, b, c, d);
}

/** `fail`: `a` the code, `b` the message, `c` the guest stack, `d` the thrown value's own `code` ('' for none). */
function finish(kind: 'done' | 'fail', a: string, b?: string, c?: string, d?: string): void {
  if (finished) return;
  finished = true;
  clock?.stop();
  if (kind === 'done') emit('done', a);
  else emit('fail', a, b ?? '', c ?? '', d ?? '');
}

function formatArgs(args: readonly unknown[]): string {
  const parts: string[] = [];
  for (const arg of args) {
    if (typeof arg === 'string') parts[parts.length] = arg;
    else {
      const json = toJson(arg);
      parts[parts.length] = json.ok ? json.json : describeError(arg, '').message;
    }
  }
  return reflectApply(arrayJoin, parts, [' ']) as string;
}

function log(level: GuestLogLevel, message: unknown, fields: unknown): void {
  let text = typeof message === 'string' ? message : formatArgs([message]);
  if (text.length > guestLimits.logMessageChars) text = `${reflectApply(stringSlice, text, [0, guestLimits.logMessageChars]) as string}…`;
  let fieldsJson = '';
  if (fields !== undefined) {
    if (typeof fields !== 'object' || fields === null || isArray(fields)) throw new TypeErrorCtor('ctx.log fields must be a plain object');
    const json = toJson(fields);
    if (!json.ok) throw new TypeErrorCtor(`ctx.log fields are not JSON-serialisable: ${json.reason}`);
    if (json.json.length > guestLimits.logFieldsChars) throw new RangeErrorCtor(`ctx.log fields exceed ${guestLimits.logFieldsChars} characters`);
    fieldsJson = json.json;
  }
  if (finished) return;
  const size = text.length + fieldsJson.length;
  if (logEntries >= guestLimits.logEntries || logChars + size > guestLimits.logTotalChars) {
    if (!logLimitReported) {
      logLimitReported = true;
      emit('log', 'warn', 'log limit reached: further entries of this run are dropped', '');
    }
    return;
  }
  logEntries += 1;
  logChars += size;
  emit('log', level, text, fieldsJson);
}

function rejected(error: unknown): Promise<never> {
  return new PromiseCtor<never>((_resolve, reject) => reject(error));
}

function callError(code: string, message: string, detailsJson = ''): Error {
  const error = new ErrorCtor(message) as Error & { code: string; details?: unknown };
  error.code = code;
  if (detailsJson !== '') error.details = jsonParse(detailsJson);
  return error;
}

function call(name: unknown, args: unknown): Promise<unknown> {
  if (typeof name !== 'string' || name.length === 0 || name.length > guestLimits.callNameChars) {
    return rejected(new TypeErrorCtor(`ctx.call name must be a non-empty string of at most ${guestLimits.callNameChars} characters`));
  }
  const json = toJson(args);
  if (!json.ok) return rejected(new TypeErrorCtor(`ctx.call arguments are not JSON-serialisable: ${json.reason}`));
  if (json.json.length > guestLimits.callArgsChars) return rejected(new RangeErrorCtor(`ctx.call arguments exceed ${guestLimits.callArgsChars} characters`));
  if (pending.size >= guestLimits.callsInFlight) {
    return rejected(callError('LIMIT_CALLS', `Cannot call "${name}": ${guestLimits.callsInFlight} calls are already in flight`));
  }
  if (finished) return rejected(callError('RUN_CANCELLED', `Cannot call "${name}": the run has finished`));
  const callId = nextCallId++;
  return new PromiseCtor<unknown>((resolve, reject) => {
    reflectApply(mapSet, pending, [callId, { resolve, reject }]);
    emit('call', callId, name, json.json);
    clock?.reschedule();
  });
}

const ctxConsole = {
  log: (...args: unknown[]) => log('info', formatArgs(args), undefined),
  info: (...args: unknown[]) => log('info', formatArgs(args), undefined),
  debug: (...args: unknown[]) => log('debug', formatArgs(args), undefined),
  warn: (...args: unknown[]) => log('warn', formatArgs(args), undefined),
  error: (...args: unknown[]) => log('error', formatArgs(args), undefined),
};

/**
 * Called by the worker once per context, before the workflow module is evaluated.
 * @param outbound the only way out of the isolate (an isolated-vm callback taking primitives)
 */
export function install(outbound: Sink, configJson: string, inputJson: string): void {
  if (sink !== undefined) throw new ErrorCtor('The guest runtime is already installed');
  sink = outbound;
  config = jsonParse(configJson) as RuntimeConfig;
  input = jsonParse(inputJson);
  const { filename } = config;
  clock = createVirtualClock({
    startMs: config.clockStartMs,
    idle: () => pending.size === 0,
    wake: (offsetMs, generation) => {
      if (!finished) emit('wake', offsetMs, generation);
    },
    onError: (error) => fail(error, filename),
  });
  harden({ seed: config.seed, clock, onError: (error) => fail(error, filename) });
  Object.defineProperty(globalThis, 'console', { value: Object.freeze(ctxConsole), writable: true, configurable: true, enumerable: false });
}

/** Called by the entry module after the workflow module (top-level awaits included) has evaluated. */
export function ready(namespace: Record<string, unknown>): void {
  if (started || config === undefined) return;
  started = true;
  const runConfig = config;
  const main = namespace.default;
  if (typeof main !== 'function') {
    finish('fail', 'WORKFLOW_INVALID', `Cannot run workflow "${runConfig.filename}": it has no default export function`);
    return;
  }
  const ctx = createGuestContext(runConfig.runId, { log, call });
  let result: unknown;
  try {
    result = reflectApply(main, undefined, [input, ctx]);
  } catch (error) {
    fail(error, runConfig.filename);
    return;
  }
  reflectApply(promiseThen, promiseResolve(result), [
    (output: unknown) => complete(output, runConfig),
    (error: unknown) => fail(error, runConfig.filename),
  ]);
}

function complete(output: unknown, runConfig: RuntimeConfig): void {
  const json = toJson(output);
  if (!json.ok) {
    finish('fail', 'WORKFLOW_OUTPUT_INVALID', `Workflow output is not JSON-serialisable: ${json.reason}`);
    return;
  }
  // A string is at least as many UTF-8 bytes as it has UTF-16 units: refuse early without copying out.
  if (json.json.length > runConfig.maxOutputBytes) {
    finish('fail', 'LIMIT_OUTPUT', `Workflow output exceeds ${runConfig.maxOutputBytes} bytes`);
    return;
  }
  finish('done', json.json);
}

function fail(error: unknown, filename: string): void {
  const described = describeError(error, filename);
  finish('fail', 'WORKFLOW_ERROR', described.message, described.stack, described.code);
}

/**
 * Called by the worker to settle the `ctx.call` promise `callId`: with `ok`, `a` is the result JSON;
 * otherwise `a` is the error code, `b` its message and `c` its details JSON ('' when none).
 */
export function deliver(callId: number, ok: boolean, a: string, b: string, c: string): void {
  const entry = reflectApply(mapGet, pending, [callId]) as PendingCall | undefined;
  if (entry === undefined) return;
  reflectApply(mapDelete, pending, [callId]);
  if (ok) entry.resolve(jsonParse(a));
  else entry.reject(callError(a, b, c));
  clock?.reschedule();
}

/** Called by the worker when the wake `generation` is due: fires the next timer if the guest is idle. */
export function tick(generation: number): void {
  clock?.tick(generation);
}
