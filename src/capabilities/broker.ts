/**
 * The capability broker: serves one guest call end to end, in the fixed order the contract in
 * capability.ts describes, and reports each step as an event payload through hooks:
 *
 *   capability.requested → registry.get → validateArgs → policy (aiws/capability/decision)
 *     → policy.decision → [deny: POLICY_DENIED] → substituteSecrets → execute (follow-ups re-ask
 *     the policy) → redact → capability.completed | capability.failed
 *
 * Per-run counting: the broker keeps, per RunContext OBJECT, the index of the next decision and the
 * number of calls allowed so far per capability (the policy's `run.callIndex` / `run.callCounts`).
 * Decisions of one run are serialised (building the input, deciding and counting happen as one
 * step), so concurrent calls cannot both spend the last unit of a budget. Execution is not
 * serialised: allowed calls run concurrently.
 *
 * Events never carry secret values: `args` are the guest's (references in place), results and
 * errors pass through the call's SecretRedactor, and large values are capped with their digest (a
 * capped result is first kept whole in the `results` store, so the record still holds what the
 * guest received).
 */
import { randomUUID } from 'node:crypto';
import { DaemonError, isDaemonError } from '../errors/index.ts';
import type { ErrorCode } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { CapabilityCompletedData, CapabilityFailedData, CapabilityRequestedData, PolicyDecisionData } from '../protocol/index.ts';
import { nowNs, policyEntrypoints, type AdmissionInput, type CapabilityInput, type Decision, type PolicyDecider, type PolicyPrincipal, type PolicyWorkflow } from '../policy/index.ts';
import type { CapabilityContext } from './capability.ts';
import { capEventValue, isCappedValue } from './event-payload-cap.ts';
import type { CapabilityRegistry } from './registry.ts';
import type { SecretStore } from './secret-store.ts';
import { substituteSecrets } from './secret-substitution.ts';

/** The run a call belongs to. Pass the SAME object for every call of a run: counting is keyed on it. */
export interface RunContext {
  readonly id: string;
  readonly principal: PolicyPrincipal;
  readonly workflow: PolicyWorkflow;
  /** The run's workspace directory (fs.* are confined to it). */
  readonly workspaceDir: string;
  /** Aborted when the run is cancelled or times out. */
  readonly signal: AbortSignal;
  /** The run's logger; the broker's logger when absent. */
  readonly logger?: Logger;
}

/** One guest call. */
export interface CapabilityCall {
  /** The guest's per-run call id. */
  readonly callId: number;
  readonly name: string;
  readonly args: unknown;
}

/** `capability.requested` event data: as the guest passed the args (secret references, never values). */
export type CapabilityRequestedEvent = CapabilityRequestedData;

/** `policy.decision` event data. */
export type PolicyDecisionEvent = PolicyDecisionData;

/** `capability.completed` event data: the result redacted, and capped with its digest when large. */
export type CapabilityCompletedEvent = CapabilityCompletedData;

/** `capability.failed` event data; the broker only ever reports catalogued codes. */
export interface CapabilityFailedEvent extends CapabilityFailedData {
  readonly error: CapabilityFailedData['error'] & { readonly code: ErrorCode };
}

/** Where the broker reports each step (the jobs layer turns these into run events). */
export interface BrokerHooks {
  onRequested?(event: CapabilityRequestedEvent): void;
  onDecision?(event: PolicyDecisionEvent): void;
  onCompleted?(event: CapabilityCompletedEvent): void;
  onFailed?(event: CapabilityFailedEvent): void;
}

/** Options of `createCapabilityBroker`. */
export interface CapabilityBrokerOptions {
  readonly registry: CapabilityRegistry;
  /** Decides calls; in the daemon, the PolicyEngine. */
  readonly policy: PolicyDecider;
  readonly secrets: SecretStore;
  readonly logger: Logger;
  /** Cap on `args` and `result` in event payloads (JSON text, UTF-8). @default 65536 */
  readonly maxEventValueBytes?: number;
  /**
   * Where a result over the cap is kept whole (the daemon's ResultStore), so a replay can hand the
   * guest the very value it received: `put(json)` must resolve with `sha256:<hex>` of the JSON text
   * once it is durable. It is called before the capped `capability.completed` event is reported, and
   * a failure fails the call (INTERNAL): the guest never sees a result the record cannot reproduce.
   * @default results over the cap are recorded in their capped form only
   */
  readonly results?: { put(json: string): Promise<string> };
}

