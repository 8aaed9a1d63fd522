/**
 * The capability contract: what one host-side effect the guest may ask for looks like.
 *
 * A workflow has no ambient authority; everything it does outside its own memory is a call
 * `ctx.call(name, args)` that the daemon serves with a Capability. The broker (broker.ts) composes
 * the pieces in this folder in a fixed order:
 *
 *   registry.get(name) → registry.validateArgs(name, args) → policy decision (gate)
 *     → substituteSecrets(capability, args, secrets) → capability.execute(args, ctx)
 *     → redactor.redact(result | error) → guest
 *
 * Capabilities therefore receive arguments that are already schema-valid and already carry secret
 * values; they never see a `{"$secret": name}` reference, and they never decide policy themselves.
 * What they do decide is the host protections that hold whatever the policy says (no private
 * network egress, no path out of the workspace, size caps).
 */
import type { Logger } from '../log/index.ts';

/** A JSON Schema (draft 2020-12 subset that ajv compiles in strict mode). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** The workflow a run executes, as the capability sees it. */
export interface CapabilityWorkflow {
  /** Store name, or `adhoc` for ad-hoc code. */
  readonly name: string;
  /** Semver of the stored version; null for ad-hoc code. */
  readonly version: string | null;
  /** True when the run executes ad-hoc code rather than a store workflow. */
  readonly adhoc: boolean;
}

/** Everything a capability may know about the call it serves. Built by the broker per call. */
export interface CapabilityContext {
  readonly runId: string;
  /** The guest's per-run call id (1-based), for log correlation. */
  readonly callId: number;
  /** Who started the run; ad-hoc kv data is namespaced by it. */
  readonly principal: { readonly id: string };
  readonly workflow: CapabilityWorkflow;
  /** Absolute path of the per-run workspace directory that fs.* capabilities are confined to. */
  readonly workspaceDir: string;
  /** Aborted when the run is cancelled or times out; capabilities stop work and reject with RUN_CANCELLED. */
  readonly signal: AbortSignal;
  /** Child logger carrying `{ runId, callId, capability }`. */
  readonly logger: Logger;
  /**
   * Re-asks the policy about a follow-up action the capability is about to take on the caller's
   * behalf (e.g. `http.fetch` of a redirect target). Resolves when allowed.
   * `args` must never contain secret values: it reaches events and the policy input as given.
   * @throws POLICY_DENIED when the policy denies the follow-up (or fails closed)
   */
  authorizeFollowUp(name: string, args: unknown): Promise<void>;
}

/**
 * One capability. `Args` is what `argsSchema` accepts; `Result` must be JSON-serialisable.
 *
 * `execute` is declared as a method so a `Capability<HttpFetchArgs, HttpFetchResult>` is assignable
 * to the erased `Capability` the registry holds.
 */
export interface Capability<Args = unknown, Result = unknown> {
  /** Dotted name the guest calls, e.g. `http.fetch`. */
  readonly name: string;
  /** One sentence for docs and `capabilities.list`. */
  readonly description: string;
  /** JSON Schema of the arguments, validated before the policy sees them. */
  readonly argsSchema: JsonSchema;
  /**
   * True when the call changes the world (writes, non-idempotent requests, fresh randomness): the
   * journal must make its result durable before the guest sees it, and replay must not re-execute it.
   */
  readonly sideEffects: boolean;
  /**
   * JSON pointers (RFC 6901; a `*` segment matches any key or index) at which a `{"$secret": name}`
   * reference is replaced by the secret value after the policy allowed the call. References anywhere
   * else are left alone as plain data, so a secret cannot be laundered into, say, a kv value.
   * @default []
   */
  readonly secretPointers?: readonly string[];
  /**
   * Performs the effect. Rejects with a DaemonError carrying a catalogued code.
   * @throws RUN_CANCELLED when `ctx.signal` aborts
   */
  execute(args: Args, ctx: CapabilityContext): Promise<Result>;
}

/** Identity helper that checks a capability literal against the contract with its own arg types. */
export function defineCapability<Args, Result>(capability: Capability<Args, Result>): Capability<Args, Result> {
  return capability;
}
