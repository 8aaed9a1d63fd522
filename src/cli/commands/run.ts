/**
 * `aiws run`: submits a workflow file, or names a store workflow (`--workflow name@range`), to the
 * daemon and follows the run's events to its end.
 *
 * Exit status: 0 completed, 1 failed/cancelled/daemon unreachable, 2 usage error, 130 after Ctrl-C
 * (which cancels the run first).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { text } from 'node:stream/consumers';
import { AiwsClient, AiwsConnectionError, AiwsRpcError, type RequestedLimits, type RunEvent } from '../../client/index.ts';
import { connectionHelp, connectionOptions, resolveConnection } from '../connection-flags.ts';
import { describeConnectionError, describeRpcError } from '../describe-client-error.ts';
import { parseCommandArgs, parseIntegerOption } from '../parse-command-args.ts';
import { createRunReporter, type ReportMode, type RunReporter } from '../run-reporter.ts';
import { UsageError } from '../usage-error.ts';

/** Shown by `aiws run --help` and `aiws help run`. */
export const help = `Usage: aiws run <file.js|-> [options]
       aiws run --workflow NAME@RANGE [options]

Runs a workflow on the aiws daemon and follows its events until it ends.
The file is an ES module whose default export is async function (input, ctx);
"-" reads it from stdin. --workflow runs a version from the daemon's workflow
store instead: the highest one matching the semver range (bank-transfer@^1;
a bare name means any version).
Give exactly one of a file and --workflow.

Options:
  --workflow NAME@RANGE  run a store workflow instead of a file
  --input JSON|@FILE   input for the workflow: inline JSON, or @path of a JSON file
  --capabilities LIST  capabilities the workflow will call, comma-separated
                       (e.g. http.fetch,kv.get; repeatable); the policy denies undeclared ones;
                       files only: a store workflow declares its own in workflow.yaml
${connectionHelp}
  --json               print every event as one JSON line on stdout
  --memory-mb N        lower this run's memory limit (MiB)
  --cpu-ms N           lower this run's CPU time limit
  --wall-ms N          lower this run's wall-clock limit
  -h, --help           show this help

In a terminal a progress line shows the run's status and logs; otherwise events
are printed as plain lines on stderr. The output is printed as JSON on stdout.
Ctrl-C cancels the run.

Exit status: 0 completed, 1 failed, cancelled or daemon unreachable,
2 usage error, 130 interrupted.

Examples:
  aiws run examples/hello.js --input '{"name":"Ada"}'
  aiws run fetch-zen.js --capabilities http.fetch
  aiws run --workflow csv-report@^1 --input @report.json`;

/** How long Ctrl-C waits for the daemon to confirm the cancellation before giving up on it. */
const cancelGraceMs = 3_000;

/**
 * Runs `aiws run` with `argv` (the words after `run`) and resolves with the exit status.
 * @throws UsageError for a bad command line (the dispatcher prints it and exits 2)
 */
export default async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    allowPositionals: true,
    options: {
      ...connectionOptions,
      workflow: { type: 'string' },
      input: { type: 'string' },
      capabilities: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      'memory-mb': { type: 'string' },
      'cpu-ms': { type: 'string' },
      'wall-ms': { type: 'string' },
    },
  });
  const source = readSource(positionals, values.workflow);
  const capabilities = readCapabilities(values.capabilities);
  if (source.type === 'store' && capabilities.length > 0) {
    throw new UsageError('--capabilities applies to a workflow file only: a store workflow declares its capabilities in workflow.yaml');
  }
  const connection = resolveConnection(values);
  const limits = readLimits(values);
  const input = values.input === undefined ? undefined : await readInput(values.input);
  const target = source.type === 'store' ? { workflow: source.workflow } : { code: await readWorkflow(source.file), filename: source.file === '-' ? 'stdin.js' : basename(source.file) };

  const mode: ReportMode = values.json ? 'json' : process.stderr.isTTY ? 'tty' : 'plain';
  let client: AiwsClient;
  try {
    client = await AiwsClient.connect(connection.url, connection.token === undefined ? {} : { token: connection.token });
  } catch (error) {
    process.stderr.write(`aiws run: ${describeConnectionError(connection.url, error)}\n`);
    return 1;
  }

  const reporter = createRunReporter(mode, { stdout: process.stdout, stderr: process.stderr });
  const interrupt = new Interrupt(client, reporter);
  try {
    let runId: string;
    try {
      ({ runId } = await client.request('runs.start', {
        ...target,
        ...(input === undefined ? {} : { input: input.value }),
        ...(limits === undefined ? {} : { limits }),
        ...(capabilities.length === 0 ? {} : { capabilities }),
        subscribe: true,
      }));
    } catch (error) {
      if (error instanceof AiwsRpcError) {
        reporter.close();
        process.stderr.write(`aiws run: cannot start run: ${describeRpcError(error)}\n`);
        return interrupt.requested ? 130 : 1;
      }
      throw error;
    }
    reporter.submitted(runId);
    interrupt.runStarted(runId);
    let last: RunEvent | undefined;
    for await (const event of client.followRun(runId, { subscribed: true, signal: interrupt.signal })) {
      reporter.event(event);
      last = event;
    }
    if (interrupt.requested) return 130;
    return last?.type === 'run.completed' ? 0 : 1;
  } catch (error) {
    reporter.close();
    if (interrupt.requested) {
      process.stderr.write(`aiws run: interrupted${interrupt.runId === undefined ? '' : `; run ${interrupt.runId} may still be running`}\n`);
      return 130;
    }
    if (error instanceof AiwsConnectionError) {
      process.stderr.write(`aiws run: lost connection to aiws daemon at ${connection.url}: ${error.detail}\n`);
      return 1;
    }
    if (error instanceof AiwsRpcError) {
      process.stderr.write(`aiws run: ${describeRpcError(error)}\n`);
      return 1;
    }
    throw error;
  } finally {
    interrupt.dispose();
    reporter.close();
    await client.close();
  }
}