export interface CapabilityBroker {
  /**
   * Serves one call and resolves with its (redacted) result.
   * @throws CAPABILITY_UNKNOWN, CAPABILITY_INVALID_ARGS, RUN_CANCELLED (the run's signal aborted before
   *   the decision), POLICY_DENIED (message carries the reasons), SECRET_NOT_FOUND, or the
   *   capability's own codes; INTERNAL for an unexpected fault
   */
  invoke(call: CapabilityCall, run: RunContext, hooks?: BrokerHooks): Promise<unknown>;
  /**
   * Asks `aiws/admission/decision` whether the run may start (for runs.start).
   * @throws POLICY_DENIED with the reasons
   */
  admit(run: Pick<RunContext, 'id' | 'principal' | 'workflow'>): Promise<Decision>;
}

interface RunCallState {
  callIndex: number;
  readonly callCounts: Record<string, number>;
  /** Tail of the run's decision queue. */
  queue: Promise<unknown>;
}

/** Creates a broker over a registry, a policy and the secret store. */
export function createCapabilityBroker(options: CapabilityBrokerOptions): CapabilityBroker {
  const { registry, policy, secrets } = options;
  const log = options.logger.child({ component: 'broker' });
  const maxEventValueBytes = options.maxEventValueBytes ?? 64 * 1024;
  const states = new WeakMap<RunContext, RunCallState>();

  const stateOf = (run: RunContext): RunCallState => {
    let state = states.get(run);
    if (state === undefined) {
      state = { callIndex: 0, callCounts: {}, queue: Promise.resolve() };
      states.set(run, state);
    }
    return state;
  };

  /** Builds the input, decides and counts, as one step in the run's queue. Never rejects. */
  const decideCall = (run: RunContext, name: string, args: unknown): Promise<Decision> => {
    const state = stateOf(run);
    const turn = state.queue.then(async () => {
      const input: CapabilityInput = {
        principal: run.principal,
        workflow: run.workflow,
        run: { id: run.id, callIndex: state.callIndex++, callCounts: { ...state.callCounts } },
        capability: { name, args },
        time: { nowNs: nowNs() },
      };
      const decision = await decideSafely(policy, policyEntrypoints.capability, input, run.signal);
      if (decision.allow) state.callCounts[name] = (state.callCounts[name] ?? 0) + 1;
      return decision;
    });
    state.queue = turn;
    return turn;
  };

  const decisionEvent = (callId: number, decision: Decision, followUp?: { name: string; args: unknown }): PolicyDecisionEvent => ({
    callId,
    allow: decision.allow,
    reasons: decision.reasons,
    policyRevision: decision.policyRevision,
    decisionId: decision.decisionId,
    durationUs: decision.durationUs,
    ...(decision.obligations === undefined ? {} : { obligations: decision.obligations }),
    ...(followUp === undefined ? {} : { followUp: { name: followUp.name, args: capEventValue(followUp.args, maxEventValueBytes) } }),
  });

  return {
    async invoke(call, run, hooks = {}) {
      const { callId, name } = call;
      const callLog = (run.logger ?? log).child({ runId: run.id, callId, capability: name });
      hooks.onRequested?.({ callId, name, args: capEventValue(call.args, maxEventValueBytes) });
      try {
        const capability = registry.get(name);
        const args = registry.validateArgs(name, call.args);
        if (run.signal.aborted) throw new DaemonError('RUN_CANCELLED', `Cannot call capability "${name}": the run was cancelled`);
        const decision = await decideCall(run, name, args);
        hooks.onDecision?.(decisionEvent(callId, decision));
        if (!decision.allow) throw deniedError(`Cannot call capability "${name}"`, decision);
        const { args: executeArgs, redactor } = substituteSecrets(capability, args, { secrets });
        const ctx: CapabilityContext = {
          runId: run.id,
          callId,
          principal: { id: run.principal.id },
          workflow: { name: run.workflow.name, version: run.workflow.version, adhoc: run.workflow.adhoc },
          workspaceDir: run.workspaceDir,
          signal: run.signal,
          logger: callLog,
          async authorizeFollowUp(followUpName, followUpArgs) {
            const followUp = await decideCall(run, followUpName, followUpArgs);
            hooks.onDecision?.(decisionEvent(callId, followUp, { name: followUpName, args: followUpArgs }));
            if (!followUp.allow) throw deniedError(`Cannot follow up with capability "${followUpName}"`, followUp);
          },
        };
        let result: unknown;
        try {
          result = redactor.redact(await capability.execute(executeArgs, ctx));
        } catch (error) {
          throw redactor.redactError(error);
        }
        const eventResult = capEventValue(result, maxEventValueBytes);
        if (options.results !== undefined && isCappedValue(eventResult)) await keepWhole(options.results, result, eventResult.$capped.sha256);
        hooks.onCompleted?.({ callId, result: eventResult });
        callLog.debug('capability completed');
        return result;
      } catch (error) {
        const failure = toDaemonError(error, callLog);
        hooks.onFailed?.({ callId, error: failure.details === undefined ? { code: failure.code, message: failure.message } : { code: failure.code, message: failure.message, details: failure.details } });
        callLog.debug({ code: failure.code }, 'capability failed');
        throw failure;
      }
    },

    async admit(run) {
      const input: AdmissionInput = {
        principal: run.principal,
        workflow: run.workflow,
        run: { id: run.id, callIndex: 0, callCounts: {} },
        time: { nowNs: nowNs() },
      };
      const decision = await decideSafely(policy, policyEntrypoints.admission, input, undefined);
      if (!decision.allow) throw deniedError(`Cannot start run "${run.id}"`, decision);
      return decision;
    },
  };
}

