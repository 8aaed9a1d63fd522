/** Server: the WebSocket endpoint of protocol v1. */
export { WsServer, type WsServerOptions, type ListenAddress } from './ws-server.ts';
