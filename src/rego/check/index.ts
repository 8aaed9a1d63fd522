/**
 * Static checks of parsed Rego before planning: unsafe variables, unknown functions and arity, rule
 * conflicts, recursion. Pure; reports diagnostics, never throws.
 */
export { checkModules, checkQuery } from './check-modules.ts';
export type { CheckOptions } from './check-modules.ts';
export { buildRuleIndex, groundSegments, rulePathSegments } from './rule-index.ts';
export type { RuleGroup, RuleIndex } from './rule-index.ts';