/** Stores a capped result whole under the digest its event names. @throws INTERNAL when it cannot */
async function keepWhole(results: { put(json: string): Promise<string> }, result: unknown, digest: string): Promise<void> {
  const stored = await results.put(JSON.stringify(result));
  if (stored !== digest) throw new DaemonError('INTERNAL', `Cannot record result "${digest}": the result store named it "${stored}"`);
}

/** The policy dependency must not be able to turn a failure into an allow: a rejection denies. */
async function decideSafely(policy: PolicyDecider, entrypoint: string, input: unknown, signal: AbortSignal | undefined): Promise<Decision> {
  try {
    return await policy.decide(entrypoint, input, signal === undefined ? {} : { signal });
  } catch (error) {
    return {
      decisionId: randomUUID(),
      allow: false,
      reasons: [`policy error: ${error instanceof Error ? error.message : String(error)}`],
      policyRevision: null,
      durationUs: 0,
      failedClosed: true,
    };
  }
}

function deniedError(prefix: string, decision: Decision): DaemonError<'POLICY_DENIED'> {
  const why = decision.reasons.length === 0 ? 'denied by policy' : `denied by policy: ${decision.reasons.join('; ')}`;
  return new DaemonError('POLICY_DENIED', `${prefix}: ${why}`, {
    details: { reasons: decision.reasons, decisionId: decision.decisionId, policyRevision: decision.policyRevision },
  });
}

/** Catalogued errors pass through; anything else becomes INTERNAL with an errorId the log explains. */
function toDaemonError(error: unknown, log: Logger): DaemonError {
  if (isDaemonError(error)) return error;
  const errorId = randomUUID();
  log.error({ err: error, errorId }, 'capability crashed');
  return new DaemonError('INTERNAL', `Internal error (errorId ${errorId})`, { cause: error, details: { errorId } });
}
