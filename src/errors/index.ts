/** Error catalogue and the DaemonError type. */
export { codes, isErrorCode, type ErrorCode, type ErrorSpec, type ErrorFault } from './codes.ts';
export { DaemonError, isDaemonError, daemonErrorFromJSON, type DaemonErrorOptions } from './daemon-error.ts';
