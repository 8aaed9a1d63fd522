/**
 * Policy recheck for replay (`runs.replay {recheckPolicy: true}`, `aiws replay --recheck-policy`):
 * every recorded `policy.decision` is evaluated again against the policy in force NOW, with the input
 * the broker built then (principal and workflow from `run.accepted`, the call or follow-up from the
 * record, the run's call index and allowed-call counts rebuilt from the recorded decisions, the time of
 * the recorded decision), and the decisions that would differ are reported. Nothing is executed.
 */
import { DaemonError } from '../errors/index.ts';
import { policyEntrypoints, type CapabilityInput, type PolicyDecider, type PolicyPrincipal, type PolicyWorkflow } from '../policy/index.ts';
import type { PolicyDifferenceInfo, PolicyRecheckInfo, RunEvent } from '../protocol/index.ts';

/** One recorded decision that the current policy decides differently. */
export type PolicyDifference = PolicyDifferenceInfo;

/** The outcome of a recheck: `policy` of the `runs.replay` result. */
export type PolicyRecheck = PolicyRecheckInfo;

/**
 * Re-decides every recorded capability decision of a run against `policy`.
 * @throws REPLAY_UNAVAILABLE when the run's record has no policy input (recorded before the recheck existed)
 */
export async function recheckPolicy(events: readonly RunEvent[], policy: PolicyDecider & { status(): { readonly revision: string | null } }): Promise<PolicyRecheck> {
  const accepted = events.find((e) => e.type === 'run.accepted');
  const runId = events[0]?.runId ?? '';
  const recorded = accepted?.data.policyInput as { principal?: PolicyPrincipal; workflow?: PolicyWorkflow } | undefined;
  if (recorded?.principal === undefined || recorded.workflow === undefined) {
    throw new DaemonError('REPLAY_UNAVAILABLE', `Cannot recheck the policy of run "${runId}": its record has no policy input`, { details: { runId } });
  }
  const calls = new Map<number, { name: string; args: unknown }>();
  const callCounts: Record<string, number> = {};
  const differences: PolicyDifference[] = [];
  let callIndex = 0;
  let revision = policy.status().revision;
  for (const event of events) {
    if (event.type === 'capability.requested') calls.set(event.data.callId, { name: event.data.name, args: event.data.args });
    if (event.type !== 'policy.decision') continue;
    const call = event.data.followUp ?? calls.get(event.data.callId);
    if (call === undefined) continue;
    const input: CapabilityInput = {
      principal: recorded.principal,
      workflow: recorded.workflow,
      run: { id: event.runId, callIndex: callIndex++, callCounts: { ...callCounts } },
      capability: { name: call.name, args: call.args },
      time: { nowNs: Date.parse(event.ts) * 1_000_000 },
    };
    // Counting follows the RECORDED decisions: the run's later calls happened under those.
    if (event.data.allow) callCounts[call.name] = (callCounts[call.name] ?? 0) + 1;
    const decision = await policy.decide(policyEntrypoints.capability, input);
    revision = decision.policyRevision;
    if (decision.allow !== event.data.allow || !sameReasons(decision.reasons, event.data.reasons)) {
      differences.push({
        seq: event.seq,
        callId: event.data.callId,
        name: call.name,
        recorded: { allow: event.data.allow, reasons: event.data.reasons, policyRevision: event.data.policyRevision },
        current: { allow: decision.allow, reasons: decision.reasons, policyRevision: decision.policyRevision },
      });
    }
  }
  return { policyRevision: revision, checked: callIndex, differences };
}

function sameReasons(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((reason, i) => reason === b[i]);
}
