/**
 * Policy, daemon side: the input document, the engine (load, compile, evaluate, hot reload, bundles)
 * and the decision shape. The Rego compiler itself is the pure library in src/rego.
 */
export { PolicyEngine, resolvePolicyEngineOptions } from './policy-engine.ts';
export type { DecideOptions, PolicyDecider, PolicyEngineOptions, PolicyStatus, ResolvedPolicyEngine } from './policy-engine.ts';
export { checkDecisionValue } from './decision.ts';
export type { Decision, DecisionBody } from './decision.ts';
export { buildAdmissionInput, nowNs, policyEntrypoints } from './policy-input.ts';
export type { AdmissionInput, CapabilityInput, PolicyCapability, PolicyEntrypoint, PolicyInput, PolicyPrincipal, PolicyRun, PolicyWorkflow } from './policy-input.ts';
export { BUNDLE_FILE, digest, readPolicySources } from './policy-sources.ts';
export type { PolicyProblem, PolicySources } from './policy-sources.ts';
export { readPolicyBundle } from './policy-bundle.ts';
export type { PolicyBundle } from './policy-bundle.ts';
