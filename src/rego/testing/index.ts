/**
 * Rego unit tests (`test_` rules) run like `opa test`: discovery, one compile, per-test outcome.
 */
export { discoverRegoTests, runRegoTests } from './run-rego-tests.ts';
export type { RegoTestReport, RegoTestResult, RunRegoTestsOptions } from './run-rego-tests.ts';
