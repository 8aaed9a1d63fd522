/**
 * The `aiws` command: picks the subcommand, loads its module lazily, and turns what it returns or
 * throws into an exit status (0 ok, 1 failure, 2 usage error).
 *
 * A command module exports `default async function (argv: string[]): Promise<number>` and
 * `export const help: string`. Commands are registered below by name; one whose module is not in
 * this checkout is treated as unknown, so a partial tree never advertises what it cannot run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { AiwsConnectionError } from '../client/index.ts';
import { isDaemonError } from '../errors/index.ts';
import { isUsageError } from './usage-error.ts';

/** A subcommand's module. */
export interface CommandModule {
  default(argv: string[]): Promise<number>;
  readonly help: string;
}

interface CommandEntry {
  /** One line for `aiws --help`. */
  readonly summary: string;
  /** Module path relative to this file. */
  readonly module: string;
}

const registry: Readonly<Record<string, CommandEntry>> = {
  serve: { summary: 'start the daemon (JSON-RPC over WebSocket)', module: './commands/serve.ts' },
  run: { summary: 'run a workflow (a file or --workflow name@range) and follow its events', module: './commands/run.ts' },
  status: { summary: "show the daemon's status", module: './commands/status.ts' },
  policy: { summary: 'check, evaluate, build and test Rego policies', module: './commands/policy.ts' },
  workflow: { summary: 'list, describe, verify and scaffold store workflows', module: './commands/workflow.ts' },
  keys: { summary: 'generate an Ed25519 key pair for workflow attestations', module: './commands/keys.ts' },
  audit: { summary: 'verify journal hash chains, export runs for auditors', module: './commands/audit.ts' },
  replay: { summary: 'replay a recorded run and compare it with its journal', module: './commands/replay.ts' },
};

/** Registered commands whose module exists in this checkout. */
function availableCommands(): [string, CommandEntry][] {
  return Object.entries(registry).filter(([, entry]) => existsSync(new URL(entry.module, import.meta.url)));
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const commands = availableCommands();
  const width = Math.max(...commands.map(([name]) => name.length));
  return `Usage: aiws <command> [options]

aiws runs JavaScript workflows in V8 isolates, reached over WebSocket.

Commands:
${commands.map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`).join('\n')}

Options:
  -h, --help     show help (also: aiws <command> --help)
  -v, --version  print the version

Environment: AIWS_URL and AIWS_TOKEN set the daemon URL and token for client commands.`;
}

/** True when `argv` asks for help before any `--` terminator. */
function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** The module of command `name`, or the exit status after reporting why there is none. */
async function loadCommand(name: string): Promise<CommandModule | number> {
  const entry = Object.hasOwn(registry, name) ? registry[name] : undefined;
  const url = entry === undefined ? undefined : new URL(entry.module, import.meta.url);
  if (url === undefined || !existsSync(url)) return usageFailure('aiws', `unknown command "${name}"`, 'aiws --help');
  try {
    return (await import(url.href)) as CommandModule;
  } catch (error) {
    // A module that exists but fails to load is a broken checkout, not a usage error.
    process.stderr.write(`aiws ${name}: cannot load the command: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function usageFailure(prefix: string, reason: string, helpCommand: string): number {
  process.stderr.write(`${prefix}: ${reason}\nRun "${helpCommand}" for usage.\n`);
  return 2;
}

/**
 * Runs the `aiws` command line `argv` (without node and the script) and returns the exit status.
 * Prints to process.stdout/stderr.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) return usageFailure('aiws', 'missing command', 'aiws --help');
  if (first === '--version' || first === '-v') {
    process.stdout.write(`aiws ${version()}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      process.stdout.write(`${usage()}\n`);
      return 0;
    }
    const command = await loadCommand(topic);
    if (typeof command === 'number') return command;
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  if (first.startsWith('-')) return usageFailure('aiws', `unknown option "${first}"`, 'aiws --help');

  const command = await loadCommand(first);
  if (typeof command === 'number') return command;
  if (wantsHelp(rest)) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.default([...rest]);
  } catch (error) {
    if (isUsageError(error)) return usageFailure(`aiws ${first}`, error.message, `aiws ${first} --help`);
    if (isDaemonError(error) && error.code === 'CONFIG_INVALID') {
      process.stderr.write(`aiws ${first}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof AiwsConnectionError) {
      process.stderr.write(`aiws ${first}: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`aiws ${first}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

// A closed pipe (`aiws run x.js --json | head -1`) is the reader's choice, not an error to report.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2));
