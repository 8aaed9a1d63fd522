/**
 * Decisions: what a policy evaluation yields once checked, and the fail-closed shape every problem
 * turns into. A decision object from Rego must be `{ allow: boolean, reasons: string[] }`; any other
 * keys are obligations, kept and recorded.
 */

/** The outcome of one policy evaluation (or of a failure to evaluate, which denies). */
export interface Decision {
  /** Unique id, for correlating events, logs and audits. */
  readonly decisionId: string;
  readonly allow: boolean;
  /** Why: the policy's reasons, or `policy error: ...` when the engine failed closed. */
  readonly reasons: readonly string[];
  /** Content digest of the policy revision that decided; null when no policy was loaded. */
  readonly policyRevision: string | null;
  /** Evaluation time, including input encoding and result decoding. */
  readonly durationUs: number;
  /** Keys of the decision object other than `allow` and `reasons`. */
  readonly obligations?: Readonly<Record<string, unknown>>;
  /** True when the engine failed closed rather than the policy deciding. */
  readonly failedClosed?: boolean;
}

/** A checked decision object, before the engine adds ids and timing. */
export type DecisionBody =
  | { readonly type: 'decided'; readonly allow: boolean; readonly reasons: readonly string[]; readonly obligations?: Readonly<Record<string, unknown>> }
  | { readonly type: 'malformed'; readonly problem: string };

/** Checks the value of a decision entrypoint. */
export function checkDecisionValue(value: unknown): DecisionBody {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { type: 'malformed', problem: `expected an object with "allow" and "reasons", got ${describe(value)}` };
  }
  const { allow, reasons, ...rest } = value as Record<string, unknown>;
  if (typeof allow !== 'boolean') return { type: 'malformed', problem: `"allow" must be a boolean, got ${describe(allow)}` };
  if (!Array.isArray(reasons) || !reasons.every((r) => typeof r === 'string')) {
    return { type: 'malformed', problem: `"reasons" must be an array of strings, got ${describe(reasons)}` };
  }
  return { type: 'decided', allow, reasons, ...(Object.keys(rest).length > 0 ? { obligations: rest } : {}) };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
