/**
 * The policy input document: what a Rego policy sees about a capability call (`aiws/capability/decision`)
 * or a run about to start (`aiws/admission/decision`). docs/policy.md documents every field and
 * docs/policy-input.schema.json is its JSON Schema; the two and these types change together.
 */

/** The two decisions aiws asks for, as compiler entrypoints (`a/b/c` is `data.a.b.c`). */
export const policyEntrypoints = {
  capability: 'aiws/capability/decision',
  admission: 'aiws/admission/decision',
} as const;

/** One of `policyEntrypoints`, or any other rule path a caller compiled in. */
export type PolicyEntrypoint = (typeof policyEntrypoints)[keyof typeof policyEntrypoints];

/** Who asked: the authenticated principal of the connection that started the run. */
export interface PolicyPrincipal {
  readonly id: string;
  readonly scopes: readonly string[];
}

/** What runs: a store workflow version or ad-hoc code. */
export interface PolicyWorkflow {
  /** Store name, or `adhoc` for ad-hoc code. */
  readonly name: string;
  /** Semver of the stored version; null for ad-hoc code. */
  readonly version: string | null;
  /** `sha256:<hex>` of the code that runs. */
  readonly digest: string;
  /** True when the store verified the version's digest/signature; false for ad-hoc code. */
  readonly verified: boolean;
  /** True for code sent with runs.start rather than taken from the store. */
  readonly adhoc: boolean;
  /** Capability names the manifest (or runs.start `capabilities`) declares. */
  readonly declaredCapabilities: readonly string[];
  /** Free-form labels from the manifest. */
  readonly tags: readonly string[];
}

/** The run, as far as policy counting goes. */
export interface PolicyRun {
  readonly id: string;
  /** 0-based index of this decision among the run's capability decisions (denied ones included). */
  readonly callIndex: number;
  /** Calls already ALLOWED in this run, per capability name (redirect follow-ups included). */
  readonly callCounts: Readonly<Record<string, number>>;
}

/** The capability call being decided: args exactly as the guest passed them (secret references, never values). */
export interface PolicyCapability {
  readonly name: string;
  readonly args: unknown;
}

/** Input of `aiws/admission/decision` (runs.start). */
export interface AdmissionInput {
  readonly principal: PolicyPrincipal;
  readonly workflow: PolicyWorkflow;
  readonly run: PolicyRun;
  readonly time: { readonly nowNs: number };
}

/** Input of `aiws/capability/decision` (every capability call, and every follow-up such as a redirect). */
export interface CapabilityInput extends AdmissionInput {
  readonly capability: PolicyCapability;
}

/** Any policy input. */
export type PolicyInput = AdmissionInput | CapabilityInput;

/**
 * Wall-clock time in nanoseconds since the epoch, as a JSON-safe number (microsecond precision:
 * a double cannot hold nanoseconds exactly, and `time.now_ns()` in OPA is the same magnitude).
 */
export function nowNs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) * 1000;
}

/** Builds the admission input for a run about to start (no calls yet). */
export function buildAdmissionInput(principal: PolicyPrincipal, workflow: PolicyWorkflow, runId: string, options: { readonly nowNs?: number } = {}): AdmissionInput {
  return {
    principal: { id: principal.id, scopes: [...principal.scopes] },
    workflow: { ...workflow, declaredCapabilities: [...workflow.declaredCapabilities], tags: [...workflow.tags] },
    run: { id: runId, callIndex: 0, callCounts: {} },
    time: { nowNs: options.nowNs ?? nowNs() },
  };
}
