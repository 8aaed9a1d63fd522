/**
 * `aiws serve`: loads the config, starts the daemon and runs it until SIGTERM or SIGINT.
 *
 * Prints exactly one line to stdout once listening (`aiws listening on ws://HOST:PORT/v1`, the real
 * port when 0 was asked for); logs go to stderr as pino JSON lines. Exit status: 0 after a clean
 * shutdown, 1 when the daemon cannot start (e.g. port in use), 2 for usage and config errors.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDaemonError } from '../../errors/index.ts';
import { createLogger } from '../../log/index.ts';
import { loadConfig, type ResolvedConfig } from '../../config/index.ts';
import { createDaemon } from '../../daemon.ts';
import { parseCommandArgs } from '../parse-command-args.ts';

export const help = `Usage: aiws serve [options]

Starts the aiws daemon: JSON-RPC 2.0 over WebSocket at ws://HOST:PORT/v1.

Options:
  --config FILE        config file (default: $AIWS_CONFIG, else ./daemon.config.yaml when present,
                       else the embedded defaults); see docs/configuration.md
  --port N             port to listen on, 0 for a free one (overrides $AIWS_PORT and the file)
  --host H             address to listen on (overrides $AIWS_HOST and the file); a non-loopback
                       address needs auth.tokens
  -h, --help           show this help

Prints "aiws listening on ws://HOST:PORT/v1" once ready. SIGTERM/SIGINT shut down gracefully
(running runs get shutdownGraceMs to finish); a second signal exits at once.

Exit status: 0 clean shutdown, 1 start-up failure, 2 usage or config error.`;

export default async function serve(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${help}\n`);
    return 0;
  }

  let config: ResolvedConfig;
  try {
    config = await loadConfig({
      ...configFile(values.config),
      overrides: { ...(values.host === undefined ? {} : { host: values.host }), ...(values.port === undefined ? {} : { port: values.port }) },
    });
  } catch (err) {
    if (isDaemonError(err) && err.code === 'CONFIG_INVALID') {
      process.stderr.write(`aiws serve: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const logger = createLogger({ level: config.log.level });
  const daemon = createDaemon(config, { logger });
  const stop = Promise.withResolvers<string>();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (daemon.state === 'draining') {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stop.resolve(signal);
  };
  // A fault nothing caught leaves the daemon in an unknown state: log it as JSON, then exit.
  const onFatal = (err: unknown): void => {
    logger.fatal({ err }, 'uncaught error: exiting');
    process.exit(1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  try {
    try {
      const address = await daemon.start();
      process.stdout.write(`aiws listening on ${address.url}\n`);
    } catch (err) {
      logger.error({ err }, 'daemon failed to start');
      process.stderr.write(`aiws serve: Cannot start the daemon: ${(err as Error).message}\n`);
      return 1;
    }
    const signal = await stop.promise;
    logger.info({ signal }, 'shutdown requested');
    await daemon.close();
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  }
}

function configFile(flag: string | undefined): { file?: string } {
  if (flag !== undefined) return { file: flag };
  const fromEnv = process.env.AIWS_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return { file: fromEnv };
  const local = resolve('daemon.config.yaml');
  return existsSync(local) ? { file: local } : {};
}
