/**
 * DaemonError: the one error type that carries a stable code.
 *
 * Branded with `Symbol.for` so the check survives duplicate module instances; across isolate and
 * process boundaries match on `code`, never on `instanceof`.
 */
import { codes, isErrorCode, type ErrorCode, type ErrorSpec } from './codes.ts';

const brand = Symbol.for('aiws.DaemonError');

export interface DaemonErrorOptions {
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class DaemonError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: C, message: string, options: DaemonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.name = `DaemonError [${code}]`;
    Object.defineProperty(this, brand, { value: true });
  }

  get spec(): ErrorSpec {
    return codes[this.code];
  }

  /** The serialisable form used in events, worker messages and JSON-RPC `error.data`. */
  toJSON(): { code: C; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** True for any DaemonError, whichever copy of this module created it. */
export function isDaemonError(value: unknown): value is DaemonError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** Rebuilds a DaemonError from its `toJSON()` form (e.g. after crossing a process boundary). */
export function daemonErrorFromJSON(value: { code: string; message: string; details?: Record<string, unknown> }): DaemonError {
  const code = isErrorCode(value.code) ? value.code : 'INTERNAL';
  return new DaemonError(code, value.message, value.details === undefined ? {} : { details: value.details });
}
