/**
 * `aiws workflow verify` as a library: validates a workflow version, runs every test case twice in the
 * real sandbox through the real policy, checks capability use statically and dynamically, and, when
 * everything passed, signs an attestation over the content digest.
 *
 * The two runs of a case use different Math.random seeds and must produce identical event streams
 * (logs, calls with args, outcome): a workflow whose behaviour depends on anything but its input and
 * the recorded call results is not verifiable. (The journal issue extends this check to replay.)
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import type { Sandbox } from '../sandbox/index.ts';
import { isDaemonError } from '../errors/index.ts';
import { checkAttestation, describeAttestationProblem, isAttestationProblem, readAttestation, signAttestation, type Attestation } from './attestation.ts';
import { computeContentDigest } from './content-digest.ts';
import { scanWorkflowCode } from './static-scan.ts';
import type { TrustedKey } from './signing-keys.ts';
import { loadWorkflow, testKinds, type LoadedWorkflow, type ManifestProblem, type TestKind } from './workflow-manifest.ts';
import { runWorkflowTest, type CapabilityArgsValidator, type CapabilityDecider, type TestRunEvent } from './workflow-test-runner.ts';

export interface VerifyOptions {
  readonly sandbox: Sandbox;
  readonly policy: CapabilityDecider;
  readonly capabilities: CapabilityArgsValidator;
  /** Signs the attestation when everything passed; without it nothing is signed. */
  readonly signingKey?: KeyObject;
  /** Runs per case that must agree. @default 2 */
  readonly repetitions?: number;
  /** Clock for the attestation time. @default () => new Date() */
  readonly now?: () => Date;
  /**
   * Check mode: instead of signing, require the existing attestation.json to verify against these
   * keys for the current digest (what CI runs: it never rewrites the tree).
   */
  readonly checkAgainst?: readonly TrustedKey[];
}

/** The result of one case (over all its repetitions). */
export interface CaseReport {
  readonly file: string;
  readonly name: string;
  readonly kind: TestKind;
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/** What verification found. `ok` only when there is no problem anywhere. */
export interface VerifyReport {
  readonly dir: string;
  readonly name?: string;
  readonly version?: string;
  readonly digest?: string;
  readonly policyRevision: string;
  readonly ok: boolean;
  /** Manifest and test-file problems (file + key). */
  readonly manifestProblems: readonly ManifestProblem[];
  /** Problems not tied to one case: static scan, missing kinds, attestation in check mode. */
  readonly problems: readonly string[];
  readonly cases: readonly CaseReport[];
  /** The signed attestation (not yet written), when a key was given and everything passed. */
  readonly attestation?: Attestation;
}

/** Verifies the version directory `dir`. Never rejects for workflow faults: they are in the report. */
export async function verifyWorkflow(dir: string, options: VerifyOptions): Promise<VerifyReport> {
  const policyRevision = options.policy.revision;
  let workflow: LoadedWorkflow;
  try {
    workflow = await loadWorkflow(dir);
  } catch (error) {
    if (isDaemonError(error) && error.code === 'STORE_MANIFEST_INVALID') {
      const manifestProblems = (error.details?.errors ?? []) as ManifestProblem[];
      return { dir, policyRevision, ok: false, manifestProblems, problems: [], cases: [] };
    }
    throw error;
  }
  const { manifest } = workflow;
  const digest = await computeContentDigest(dir);
  const problems: string[] = [];

  const declared = new Set(manifest.capabilities.map((c) => c.name));
  const scan = scanWorkflowCode(workflow.code);
  for (const name of scan.capabilities) {
    if (!declared.has(name)) problems.push(`${workflow.codeFile} calls capability "${name}", which workflow.yaml does not declare (static scan)`);
  }
  for (const use of scan.nondeterminism) {
    problems.push(`${workflow.codeFile}:${use.line} uses ${use.api}, which makes runs non-deterministic: use the clock.now or random.bytes capability`);
  }
  for (const kind of testKinds) {
    if (!workflow.tests.some((t) => t.kind === kind)) problems.push(`no ${kind} test case: every workflow needs functional, boundary and adversarial cases`);
  }

  const repetitions = options.repetitions ?? 2;
  const cases: CaseReport[] = [];
  for (const [index, testCase] of workflow.tests.entries()) {
    const runId = `verify-${manifest.name}-${index + 1}`;
    const caseProblems: string[] = [];
    let first: readonly TestRunEvent[] | undefined;
    for (let repetition = 0; repetition < repetitions; repetition++) {
      const result = await runWorkflowTest(workflow, testCase, {
        sandbox: options.sandbox,
        policy: options.policy,
        capabilities: options.capabilities,
        digest,
        runId,
        seed: randomBytes(8).toString('hex'),
      });
      for (const problem of result.problems) if (!caseProblems.includes(problem)) caseProblems.push(problem);
      if (first === undefined) first = result.events;
      else {
        const divergence = firstDivergence(first, result.events);
        if (divergence !== null) caseProblems.push(`non-deterministic: run ${repetition + 1} differs from run 1 at event ${divergence}`);
      }
    }
    cases.push({ file: testCase.file, name: testCase.name, kind: testCase.kind, ok: caseProblems.length === 0, problems: caseProblems });
  }

  if (options.checkAgainst !== undefined) {
    const attestation = await readAttestation(dir);
    const problem = isAttestationProblem(attestation) ? attestation : checkAttestation(attestation, { name: manifest.name, version: manifest.version, digest }, options.checkAgainst);
    if (problem !== null) problems.push(describeAttestationProblem(problem));
  }

  const ok = problems.length === 0 && cases.every((c) => c.ok);
  const base = { dir, name: manifest.name, version: manifest.version, digest, policyRevision, ok, manifestProblems: [], problems, cases };
  if (!ok || options.signingKey === undefined || options.checkAgainst !== undefined) return base;
  const attestation = signAttestation(
    {
      name: manifest.name,
      version: manifest.version,
      digest,
      policyRevision,
      tests: { passed: cases.length, total: cases.length },
      time: (options.now?.() ?? new Date()).toISOString(),
    },
    options.signingKey,
  );
  return { ...base, attestation };
}

/** `null` when equal, else a description of the first differing event (1-based). */
function firstDivergence(a: readonly TestRunEvent[], b: readonly TestRunEvent[]): string | null {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const left = JSON.stringify(a[i] ?? null);
    const right = JSON.stringify(b[i] ?? null);
    if (left !== right) return `${i + 1}: ${clip(left)} vs ${clip(right)}`;
  }
  return null;
}

function clip(text: string): string {
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
