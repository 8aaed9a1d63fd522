/**
 * The protocol codec: text frame → validated request, and responses/notifications → text. Pure: no I/O.
 *
 * Decoding never throws. A message that cannot be served becomes a `rejected` value carrying the
 * DaemonError to answer with (−32700, −32600, −32601, −32602), so the connection survives it.
 * Batches (JSON arrays) are answered with −32600: one request per frame keeps flow control simple.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { default as addFormats } from 'ajv-formats';
import { DaemonError, codes, isDaemonError } from '../errors/index.ts';
import { methodNames, runEventMethod, type JsonRpcId, type JsonRpcResponse, type MethodName, type RunEvent } from './messages.ts';
import requestSchema from './schemas/request.json' with { type: 'json' };
import runsStart from './schemas/runs.start.json' with { type: 'json' };
import runsSubscribe from './schemas/runs.subscribe.json' with { type: 'json' };
import runsUnsubscribe from './schemas/runs.unsubscribe.json' with { type: 'json' };
import runsCancel from './schemas/runs.cancel.json' with { type: 'json' };
import runsGet from './schemas/runs.get.json' with { type: 'json' };
import runsList from './schemas/runs.list.json' with { type: 'json' };
import daemonStatus from './schemas/daemon.status.json' with { type: 'json' };
import sessionAuthenticate from './schemas/session.authenticate.json' with { type: 'json' };
import runEventSchema from './schemas/run-event.json' with { type: 'json' };
import runsReplay from './schemas/runs.replay.json' with { type: 'json' };
import auditVerify from './schemas/audit.verify.json' with { type: 'json' };
import auditExport from './schemas/audit.export.json' with { type: 'json' };
import workflowsList from './schemas/workflows.list.json' with { type: 'json' };
import workflowsDescribe from './schemas/workflows.describe.json' with { type: 'json' };

/** A decoded, valid request (`id` present) or notification (`id` absent: no reply is sent). */
export interface DecodedCall {
  readonly type: 'call';
  readonly id: JsonRpcId | undefined;
  readonly method: MethodName;
  /** Validated against the method's schema, defaults applied. */
  readonly params: Record<string, unknown>;
}

/** A message that cannot be served; reply with `error` unless `id` is undefined (a notification). */
export interface RejectedMessage {
  readonly type: 'rejected';
  readonly id: JsonRpcId | undefined;
  readonly error: DaemonError;
}

export type DecodedMessage = DecodedCall | RejectedMessage;

/** One schema violation as reported in `error.data.details.errors`. */
export interface ParamError {
  /** JSON pointer into params, e.g. `/limits/cpuMs` ('' for params itself). */
  readonly path: string;
  readonly keyword: string;
  readonly message: string;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats.default(ajv, ['date-time']);
const validateRequest = ajv.compile(requestSchema);
const paramValidators: Readonly<Record<MethodName, ValidateFunction>> = {
  'runs.start': ajv.compile(runsStart),
  'runs.subscribe': ajv.compile(runsSubscribe),
  'runs.unsubscribe': ajv.compile(runsUnsubscribe),
  'runs.cancel': ajv.compile(runsCancel),
  'runs.get': ajv.compile(runsGet),
  'runs.list': ajv.compile(runsList),
  'daemon.status': ajv.compile(daemonStatus),
  'session.authenticate': ajv.compile(sessionAuthenticate),
  'runs.replay': ajv.compile(runsReplay),
  'audit.verify': ajv.compile(auditVerify),
  'audit.export': ajv.compile(auditExport),
  'workflows.list': ajv.compile(workflowsList),
  'workflows.describe': ajv.compile(workflowsDescribe),
};

/** Validates a run event against schemas/run-event.json (for tests and clients). */
export const validateRunEvent = ajv.compile(runEventSchema);

/** Decodes one text frame. Never throws. */
export function decodeMessage(text: string): DecodedMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return reject(null, new DaemonError('PROTO_PARSE_ERROR', `Cannot parse message: ${(err as Error).message}`));
  }
  if (Array.isArray(value)) {
    return reject(null, new DaemonError('PROTO_INVALID_REQUEST', 'Invalid request: batch requests are not supported, send one request per message'));
  }
  const id = pickId(value);
  if (!validateRequest(value)) {
    const errors = toParamErrors(validateRequest.errors);
    return reject(id ?? null, new DaemonError('PROTO_INVALID_REQUEST', `Invalid request: ${summarise(errors)}`, { details: { errors } }));
  }
  const request = value as { method: string; params?: unknown };
  if (!(methodNames as readonly string[]).includes(request.method)) {
    return reject(id, new DaemonError('PROTO_METHOD_NOT_FOUND', `Unknown method "${request.method}"`, { details: { method: request.method } }));
  }
  const method = request.method as MethodName;
  const params = request.params ?? {};
  const validate = paramValidators[method];
  if (!validate(params)) {
    const errors = toParamErrors(validate.errors);
    return reject(id, new DaemonError('PROTO_INVALID_PARAMS', `Invalid params for "${method}": ${summarise(errors)}`, { details: { method, errors } }));
  }
  return { type: 'call', id, method, params: params as Record<string, unknown> };
}

/** Encodes a successful response. */
export function encodeResult(id: JsonRpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result });
}

/** Builds the JSON-RPC error response for `error`; any non-DaemonError must be mapped to INTERNAL first. */
export function errorResponse(id: JsonRpcId, error: DaemonError): JsonRpcResponse {
  const spec = codes[error.code];
  return {
    jsonrpc: '2.0',
    id,
    error: { code: spec.rpcCode, message: error.message, data: { code: error.code, retryable: spec.retryable, details: error.details ?? {} } },
  };
}

/** Encodes an error response. */
export function encodeError(id: JsonRpcId, error: DaemonError): string {
  return JSON.stringify(errorResponse(id, error));
}

/** Encodes a `run.event` notification. */
export function encodeRunEvent(event: RunEvent): string {
  return JSON.stringify({ jsonrpc: '2.0', method: runEventMethod, params: event });
}

/** Maps anything thrown by a handler to a DaemonError; unknown errors become INTERNAL carrying only `errorId`. */
export function toDaemonError(err: unknown, errorId: string): DaemonError {
  if (isDaemonError(err)) return err;
  return new DaemonError('INTERNAL', `Internal error: see the daemon log for errorId "${errorId}"`, { details: { errorId }, cause: err });
}

function pickId(value: unknown): JsonRpcId | undefined {
  if (typeof value !== 'object' || value === null || !('id' in value)) return undefined;
  const id = (value as { id: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' || id === null ? id : null;
}

function reject(id: JsonRpcId | undefined, error: DaemonError): RejectedMessage {
  return { type: 'rejected', id, error };
}

function toParamErrors(errors: readonly ErrorObject[] | null | undefined): ParamError[] {
  return (errors ?? []).map((e) => {
    const extra =
      e.keyword === 'additionalProperties' ? `: "${String(e.params.additionalProperty)}"` : e.keyword === 'required' ? '' : '';
    const path = e.keyword === 'required' ? `${e.instancePath}/${String(e.params.missingProperty)}` : e.instancePath;
    return { path, keyword: e.keyword, message: `${e.message ?? 'is invalid'}${extra}` };
  });
}

function summarise(errors: readonly ParamError[]): string {
  const first = errors.slice(0, 3).map((e) => `${e.path === '' ? '(root)' : e.path} ${e.message}`);
  return errors.length > 3 ? `${first.join('; ')}; and ${errors.length - 3} more` : first.join('; ');
}
