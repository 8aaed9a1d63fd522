/**
 * The pino root logger. One root is created by the composition root and injected; components take
 * children carrying their context (`{ component }`, `{ connId }`, `{ runId }`).
 */
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** @default 'info' */
  readonly level?: LevelWithSilent;
  /** Where JSON lines go. @default stderr */
  readonly destination?: DestinationStream;
}

/** Paths pino redacts wherever they appear: tokens and secret values never reach a log line. */
const redactPaths = ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'secret', '*.secret', 'secrets', '*.secrets'];

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    { level: options.level ?? 'info', base: { pid: process.pid }, redact: { paths: redactPaths, censor: '[redacted]' } },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything: for tests and library callers that pass none. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
