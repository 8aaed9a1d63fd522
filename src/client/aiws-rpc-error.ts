/**
 * AiwsRpcError: a JSON-RPC error response from the daemon, as the client surfaces it.
 *
 * Callers match on `code` (the stable string from `error.data.code`, see docs/errors.md), never on the
 * message; `rpcCode` is the JSON-RPC integer class of the failure.
 */
import type { ErrorCode } from '../errors/index.ts';

/** The `error` member of a JSON-RPC 2.0 response. */
export interface RpcErrorPayload {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export class AiwsRpcError extends Error {
  /** The JSON-RPC integer code (−32700 … −32000). */
  readonly rpcCode: number;
  /** The stable string code from `error.data.code`; `undefined` when the daemon sent none. */
  readonly code: ErrorCode | (string & {}) | undefined;
  /** From `error.data.retryable`: true when repeating the same request may succeed. */
  readonly retryable: boolean;
  /** `error.data` exactly as received. */
  readonly data: unknown;
  /** The method whose request failed. */
  readonly method: string;

  constructor(method: string, error: RpcErrorPayload) {
    super(error.message);
    const data = isRecord(error.data) ? error.data : {};
    this.rpcCode = error.code;
    this.code = typeof data.code === 'string' ? data.code : undefined;
    this.retryable = data.retryable === true;
    this.data = error.data;
    this.method = method;
    this.name = `AiwsRpcError [${this.code ?? error.code}]`;
  }
}

/** True for an AiwsRpcError, optionally with the given stable code. */
export function isAiwsRpcError(value: unknown, code?: string): value is AiwsRpcError {
  return value instanceof AiwsRpcError && (code === undefined || value.code === code);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
