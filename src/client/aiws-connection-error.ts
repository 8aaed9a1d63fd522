/**
 * AiwsConnectionError: the client could not reach the daemon, or the connection ended under it.
 *
 * Separate from AiwsRpcError because the daemon never answered: the request may or may not have run.
 */

/** Why the connection failed. */
export type ConnectionFailure =
  /** The socket could not be opened (refused, DNS, timeout). */
  | 'connect'
  /** The daemon refused the upgrade (401 bad token, 404 wrong path, ...); see `httpStatus`. */
  | 'rejected'
  /** An open connection closed; see `closeCode` and `closeReason`. */
  | 'closed';

export interface AiwsConnectionErrorOptions {
  /** The reason alone, without the URL (`connect ECONNREFUSED 127.0.0.1:7777`). @default the message */
  readonly detail?: string;
  readonly httpStatus?: number;
  readonly closeCode?: number;
  readonly closeReason?: string;
  readonly cause?: unknown;
}

export class AiwsConnectionError extends Error {
  readonly failure: ConnectionFailure;
  readonly url: string;
  /** The reason alone, without the URL, for callers that phrase their own message. */
  readonly detail: string;
  readonly httpStatus: number | undefined;
  readonly closeCode: number | undefined;
  readonly closeReason: string | undefined;

  constructor(failure: ConnectionFailure, url: string, message: string, options: AiwsConnectionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.failure = failure;
    this.url = url;
    this.detail = options.detail ?? message;
    this.httpStatus = options.httpStatus;
    this.closeCode = options.closeCode;
    this.closeReason = options.closeReason;
    this.name = 'AiwsConnectionError';
  }
}
