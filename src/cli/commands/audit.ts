/**
 * `aiws audit`: checks the journal's hash chains and exports runs for auditors.
 *
 *   aiws audit verify <runId> | --all   through the daemon (`audit.verify`): re-reads the run's
 *                                       records from disk and checks every hash and link
 *   aiws audit export <runId>           through the daemon (`audit.export`): JSON lines on stdout
 *   aiws audit verify --file run.jsonl  offline, no daemon: verifies an export (`-` reads stdin)
 *
 * Through the daemon rather than by opening the journal directory: the daemon owns the files (it may
 * be appending, and opening the journal repairs torn tails), and the daemon applies the visibility
 * rule (own runs, or every run with `admin`).
 *
 * Exit status: 0 intact, 1 verification failed (or unreadable file, unreachable daemon), 2 usage error.
 */
import { createReadStream } from 'node:fs';
import { verifyJsonl, type JsonlVerification } from '../../journal/index.ts';
import type { AuditExportResult, AuditVerifyResult } from '../../protocol/index.ts';
import { connectionHelp, connectionOptions, resolveConnection } from '../connection-flags.ts';
import { daemonCall } from '../daemon-call.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

/** Shown by `aiws audit --help` and `aiws help audit`. */
export const help = `Usage: aiws audit verify <runId> | --all   [options]
       aiws audit verify --file <run.jsonl|->  [--json]
       aiws audit export <runId> [options] > run.jsonl

verify <runId>    asks the daemon to re-read the run's events from its journal and check every
                  event's hash and its link to the previous event; prints the first bad event (seq)
--all             the same for every run you may see (all runs with the admin scope)
verify --file     verifies an export offline, without a daemon: the header, every event's hash and
                  link, and the event count and last hash the header announces; prints the run,
                  its policy revision and workflow digest
export <runId>    writes the run as JSON lines (a header, then every event with prev and hash)

Options:
${connectionHelp}
  --file <path>        (verify) the export to verify offline; "-" reads stdin
  --all                (verify) every visible run
  --json               print the result as JSON
  -h, --help           show this help

Exit status: 0 intact, 1 verification failed or the file/daemon is unreachable, 2 usage error.`;

/**
 * Runs `aiws audit` with `argv` (the words after `audit`) and resolves with the exit status.
 * @throws UsageError for a bad command line (the dispatcher prints it and exits 2)
 */
export default async function audit(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    allowPositionals: true,
    options: { ...connectionOptions, file: { type: 'string' }, json: { type: 'boolean', default: false }, all: { type: 'boolean', default: false } },
  });
  const [action, ...rest] = positionals;
  if (action === 'export') {
    if (values.file !== undefined || values.all) throw new UsageError('"export" takes one run id and no "--file" or "--all"');
    if (rest.length !== 1) throw new UsageError(rest.length === 0 ? 'missing run id: expected "aiws audit export <runId>"' : `unexpected argument "${rest[1] ?? ''}"`);
    return exportRun(rest[0] as string, values);
  }
  if (action !== 'verify') {
    throw new UsageError(action === undefined ? 'missing action: expected "verify" or "export"' : `unknown action "${action}": expected "verify" or "export"`);
  }
  if (values.file !== undefined) {
    if (rest.length > 0 || values.all) throw new UsageError('"--file" verifies one export: give no run id and no "--all"');
    return verifyFile(values.file, values.json);
  }
  if (values.all === (rest.length > 0)) throw new UsageError('expected exactly one of a run id, "--all" and "--file <run.jsonl>"');
  if (rest.length > 1) throw new UsageError(`unexpected argument "${rest[1] ?? ''}"`);
  const call = await daemonCall('audit', resolveConnection(values), 'audit.verify', values.all ? { all: true } : { runId: rest[0] }, { timeoutMs: 600_000 });
  if (call === undefined) return 1;
  const result = call.result as AuditVerifyResult;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    if (result.ok) process.stdout.write(`ok: ${result.runs} run(s), ${result.events} events, every chain intact\n`);
    for (const failure of result.failures) {
      process.stdout.write(`FAILED ${failure.runId === null ? '(no run)' : `run "${failure.runId}"`} at event ${failure.seq}: ${failure.reason}\n`);
    }
  }
  return result.ok ? 0 : 1;
}

async function exportRun(runId: string, values: { url?: string | undefined; token?: string | undefined }): Promise<number> {
  const call = await daemonCall('audit', resolveConnection(values), 'audit.export', { runId }, { timeoutMs: 600_000 });
  if (call === undefined) return 1;
  process.stdout.write((call.result as AuditExportResult).jsonl);
  return 0;
}

async function verifyFile(file: string, json: boolean): Promise<number> {
  let result: JsonlVerification;
  try {
    result = await verifyJsonl(file === '-' ? process.stdin : createReadStream(file));
  } catch (error) {
    process.stderr.write(`aiws audit: cannot read "${file}": ${(error as Error).message}\n`);
    return 1;
  }
  if (json) {
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
