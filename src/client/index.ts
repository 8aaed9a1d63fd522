/** The aiws client: a JSON-RPC connection to the daemon, typed errors, run following with resume. */
export {
  AiwsClient,
  defaultDaemonUrl,
  protocolV1,
  type AiwsClientOptions,
  type AiwsClientState,
  type DisconnectInfo,
  type FollowRunOptions,
  type RequestOptions,
  type ResolvedAiwsClientOptions,
} from './aiws-client.ts';
export { AiwsRpcError, isAiwsRpcError, type RpcErrorPayload } from './aiws-rpc-error.ts';
export { AiwsConnectionError, type AiwsConnectionErrorOptions, type ConnectionFailure } from './aiws-connection-error.ts';
export {
  terminalEventTypes,
  terminalStatuses,
  type AiwsMethod,
  type AiwsMethods,
  type DaemonStatusResult,
  type PoolStatus,
  type RequestedLimits,
  type RunErrorInfo,
  type RunEvent,
  type RunEventType,
  type RunInfo,
  type RunStatus,
  type RunsStartParams,
  type RunsSubscribeResult,
} from './types.ts';
