/**
 * `aiws replay <runId>`: asks the daemon to replay a recorded run (`runs.replay`) and prints whether
 * the replay was identical or where it diverged.
 *
 * Exit status: 0 identical, 1 diverged (or the daemon refused / could not be reached), 2 usage error.
 */
import type { RunsReplayResult } from '../../protocol/index.ts';
import { connectionHelp, connectionOptions, resolveConnection } from '../connection-flags.ts';
import { daemonCall } from '../daemon-call.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

/** Shown by `aiws replay --help` and `aiws help replay`. */
export const help = `Usage: aiws replay <runId> [options]

Re-executes a finished run from the daemon's journal: the same code (by digest), input, seed and
virtual clock, every capability call answered from the record (nothing is executed, no policy is
asked), timers firing without waiting. Compares the capability calls, logs and outcome with the
record and prints "identical", or the first event (seq) where the replay diverged with both sides.

With --recheck-policy it also re-decides every recorded capability call against the policy in force
now (same principal, workflow, arguments, call counts and decision time) and lists the decisions that
would differ.

Options:
${connectionHelp}
  --recheck-policy     re-evaluate every recorded call against the current policy
  --json               print the runs.replay result as JSON
  -h, --help           show this help

Exit status: 0 identical (and, with --recheck-policy, no decision differs), 1 diverged, a decision
differs or the replay could not be done, 2 usage error.`;

/** Replays can run as long as the run's CPU limit; give the daemon time. */
const replayTimeoutMs = 120_000;

/**
 * Runs `aiws replay` with `argv` (the words after `replay`) and resolves with the exit status.
 * @throws UsageError for a bad command line (the dispatcher prints it and exits 2)
 */
export default async function replay(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    allowPositionals: true,
    options: { ...connectionOptions, json: { type: 'boolean', default: false }, 'recheck-policy': { type: 'boolean', default: false } },
  });
  const [runId, ...rest] = positionals;
  if (runId === undefined) throw new UsageError('missing run id: expected "aiws replay <runId>"');
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0] ?? ''}"`);
  const recheckPolicy = values['recheck-policy'];
  const call = await daemonCall('replay', resolveConnection(values), 'runs.replay', { runId, recheckPolicy }, { timeoutMs: replayTimeoutMs });
  if (call === undefined) return 1;
  const report = call.result as RunsReplayResult;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (report.result === 'identical') {
    const original = report.originalWallMs === null ? '' : `, original run ${report.originalWallMs} ms`;
    const partial = report.complete ? '' : ' (the record ends early: compared as far as it goes)';
    process.stdout.write(`identical: run "${report.runId}", ${report.calls} capability calls and ${report.logs} logs compared${partial}; replay ${report.replayWallMs} ms${original}\n`);
  } else {
    process.stdout.write(
      `DIVERGED at event ${report.seq} (${report.stream}) of run "${report.runId}"\n` +
        `  expected: ${JSON.stringify(report.expected)}\n  actual:   ${JSON.stringify(report.actual)}\n`,
    );
  }
  const policy = report.policy;
  if (policy !== undefined && !values.json) {
    process.stdout.write(`policy recheck against revision ${policy.policyRevision ?? '(none loaded)'}: ${policy.checked} decisions, ${policy.differences.length} would differ\n`);
    for (const d of policy.differences) {
      const side = (x: { allow: boolean; reasons: readonly string[] }): string => `${x.allow ? 'allow' : 'deny'}${x.reasons.length === 0 ? '' : ` (${x.reasons.join('; ')})`}`;
      process.stdout.write(`  event ${d.seq}, call ${d.callId} "${d.name}": recorded ${side(d.recorded)}, now ${side(d.current)}\n`);
    }
  }
  return report.result === 'identical' && (policy?.differences.length ?? 0) === 0 ? 0 : 1;
}
