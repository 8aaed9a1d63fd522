/**
 * Test support: policy inputs in the documented shape (docs/policy.md), starting from a valid call
 * of a verified store workflow, overridable field by field.
 */
import type { AdmissionInput, CapabilityInput, PolicyWorkflow } from '../../../../src/policy/index.ts';

export const storeWorkflow: PolicyWorkflow = {
  name: 'billing-report',
  version: '1.2.0',
  digest: 'sha256:0f0f',
  verified: true,
  adhoc: false,
  declaredCapabilities: ['http.fetch', 'kv.get', 'kv.put', 'fs.read', 'fs.write'],
  tags: ['finance'],
};

export const adhocWorkflow: PolicyWorkflow = { ...storeWorkflow, name: 'adhoc', version: null, verified: false, adhoc: true };

export interface CallInputOptions {
  readonly workflow?: PolicyWorkflow;
  readonly scopes?: readonly string[];
  readonly callCounts?: Record<string, number>;
}

/** A capability input for `name(args)`. */
export function callInput(name: string, args: unknown, options: CallInputOptions = {}): CapabilityInput {
  return {
    principal: { id: 'alice', scopes: options.scopes ?? ['runs:start'] },
    workflow: options.workflow ?? storeWorkflow,
    run: { id: 'run-1', callIndex: 0, callCounts: options.callCounts ?? {} },
    capability: { name, args },
    time: { nowNs: 1_700_000_000_000_000_000 },
  };
}

/** An admission input. */
export function admissionInput(workflow: PolicyWorkflow, scopes: readonly string[]): AdmissionInput {
  return { principal: { id: 'alice', scopes }, workflow, run: { id: 'run-1', callIndex: 0, callCounts: {} }, time: { nowNs: 1_700_000_000_000_000_000 } };
}
