/**
 * Runs one test case of a workflow in the real sandbox, with every capability call answered from the
 * case's recording after it passed argument validation and the real capability policy.
 *
 * Per call, in order: the name must be declared by the manifest (dynamic check), the args must pass
 * the capability's schema, the policy (`aiws/capability/decision`, as for a verified store run) must
 * allow it (unless the recording says `denied: true`, then it must deny it), and it must be the next
 * recorded call with matching args. Any miss is a problem of the
 * case; the guest then gets an error so the run ends rather than hangs. Nothing touches the network.
 *
 * The run's observable behaviour is collected as an event stream (logs, calls, outcome) so the
 * verifier can run a case twice and demand identical streams.
 */
import type { Sandbox, SandboxOutcome } from '../sandbox/index.ts';
import { DaemonError, isDaemonError, isErrorCode } from '../errors/index.ts';
import type { CapabilityInput } from '../policy/index.ts';
import { diffJson, formatDifferences } from './json-diff.ts';
import type { LoadedWorkflow, WorkflowTestCase } from './workflow-manifest.ts';
import { formatViolations, violationsOf } from './schema-validation.ts';
import type { StorePolicyWorkflow } from './workflow-store.ts';

/** The policy input for one capability call (docs/policy.md), as the verifier builds it. */
export interface CapabilityPolicyInput extends CapabilityInput {
  readonly workflow: StorePolicyWorkflow;
}

/** What the verifier needs from the policy: the capability decision and the revision it came from. */
export interface CapabilityDecider {
  readonly revision: string;
  decide(input: CapabilityPolicyInput): Promise<{ readonly allow: boolean; readonly reasons: readonly string[] }>;
}

/** Validates capability args (the registry's validateArgs). */
export interface CapabilityArgsValidator {
  /** @throws CAPABILITY_UNKNOWN or CAPABILITY_INVALID_ARGS */
  validateArgs(name: string, args: unknown): unknown;
}

/** An observable step of a run, compared across the two runs of a case. */
export type TestRunEvent =
  | { readonly type: 'log'; readonly level: string; readonly message: string; readonly fields?: unknown }
  | { readonly type: 'call'; readonly name: string; readonly args: unknown }
  | { readonly type: 'outcome'; readonly status: string; readonly output?: unknown; readonly code?: string; readonly message?: string };

/** What one run of one case did and what was wrong with it. */
export interface TestRunResult {
  readonly events: readonly TestRunEvent[];
  /** Empty when the case passed. */
  readonly problems: readonly string[];
  /** Names of the capabilities the code called (declared or not). */
  readonly calledCapabilities: readonly string[];
}

export interface TestRunOptions {
  readonly sandbox: Sandbox;
  readonly policy: CapabilityDecider;
  readonly capabilities: CapabilityArgsValidator;
  /** The digest the policy input names. */
  readonly digest: string;
  /** Seed of the guest's Math.random; the verifier uses a different one per repetition. */
  readonly seed: string;
  readonly runId: string;
  /** @default 1 MiB */
  readonly maxOutputBytes?: number;
}

/** Principal id in the policy input of verification runs. */
export const verifierPrincipalId = 'aiws-verify';

/**
 * The error code a failed test run is judged by: the declared workflow code when the guest threw an
 * error whose `code` the manifest declares (the sandbox passes it as `details.workflowCode` of a
 * WORKFLOW_ERROR), else the sandbox's code.
 */
export function failureCode(workflow: LoadedWorkflow, error: { readonly code: string; readonly details?: Readonly<Record<string, unknown>> }): string {
  const thrown = thrownCodeOf(error);
  if (thrown !== undefined && workflow.manifest.errors.some((e) => e.code === thrown)) return thrown;
  return error.code;
}

/** `details.workflowCode` of a WORKFLOW_ERROR, when there is one. */
function thrownCodeOf(error: { readonly code: string; readonly details?: Readonly<Record<string, unknown>> }): string | undefined {
  const thrown = error.details?.workflowCode;
  return error.code === 'WORKFLOW_ERROR' && typeof thrown === 'string' ? thrown : undefined;
}

