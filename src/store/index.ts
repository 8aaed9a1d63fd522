/**
 * The workflow store: versioned workflows on disk (`workflows/<name>/<version>/`), their manifests
 * and tests, content digests, signed attestations, verification, and the index the daemon serves
 * `workflows.list` / `workflows.describe` / `runs.start {workflow}` from. docs/workflows.md.
 */
export { WorkflowStore, assertValidInput, assertValidOutput, policyWorkflowOf } from './workflow-store.ts';
export type { StoreProblem, StorePolicyWorkflow, StoreRun, WorkflowDescription, WorkflowListQuery, WorkflowStoreOptions, WorkflowSummary, WorkflowVersion } from './workflow-store.ts';
export { parseWorkflowRef, type WorkflowRef } from './workflow-ref.ts';
export { openWorkflowStore, storeConfigSchema, type OpenStoreOptions, type StoreConfig } from './store-config.ts';
export { checkManifest, codeFileName, loadWorkflow, manifestError, manifestFileName, riskTiers, testKinds } from './workflow-manifest.ts';
export type { DeclaredCapability, DeclaredError, LoadedWorkflow, ManifestProblem, RecordedCall, RiskTier, TestKind, WorkflowManifest, WorkflowTestCase } from './workflow-manifest.ts';
export { attestationFileName, computeContentDigest, listWorkflowFiles } from './content-digest.ts';
export {
  assertAttestation,
  checkAttestation,
  describeAttestationProblem,
  isAttestationProblem,
  parseAttestation,
  readAttestation,
  signAttestation,
  writeAttestation,
} from './attestation.ts';
export type { Attestation, AttestationClaims, AttestationProblem } from './attestation.ts';
export { generateSigningKeyPair, keyFileNames, keyIdOf, loadSigningKey, loadTrustedKeys, writeSigningKeyPair, type TrustedKey } from './signing-keys.ts';
export { verifyWorkflow, type CaseReport, type VerifyOptions, type VerifyReport } from './workflow-verifier.ts';
export { failureCode, runWorkflowTest, verifierPrincipalId } from './workflow-test-runner.ts';
export type { CapabilityArgsValidator, CapabilityDecider, CapabilityPolicyInput, TestRunEvent, TestRunOptions, TestRunResult } from './workflow-test-runner.ts';
export { scanWorkflowCode, type StaticScanResult } from './static-scan.ts';
export { canonicalJson } from './canonical-json.ts';
export { scaffoldWorkflow, type ScaffoldOptions } from './workflow-scaffold.ts';
