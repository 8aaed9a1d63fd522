/** Logging: the pino root and helpers. */
export { createLogger, createSilentLogger, type Logger, type LoggerOptions } from './logger.ts';
