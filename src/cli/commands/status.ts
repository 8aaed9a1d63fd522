/**
 * `aiws status`: asks the daemon for `daemon.status` and prints it, aligned or as JSON.
 *
 * Exit status: 0 when the daemon answered, 1 when it could not be reached or refused, 2 usage error.
 */
import { AiwsClient, AiwsRpcError } from '../../client/index.ts';
import { connectionHelp, connectionOptions, resolveConnection } from '../connection-flags.ts';
import { describeConnectionError, describeRpcError } from '../describe-client-error.ts';
import { formatStatus } from '../format-status.ts';
import { parseCommandArgs } from '../parse-command-args.ts';

/** Shown by `aiws status --help` and `aiws help status`. */
export const help = `Usage: aiws status [options]

Shows the daemon's version, uptime, runs by status, sandbox pool, policy in force and workflow store.

Options:
${connectionHelp}
  --json               print the daemon.status result as JSON
  -h, --help           show this help

Exit status: 0 ok, 1 daemon unreachable or request refused, 2 usage error.`;

/**
 * Runs `aiws status` with `argv` (the words after `status`) and resolves with the exit status.
 * @throws UsageError for a bad command line (the dispatcher prints it and exits 2)
 */
export default async function status(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: { ...connectionOptions, json: { type: 'boolean', default: false } },
  });
  const connection = resolveConnection(values);
  let client: AiwsClient;
  try {
    client = await AiwsClient.connect(connection.url, connection.token === undefined ? {} : { token: connection.token });
  } catch (error) {
    process.stderr.write(`aiws status: ${describeConnectionError(connection.url, error)}\n`);
    return 1;
  }
  try {
    const result = await client.request('daemon.status', {});
    process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatStatus(connection.url, result)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof AiwsRpcError)) throw error;
    process.stderr.write(`aiws status: ${describeRpcError(error)}\n`);
    return 1;
  } finally {
    await client.close();
  }
}
