/**
 * SecretRedactor: scrubs the secret values a call used out of anything that leaves the host side of
 * that call (the result the guest sees, error messages, log fields, event payloads).
 *
 * A server may echo a header back, a library may quote a value in an error: the broker passes every
 * result and error of a secret-carrying call through the redactor, which replaces each literal
 * occurrence of a value with `[secret:name]`.
 */
import { DaemonError, isDaemonError } from '../errors/index.ts';

export class SecretRedactor {
  /** Longest value first, so a value that contains another is replaced whole. */
  readonly #pairs: readonly (readonly [name: string, value: string])[];

  /** @param used secret name → value, as substituted into one call */
  constructor(used: ReadonlyMap<string, string>) {
    this.#pairs = [...used].filter(([, value]) => value.length > 0).sort((a, b) => b[1].length - a[1].length);
  }

  /** True when the call used no secret (everything passes through unchanged). */
  get empty(): boolean {
    return this.#pairs.length === 0;
  }

  /** Names of the secrets this redactor scrubs. */
  get names(): readonly string[] {
    return this.#pairs.map(([name]) => name);
  }

  /** True when `text` contains any of the values. */
  leaks(text: string): boolean {
    return this.#pairs.some(([, value]) => text.includes(value));
  }

  redactString(text: string): string {
    let out = text;
    for (const [name, value] of this.#pairs) {
      if (out.includes(value)) out = out.replaceAll(value, `[secret:${name}]`);
    }
    return out;
  }

  /** A deep copy of a JSON-like value with every string (and object key) scrubbed. */
  redact<T>(value: T): T {
    if (this.empty) return value;
    return this.#redactValue(value) as T;
  }

  /**
   * The error to hand on in place of `error`: a DaemonError keeps its code with message and details
   * scrubbed; a cause that quotes a value is replaced by a scrubbed copy; anything else becomes an
   * Error with a scrubbed message.
   */
  redactError(error: unknown): Error {
    if (isDaemonError(error)) {
      if (this.empty) return error;
      const cause = this.#redactCause(error.cause);
      return new DaemonError(error.code, this.redactString(error.message), {
        ...(error.details === undefined ? {} : { details: this.redact(error.details) }),
        ...(cause === undefined ? {} : { cause }),
      });
    }
    if (error instanceof Error) return this.#redactCause(error) ?? error;
    return new Error(this.redactString(String(error)));
  }

  #redactCause(cause: unknown): Error | undefined {
    if (cause === undefined) return undefined;
    if (!(cause instanceof Error)) return new Error(this.redactString(String(cause)));
    if (!this.leaks(`${cause.message}\n${cause.stack ?? ''}`)) return cause;
    const copy = new Error(this.redactString(cause.message));
    copy.name = cause.name;
    copy.stack = this.redactString(cause.stack ?? '');
    return copy;
  }

  #redactValue(value: unknown): unknown {
    if (typeof value === 'string') return this.redactString(value);
    if (Array.isArray(value)) return value.map((item) => this.#redactValue(item));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[this.redactString(key)] = this.#redactValue(item);
      return out;
    }
    return value;
  }
}
