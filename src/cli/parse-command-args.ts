/**
 * parseCommandArgs: node:util parseArgs in strict mode, with its errors turned into short
 * UsageErrors (`unknown option "--foo"`) instead of TypeErrors with a stack.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.ts';

/** What parseArgs accepts here: always strict, never negative options. */
export type CommandArgsConfig = Omit<ParseArgsConfig, 'args' | 'strict' | 'allowNegative' | 'tokens'>;

/**
 * Parses `argv` (the words after the command name) against `config`.
 * @throws UsageError naming the offending option or argument
 */
export function parseCommandArgs<const C extends CommandArgsConfig>(argv: readonly string[], config: C): ReturnType<typeof parseArgs<C & { strict: true }>> {
  try {
    return parseArgs({ ...config, args: [...argv], strict: true } as C & { strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error), { cause: error });
  }
}

/**
 * Parses a non-negative integer option value such as `--wall-ms 500`.
 * @throws UsageError when `value` is not a whole number in range
 */
export function parseIntegerOption(name: string, value: string | undefined, minimum = 1): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < minimum) {
    throw new UsageError(`invalid --${name} "${value}": expected a whole number ≥ ${minimum}`);
  }
  return parsed;
}

function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  // parseArgs messages run on with advice about '--'; keep the first sentence, and name the option.
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== null) return `unknown option "${unknown[1]}"`;
  const positional = /^Unexpected argument '([^']*)'/.exec(message);
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && positional !== null) return `unexpected argument "${positional[1]}"`;
  return message.split('. ')[0]?.replace(/\.$/, '') ?? message;
}