/** What `aiws run` runs: a file (or stdin) or a store workflow. */
type RunSource = { readonly type: 'file'; readonly file: string } | { readonly type: 'store'; readonly workflow: string };

/**
 * Exactly one of a file argument and `--workflow name@range`.
 * @throws UsageError for none, both, several files, or an empty `--workflow`
 */
function readSource(positionals: readonly string[], workflow: string | undefined): RunSource {
  if (positionals.length > 1) throw new UsageError(`expected one workflow file, got ${positionals.length}`);
  const file = positionals[0];
  if (workflow !== undefined && file !== undefined) throw new UsageError(`give either a workflow file or --workflow, not both (got "${file}" and --workflow "${workflow}")`);
  if (workflow !== undefined) {
    // The daemon parses the reference (NAME alone means any version) and names what is wrong with it.
    if (workflow.trim() === '') throw new UsageError('empty --workflow: expected NAME@RANGE such as "bank-transfer@^1"');
    return { type: 'store', workflow };
  }
  if (file === undefined) throw new UsageError('missing workflow file (use "-" to read it from stdin) or --workflow NAME@RANGE');
  return { type: 'file', file };
}

/**
 * `--capabilities a,b --capabilities c` → `['a', 'b', 'c']`, without blanks or repeats.
 * @throws UsageError for a name that cannot be a capability
 */
function readCapabilities(values: readonly string[] | undefined): string[] {
  const names = new Set<string>();
  for (const value of values ?? []) {
    for (const name of value.split(',').map((part) => part.trim())) {
      if (name === '') continue;
      if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(name)) throw new UsageError(`invalid --capabilities entry "${name}": expected a name such as "http.fetch"`);
      names.add(name);
    }
  }
  return [...names];
}

/**
 * Ctrl-C while a run is in flight: the first press asks the daemon to cancel the run and waits (up
 * to `cancelGraceMs`) for `run.cancelled`; a second press, or the grace running out, stops waiting.
 */
class Interrupt {
  readonly #client: AiwsClient;
  readonly #reporter: RunReporter;
  readonly #controller = new AbortController();
  readonly #onSigint = (): void => this.#interrupt();
  #runId: string | undefined;
  #requested = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(client: AiwsClient, reporter: RunReporter) {
    this.#client = client;
    this.#reporter = reporter;
    process.on('SIGINT', this.#onSigint);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get requested(): boolean {
    return this.#requested;
  }

  get runId(): string | undefined {
    return this.#runId;
  }

  runStarted(runId: string): void {
    this.#runId = runId;
    if (this.#requested) this.#cancel();
  }

  dispose(): void {
    process.off('SIGINT', this.#onSigint);
    clearTimeout(this.#timer);
  }

  #interrupt(): void {
    if (this.#requested) {
      this.#controller.abort(new Error('Interrupted twice'));
      return;
    }
    this.#requested = true;
    this.#timer = setTimeout(() => this.#controller.abort(new Error('Cancellation not confirmed in time')), cancelGraceMs);
    // Before runs.start has answered there is nothing to cancel yet: runStarted() does it.
    if (this.#runId !== undefined) this.#cancel();
  }

  #cancel(): void {
    this.#reporter.note(`cancelling run ${this.#runId} (Ctrl-C again to stop waiting)`);
    this.#client.request('runs.cancel', { runId: this.#runId as string }).catch((error: unknown) => {
      // RUN_NOT_CANCELLABLE: it finished meanwhile, and its terminal event ends the loop.
      if (!(error instanceof AiwsRpcError && error.code === 'RUN_NOT_CANCELLABLE')) this.#controller.abort(error);
    });
  }
}

function readLimits(values: { 'memory-mb'?: string | undefined; 'cpu-ms'?: string | undefined; 'wall-ms'?: string | undefined }): RequestedLimits | undefined {
  const limits = {
    memoryMb: parseIntegerOption('memory-mb', values['memory-mb']),
    cpuMs: parseIntegerOption('cpu-ms', values['cpu-ms']),
    wallMs: parseIntegerOption('wall-ms', values['wall-ms']),
  };
  const given = Object.entries(limits).filter(([, value]) => value !== undefined);
  return given.length === 0 ? undefined : (Object.fromEntries(given) as RequestedLimits);
}

/**
 * `--input '{"a":1}'` or `--input @file.json`, parsed as JSON.
 * @throws UsageError naming the JSON problem or the unreadable file
 */
async function readInput(option: string): Promise<{ value: unknown }> {
  let source = option;
  let where = '--input';
  if (option.startsWith('@')) {
    const path = option.slice(1);
    where = `--input file "${path}"`;
    try {
      source = await readFile(path, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${where}: ${describeFsError(error)}`, { cause: error });
    }
  }
  try {
    return { value: JSON.parse(source) as unknown };
  } catch (error) {
    throw new UsageError(`invalid JSON in ${where}: ${(error as Error).message}`, { cause: error });
  }
}

/** @throws UsageError when the file cannot be read or is empty */
async function readWorkflow(file: string): Promise<string> {
  let code: string;
  try {
    code = file === '-' ? await text(process.stdin) : await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read workflow "${file}": ${describeFsError(error)}`, { cause: error });
  }
  if (code.trim() === '') throw new UsageError(`workflow "${file}" is empty`);
  return code;
}

function describeFsError(error: unknown): string {
  const { code } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}
