/**
 * The catalogue of stable error codes: the only place codes exist.
 *
 * Clients match on these strings (`error.data.code` on the wire, `code` on a guest Error, `code` in a
 * `run.failed` event). Codes follow `AREA_WHAT`; they are never renamed or reused. docs/errors.md lists
 * the same codes, and a test keeps the two in step.
 *
 * `rpcCode` is the JSON-RPC 2.0 integer a response carries for the class of failure: the reserved
 * codes for protocol faults, the −32000…−32099 server range for application errors.
 */

export type ErrorFault = 'client' | 'auth' | 'policy' | 'workflow' | 'daemon' | 'config';

export interface ErrorSpec {
  readonly fault: ErrorFault;
  readonly retryable: boolean;
  readonly rpcCode: number;
  /** WebSocket close code when this error ends a connection. */
  readonly wsClose?: number;
  /** One line for docs/errors.md and `--help` output. */
  readonly summary: string;
}

export const codes = {
  // Protocol: the connection survives all of these except where wsClose is set.
  PROTO_PARSE_ERROR: { fault: 'client', retryable: false, rpcCode: -32700, summary: 'The message is not valid JSON' },
  PROTO_INVALID_REQUEST: { fault: 'client', retryable: false, rpcCode: -32600, summary: 'The message is not a valid JSON-RPC 2.0 request' },
  PROTO_METHOD_NOT_FOUND: { fault: 'client', retryable: false, rpcCode: -32601, summary: 'No such method' },
  PROTO_INVALID_PARAMS: { fault: 'client', retryable: false, rpcCode: -32602, summary: 'The params do not match the method\'s schema; data.details lists each error with its JSON pointer' },
  PROTO_MESSAGE_TOO_LARGE: { fault: 'client', retryable: false, rpcCode: -32600, wsClose: 1009, summary: 'The message exceeds limits.maxMessageBytes' },
  PROTO_SUBSCRIBER_OVERFLOW: { fault: 'client', retryable: true, rpcCode: -32000, wsClose: 1013, summary: 'The client read events too slowly and its buffer overflowed; reconnect and resume with afterSeq' },

  // Authentication and authorisation.
  AUTH_REQUIRED: { fault: 'auth', retryable: false, rpcCode: -32001, wsClose: 1008, summary: 'No token was presented and the daemon requires one' },
  AUTH_INVALID_TOKEN: { fault: 'auth', retryable: false, rpcCode: -32001, wsClose: 1008, summary: 'The token is not known to the daemon' },
  AUTH_FORBIDDEN: { fault: 'auth', retryable: false, rpcCode: -32003, summary: 'The principal lacks the scope the method needs' },

  // Runs and workflows.
  RUN_NOT_FOUND: { fault: 'client', retryable: false, rpcCode: -32004, summary: 'No run with that id is visible to this principal' },
  RUN_NOT_CANCELLABLE: { fault: 'client', retryable: false, rpcCode: -32005, summary: 'The run has already finished' },
  WORKFLOW_NOT_FOUND: { fault: 'client', retryable: false, rpcCode: -32004, summary: 'No stored workflow matches the name and version range' },
  WORKFLOW_INVALID: { fault: 'workflow', retryable: false, rpcCode: -32010, summary: 'The workflow code does not compile or has no default export function; the message gives line and column' },
  WORKFLOW_ERROR: { fault: 'workflow', retryable: false, rpcCode: -32011, summary: 'The workflow threw; the message and guest stack are in the error' },
  WORKFLOW_OUTPUT_INVALID: { fault: 'workflow', retryable: false, rpcCode: -32012, summary: 'The workflow returned a value that is not JSON-serialisable' },

  // Limits: the run fails, the daemon keeps serving.
  LIMIT_MEMORY: { fault: 'workflow', retryable: false, rpcCode: -32020, summary: 'The run exceeded its memory limit' },
  LIMIT_CPU: { fault: 'workflow', retryable: false, rpcCode: -32021, summary: 'The run exceeded its CPU time limit' },
  LIMIT_WALL: { fault: 'workflow', retryable: false, rpcCode: -32022, summary: 'The run exceeded its wall-clock limit (time spent awaiting counts)' },
  LIMIT_OUTPUT: { fault: 'workflow', retryable: false, rpcCode: -32023, summary: 'The run\'s output exceeded limits.maxOutputBytes' },
  LIMIT_EXCEEDS_MAXIMUM: { fault: 'client', retryable: false, rpcCode: -32024, summary: 'A per-run limit asked for more than the daemon\'s configured limit; limits may only be lowered' },
  LIMIT_CALLS: { fault: 'workflow', retryable: false, rpcCode: -32025, summary: 'The workflow had too many ctx.call requests in flight at once (64); the call is rejected inside the guest' },

  // Sandbox and daemon.
  SANDBOX_CRASHED: { fault: 'daemon', retryable: true, rpcCode: -32030, summary: 'The worker process running the isolate died; the daemon restarted it' },
  DAEMON_BUSY: { fault: 'daemon', retryable: true, rpcCode: -32031, summary: 'The run queue is full (limits.maxQueuedRuns)' },
  DAEMON_SHUTTING_DOWN: { fault: 'daemon', retryable: true, rpcCode: -32032, wsClose: 1001, summary: 'The daemon is shutting down and accepts no new runs' },
  DAEMON_CLOSED: { fault: 'daemon', retryable: false, rpcCode: -32033, summary: 'The component was used after it was closed' },
  RUN_CANCELLED: { fault: 'client', retryable: false, rpcCode: -32034, summary: 'The run was cancelled (runs.cancel or daemon shutdown)' },

  // Capabilities and policy.
  CAPABILITY_UNKNOWN: { fault: 'workflow', retryable: false, rpcCode: -32040, summary: 'The workflow called a capability that does not exist' },
  CAPABILITY_INVALID_ARGS: { fault: 'workflow', retryable: false, rpcCode: -32041, summary: 'The capability arguments do not match its schema' },
  CAPABILITY_NETWORK_DENIED: { fault: 'workflow', retryable: false, rpcCode: -32042, summary: 'The host refused the destination whatever the policy says: a loopback, private, link-local, multicast or reserved address, a non-http(s) URL or credentials in the URL' },
  CAPABILITY_HTTP_FAILED: { fault: 'workflow', retryable: true, rpcCode: -32043, summary: 'The HTTP request failed: connection refused or reset, TLS error, no address, too many redirects or an undecodable body' },
  CAPABILITY_TIMEOUT: { fault: 'workflow', retryable: true, rpcCode: -32044, summary: 'The capability call exceeded its timeout; details.phase says which (connect or total)' },
  CAPABILITY_RESULT_TOO_LARGE: { fault: 'workflow', retryable: false, rpcCode: -32045, summary: 'The result exceeded its size cap (HTTP response body, file read); details.limitBytes gives the cap' },
  CAPABILITY_ARGS_TOO_LARGE: { fault: 'workflow', retryable: false, rpcCode: -32046, summary: 'An argument exceeded its size cap (HTTP request body, file content, kv value); details.limitBytes gives the cap' },
  FS_PATH_DENIED: { fault: 'workflow', retryable: false, rpcCode: -32047, summary: 'The path is absolute, contains ".." or a NUL byte, or leads out of the run workspace through a symlink' },
  FS_NOT_FOUND: { fault: 'workflow', retryable: false, rpcCode: -32048, summary: 'No file or directory at that path in the run workspace' },
  FS_WRONG_TYPE: { fault: 'workflow', retryable: false, rpcCode: -32048, summary: 'The path names a directory where a file was expected, or the reverse, or a directory that is not empty' },
  SECRET_NOT_FOUND: { fault: 'config', retryable: false, rpcCode: -32049, summary: 'A {"$secret": name} reference names a secret the daemon does not have' },
  POLICY_DENIED: { fault: 'policy', retryable: false, rpcCode: -32050, summary: 'The policy denied the call or the run; the message carries the reasons' },
  POLICY_COMPILE_FAILED: { fault: 'config', retryable: false, rpcCode: -32051, summary: 'A Rego policy did not compile; diagnostics list file, line and column' },

  // Journal.
  JOURNAL_CORRUPT: { fault: 'daemon', retryable: false, rpcCode: -32070, summary: 'A stored journal record is missing or fails its checksum; `aiws audit verify` names the run and seq' },
  REPLAY_UNAVAILABLE: { fault: 'client', retryable: false, rpcCode: -32071, summary: 'The run cannot be replayed: it never started, or the source it ran (by digest) or its recorded seed and clock are missing' },

  // Workflow store.
  INPUT_INVALID: { fault: 'client', retryable: false, rpcCode: -32080, summary: 'The run input does not match the workflow\'s input schema; details.errors lists each problem with its JSON pointer' },
  OUTPUT_INVALID: { fault: 'workflow', retryable: false, rpcCode: -32081, summary: 'The workflow returned output that does not match its output schema; the run fails' },
  STORE_MANIFEST_INVALID: { fault: 'workflow', retryable: false, rpcCode: -32082, summary: 'A workflow.yaml or test file is invalid; details.errors names the file and key path of every problem' },
  ATTESTATION_INVALID: { fault: 'workflow', retryable: false, rpcCode: -32083, summary: 'The workflow\'s attestation is missing, malformed, signed by an untrusted key, or for other content' },

  // Configuration and internals.
  CONFIG_INVALID: { fault: 'config', retryable: false, rpcCode: -32060, summary: 'daemon.config.yaml (or an override) is invalid; every bad key is listed with its path' },
  INTERNAL: { fault: 'daemon', retryable: true, rpcCode: -32603, summary: 'An unexpected fault; the message carries only an errorId that the daemon log explains' },
} as const satisfies Record<string, ErrorSpec>;

/** A stable error code. */
export type ErrorCode = keyof typeof codes;

/** True when `value` is one of the catalogued codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(codes, value);
}
