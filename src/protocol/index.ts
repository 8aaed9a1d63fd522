/** Protocol v1: message types, JSON schemas and the pure codec. */
export * from './messages.ts';
export { decodeMessage, encodeResult, encodeError, errorResponse, encodeRunEvent, toDaemonError, validateRunEvent, type DecodedCall, type DecodedMessage, type RejectedMessage, type ParamError } from './codec.ts';
