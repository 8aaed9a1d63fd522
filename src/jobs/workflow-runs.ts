/**
 * WorkflowRuns: the jobs side of the workflow store. It answers `workflows.list` / `workflows.describe`
 * and turns `runs.start {workflow: "name@range", input}` into what the JobService runs: the exact code
 * of the highest matching version (a snapshot: a re-index during the run changes nothing), the input
 * already checked against the input schema, the workflow identity and `verified` flag for the policy,
 * the manifest's limits, and the output check applied when the run completes.
 *
 * The store itself (indexing, watching, attestations) lives in src/store; this module only adapts it.
 */
import { assertValidOutput, type StoreProblem, type WorkflowDescription, type WorkflowListQuery, type WorkflowStore, type WorkflowSummary } from '../store/index.ts';
import type { PolicyWorkflow } from '../policy/index.ts';
import type { StoreStatusInfo } from '../protocol/index.ts';
import { codeDigest } from '../journal/index.ts';

/** A store workflow ready to run: see `WorkflowRuns#prepare`. */
export interface PreparedWorkflowRun {
  readonly name: string;
  readonly version: string;
  /** Content digest of the version (`sha256:<hex>` over its files, as attested). */
  readonly digest: string;
  readonly verified: boolean;
  /** The exact source that runs. */
  readonly code: string;
  /** `sha256:<hex>` of `code`: its key in the daemon's code store. */
  readonly codeDigest: string;
  /** Shown in guest stack traces, e.g. `bank-transfer@1.0.0/main.js`. */
  readonly filename: string;
  /** The `workflow` object of the policy input (admission and every capability call). */
  readonly policyWorkflow: PolicyWorkflow;
  /** The manifest's limits: a run gets the lower of these and the daemon's (or the client's) limits. */
  readonly limits: { readonly memoryMb: number; readonly cpuMs: number; readonly wallMs: number };
  /**
   * Checks a completed run's output against the version's output schema.
   * @throws OUTPUT_INVALID with `details.errors` (JSON pointers into the output)
   */
  checkOutput(output: unknown): void;
}

/** The store's state in `daemon.status`. */
export type WorkflowStoreStatus = StoreStatusInfo;

export interface WorkflowRunsOptions {
  readonly store: WorkflowStore;
  /** Reported in `status()`. */
  readonly dir: string;
}

/** Serves the store to clients and to the JobService. */
export class WorkflowRuns {
  readonly #store: WorkflowStore;
  readonly #dir: string;

  constructor(options: WorkflowRunsOptions) {
    this.#store = options.store;
    this.#dir = options.dir;
  }

  /** Workflows matching the query (words over name, description and tags; every tag; verified), by name. */
  list(query: WorkflowListQuery = {}): WorkflowSummary[] {
    return this.#store.list(query);
  }

  /**
   * The highest version matching `ref` (`name@range`): manifest with schemas, every version, verification.
   * @throws WORKFLOW_NOT_FOUND
   */
  describe(ref: string): WorkflowDescription {
    return this.#store.describe(ref);
  }

  /**
   * Resolves `ref` to the highest matching version and validates `input` against its input schema.
   * @throws WORKFLOW_NOT_FOUND when no version matches
   * @throws INPUT_INVALID with `details.errors` (JSON pointers into the input)
   */
  prepare(ref: string, input: unknown): PreparedWorkflowRun {
    const { version, policyWorkflow } = this.#store.prepareRun(ref, input);
    return {
      name: version.name,
      version: version.version,
      digest: version.digest,
      verified: version.verified,
      code: version.code,
      codeDigest: codeDigest(version.code),
      filename: `${version.name}@${version.version}/${version.codeFile}`,
      policyWorkflow: { ...policyWorkflow, declaredCapabilities: [...policyWorkflow.declaredCapabilities], tags: [...policyWorkflow.tags] },
      limits: { ...version.manifest.limits },
      checkOutput: (output) => assertValidOutput(version, output),
    };
  }

  /** What `daemon.status` reports under `store`. */
  status(): WorkflowStoreStatus {
    const all = this.#store.list();
    const versions = all.flatMap((w) => w.versions);
    return {
      dir: this.#dir,
      workflows: all.length,
      versions: versions.length,
      verified: versions.filter((v) => v.verified).length,
      generation: this.#store.generation,
      problems: this.#store.problems().map((p: StoreProblem) => ({ dir: p.dir, message: p.message })),
    };
  }
}
