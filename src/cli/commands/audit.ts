/**
 * `aiws audit`: checks journal exports offline. For now the offline form only:
 * `aiws audit verify --file run.jsonl` (or `--file -` for stdin) verifies an export made by
 * `aiws audit export` without any daemon. Verifying and exporting runs of a live journal come with
 * the daemon wiring (TODO(#6)).
 *
 * Exit status: 0 the chain is intact, 1 verification failed, 2 usage error.
 */
import { createReadStream } from 'node:fs';
import { verifyJsonl, type JsonlVerification } from '../../journal/index.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

/** Shown by `aiws audit --help` and `aiws help audit`. */
export const help = `Usage: aiws audit verify --file <run.jsonl|->  [--json]

Verifies a run export (JSON lines from "aiws audit export") offline, without a daemon: the header,
every event's hash and its link to the previous event, and the event count and last hash the header
announces. Prints the run, its policy revision and workflow digest, or the first bad event and why.

Options:
  --file <path>        the export to verify; "-" reads stdin
  --json               print the verification result as JSON
  -h, --help           show this help

Exit status: 0 intact, 1 verification failed or the file is unreadable, 2 usage error.`;

/**
 * Runs `aiws audit` with `argv` (the words after `audit`) and resolves with the exit status.
 * @throws UsageError for a bad command line (the dispatcher prints it and exits 2)
 */
export default async function audit(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    allowPositionals: true,
    options: { file: { type: 'string' }, json: { type: 'boolean', default: false }, all: { type: 'boolean', default: false } },
  });
  const [action, ...rest] = positionals;
  if (action !== 'verify') throw new UsageError(action === undefined ? 'missing action: expected "verify --file <run.jsonl>"' : `unknown action "${action}": expected "verify --file <run.jsonl>"`);
  if (values.file === undefined) throw new UsageError('verifying a run in the daemon\'s journal is not available yet: use "aiws audit verify --file <run.jsonl>"');
  if (rest.length > 0 || values.all) throw new UsageError('"--file" verifies one export: give no run id and no "--all"');

  let result: JsonlVerification;
  try {
    result = await verifyJsonl(values.file === '-' ? process.stdin : createReadStream(values.file));
  } catch (error) {
    process.stderr.write(`aiws audit: cannot read "${values.file}": ${(error as Error).message}\n`);
    return 1;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.ok) {
    const { header } = result;
    process.stdout.write(
      `ok: run "${result.runId}", ${result.count} events, chain intact\n` +
        `policy revision: ${header.policyRevision ?? '(not recorded)'}\nworkflow digest: ${header.workflowDigest ?? '(not recorded)'}\nlast hash: ${header.lastHash}\n`,
    );
  } else {
    process.stdout.write(`FAILED at event ${result.seq} (line ${result.line}): ${result.reason}\n`);
  }
  return result.ok ? 0 : 1;
}