/** True when `args` satisfy the recording's args (absent: anything). */
function matches(recorded: WorkflowTestCase['calls'][number], args: unknown): boolean {
  return recorded.args === undefined || diffJson(recorded.args, args ?? {}, { subset: recorded.match === 'subset' }).length === 0;
}

/** Runs `testCase` once. Never rejects for workflow faults: they are problems in the result. */
export async function runWorkflowTest(workflow: LoadedWorkflow, testCase: WorkflowTestCase, options: TestRunOptions): Promise<TestRunResult> {
  const events: TestRunEvent[] = [];
  const problems: string[] = [];
  const called: string[] = [];
  const { manifest } = workflow;

  const inputViolations = violationsOf(workflow.validateInput, testCase.input);
  if (inputViolations.length > 0) {
    events.push({ type: 'outcome', status: 'failed', code: 'INPUT_INVALID', message: formatViolations(inputViolations) });
    checkExpectation(workflow, testCase, { status: 'failed', code: 'INPUT_INVALID', message: formatViolations(inputViolations) }, problems);
    return { events, problems, calledCapabilities: called };
  }

  const declared = manifest.capabilities.map((c) => c.name);
  const callCounts: Record<string, number> = {};
  let next = 0;
  let callIndex = 0;

  const onCall = async (call: { callId: number; name: string; args: unknown }): Promise<unknown> => {
    events.push({ type: 'call', name: call.name, args: call.args });
    called.push(call.name);
    // Claim the recording slot before any await: calls in flight together match in call order.
    const slot = next++;
    const recorded = testCase.calls[slot];
    const decisionIndex = callIndex++;
    const label = `call ${call.callId} ${call.name}`;
    if (!declared.includes(call.name)) {
      problems.push(`${label}: capability "${call.name}" is not declared in workflow.yaml`);
    }
    let args: unknown;
    try {
      args = options.capabilities.validateArgs(call.name, call.args);
    } catch (error) {
      problems.push(`${label}: ${(error as Error).message}`);
      throw error;
    }
    const decision = await options.policy.decide({
      principal: { id: verifierPrincipalId, scopes: [] },
      workflow: { name: manifest.name, version: manifest.version, digest: options.digest, verified: true, adhoc: false, declaredCapabilities: declared, tags: manifest.tags },
      run: { id: options.runId, callIndex: decisionIndex, callCounts: { ...callCounts } },
      capability: { name: call.name, args },
      time: { nowNs: Date.now() * 1e6 },
    });
    const expectDenial = recorded?.denied === true && recorded.name === call.name && matches(recorded, call.args);
    if (!decision.allow) {
      if (!expectDenial) {
        problems.push(`${label}: the policy denies it for a verified run: ${decision.reasons.join('; ') || 'no reason given'}`);
      }
      throw new DaemonError('POLICY_DENIED', `Policy denied capability "${call.name}": ${decision.reasons.join('; ')}`, { details: { reasons: decision.reasons } });
    }
    if (expectDenial) {
      problems.push(`${label}: the recording expects the policy to deny it, but the policy allows it`);
      throw new DaemonError('INTERNAL', 'Unexpected capability call during verification');
    }
    callCounts[call.name] = (callCounts[call.name] ?? 0) + 1;
    if (recorded === undefined) {
      problems.push(`${label}: unexpected call (the case records ${testCase.calls.length} call${testCase.calls.length === 1 ? '' : 's'}); args ${JSON.stringify(call.args)}`);
      throw new DaemonError('INTERNAL', 'Unexpected capability call during verification');
    }
    if (recorded.name !== call.name || recorded.denied === true) {
      problems.push(`${label}: expected call ${slot + 1} to be ${recorded.denied === true ? 'a denied ' : ''}"${recorded.name}"`);
      throw new DaemonError('INTERNAL', 'Unexpected capability call during verification');
    }
    if (recorded.args !== undefined) {
      const differences = diffJson(recorded.args, call.args ?? {}, { subset: recorded.match === 'subset' });
      if (differences.length > 0) {
        problems.push(`${label}: args differ from the recording: ${formatDifferences(differences)}`);
        throw new DaemonError('INTERNAL', 'Unexpected capability arguments during verification');
      }
    }
    if (recorded.error !== undefined) {
      const { code, message, details } = recorded.error;
      if (!isErrorCode(code)) {
        problems.push(`${label}: the recorded error code "${code}" is not a daemon error code`);
        throw new DaemonError('INTERNAL', message);
      }
      throw new DaemonError(code, message, details === undefined ? {} : { details });
    }
    return recorded.result ?? null;
  };

  let outcome: SandboxOutcome;
  try {
    outcome = await options.sandbox.run(
      {
        runId: options.runId,
        code: workflow.code,
        filename: workflow.codeFile,
        input: testCase.input,
        limits: { ...manifest.limits, maxOutputBytes: options.maxOutputBytes ?? 1024 * 1024 },
        seed: options.seed,
      },
      {
        onLog: (entry) => events.push({ type: 'log', level: entry.level, message: entry.message, ...(entry.fields === undefined ? {} : { fields: entry.fields }) }),
        onCall,
      },
    );
  } catch (error) {
    problems.push(`the sandbox failed: ${isDaemonError(error) ? `${error.code}: ${error.message}` : String(error)}`);
    return { events, problems, calledCapabilities: called };
  }

  if (next < testCase.calls.length) {
    const missing = testCase.calls.slice(next).map((c) => c.name).join(', ');
    problems.push(`expected ${testCase.calls.length - next} more call${testCase.calls.length - next === 1 ? '' : 's'} that were not made: ${missing}`);
  }
  let settled: Settled;
  if (outcome.status === 'completed') {
    const violations = violationsOf(workflow.validateOutput, outcome.output);
    settled = violations.length === 0 ? { status: 'completed', output: outcome.output } : { status: 'failed', code: 'OUTPUT_INVALID', message: formatViolations(violations) };
  } else if (outcome.status === 'failed') {
    const thrown = thrownCodeOf(outcome.error);
    settled = { status: 'failed', code: failureCode(workflow, outcome.error), message: outcome.error.message, ...(thrown === undefined ? {} : { thrown }) };
  } else {
    settled = { status: 'cancelled' };
  }
  events.push({ type: 'outcome', ...settled });
  checkExpectation(workflow, testCase, settled, problems);
  return { events, problems, calledCapabilities: called };
}

