/**
 * The protocol v1 types the client speaks, taken from src/protocol, plus the client's notion of
 * which events and statuses end a run.
 */
import type { MethodMap, MethodName } from '../protocol/index.ts';

export type {
  DaemonStatusResult,
  PoolStatus,
  RequestedLimits,
  RunErrorInfo,
  RunEvent,
  RunEventType,
  RunInfo,
  RunStatus,
  RunsStartParams,
  RunsSubscribeResult,
} from '../protocol/index.ts';

/** Method name → params and result, for the typed overload of `AiwsClient#request`. */
export type AiwsMethods = MethodMap;

/** A method the client can call with typed params and result. */
export type AiwsMethod = MethodName;

/** Event types after which a run emits nothing more. */
export const terminalEventTypes: ReadonlySet<string> = new Set(['run.completed', 'run.failed', 'run.cancelled', 'run.interrupted']);

/** Run states after which a run emits nothing more. */
export const terminalStatuses: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled', 'interrupted']);
