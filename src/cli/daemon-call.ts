/**
 * daemonCall: one request to the daemon for a client command (connect, request, close), printing the
 * one-line reason on stderr when the daemon cannot be reached or refuses, so commands stay short.
 */
import { AiwsClient, AiwsRpcError } from '../client/index.ts';
import type { ResolvedConnection } from './connection-flags.ts';
import { describeConnectionError, describeRpcError } from './describe-client-error.ts';

/** The result, or `undefined` after the failure was printed as `aiws <command>: <reason>`. */
export async function daemonCall(command: string, connection: ResolvedConnection, method: string, params: unknown, options: { readonly timeoutMs?: number } = {}): Promise<{ readonly result: unknown } | undefined> {
  let client: AiwsClient;
  try {
    client = await AiwsClient.connect(connection.url, connection.token === undefined ? {} : { token: connection.token });
  } catch (error) {
    process.stderr.write(`aiws ${command}: ${describeConnectionError(connection.url, error)}\n`);
    return undefined;
  }
  try {
    return { result: await client.request(method, params, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
  } catch (error) {
    if (!(error instanceof AiwsRpcError)) throw error;
    process.stderr.write(`aiws ${command}: ${describeRpcError(error)}\n`);
    return undefined;
  } finally {
    await client.close();
  }
}