type Settled =
  | { status: 'completed'; output: unknown }
  | { status: 'failed'; code: string; message: string; /** The guest's own error code (details.workflowCode). */ thrown?: string }
  | { status: 'cancelled' };

function checkExpectation(workflow: LoadedWorkflow, testCase: WorkflowTestCase, settled: Settled, problems: string[]): void {
  if (settled.status === 'failed' && settled.code !== 'INPUT_INVALID' && settled.code !== 'OUTPUT_INVALID') {
    const declaredCodes = workflow.manifest.errors.map((e) => e.code);
    const thrown = settled.thrown;
    if (settled.code === 'WORKFLOW_ERROR' && thrown !== undefined && !declaredCodes.includes(thrown)) {
      problems.push(`the workflow failed with "${thrown}", which workflow.yaml does not declare under errors`);
    }
  }
  if (testCase.output !== undefined) {
    if (settled.status !== 'completed') {
      problems.push(`expected output, but the run ${settled.status === 'failed' ? `failed with ${settled.code}: ${settled.message}` : 'was cancelled'}`);
      return;
    }
    const differences = diffJson(testCase.output, settled.output);
    if (differences.length > 0) problems.push(`output differs: ${formatDifferences(differences)}`);
    return;
  }
  const expected = testCase.error;
  if (expected === undefined) return;
  if (settled.status !== 'failed') {
    problems.push(`expected error ${expected.code}, but the run ${settled.status === 'completed' ? `completed with ${JSON.stringify(settled.output).slice(0, 200)}` : 'was cancelled'}`);
    return;
  }
  if (settled.code !== expected.code) problems.push(`expected error ${expected.code}, got ${settled.code}: ${settled.message}`);
  else if (expected.message !== undefined && !settled.message.includes(expected.message)) {
    problems.push(`error message ${JSON.stringify(settled.message)} does not contain ${JSON.stringify(expected.message)}`);
  }
}
