/**
 * WorkflowStore: the index of `workflows/<name>/<version>/` that the daemon serves from.
 *
 * At open, and again (debounced) whenever something under the directory changes, every version
 * directory is loaded and validated, its content digest computed, and its attestation checked:
 * `verified` means a signature by a trusted key over exactly the current digest. A version whose
 * files changed after verification therefore turns unverified on the next index. A directory that
 * fails validation is left out of the index and listed by `problems()`, so one broken workflow never
 * hides the others.
 *
 * State: 'open' ──close()──▶ 'closed'. Reads are synchronous over the last complete index; a re-index
 * swaps it atomically.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { maxSatisfying, rcompare } from 'semver';
import { DaemonError, isDaemonError } from '../errors/index.ts';
import { createSilentLogger, type Logger } from '../log/index.ts';
import type { PolicyWorkflow } from '../policy/index.ts';
import type { WorkflowSummaryInfo, WorkflowsDescribeResult, WorkflowsListParams } from '../protocol/index.ts';
import { checkAttestation, describeAttestationProblem, isAttestationProblem, readAttestation, type Attestation } from './attestation.ts';
import { computeContentDigest } from './content-digest.ts';
import { formatViolations, violationsOf, type SchemaViolation } from './schema-validation.ts';
import type { TrustedKey } from './signing-keys.ts';
import { parseWorkflowRef } from './workflow-ref.ts';
import { loadWorkflow, type ManifestProblem, type WorkflowManifest } from './workflow-manifest.ts';

export interface WorkflowStoreOptions {
  /** The workflows directory (`workflows/<name>/<version>/`). */
  readonly dir: string;
  /** Public keys whose attestations count (config `store.trustedKeys`). @default [] (nothing verified) */
  readonly trustedKeys?: readonly TrustedKey[];
  /** Re-index when files change. @default true */
  readonly watch?: boolean;
  /** Quiet time after the last change before re-indexing. @default 100 */
  readonly debounceMs?: number;
  /** @default a silent logger */
  readonly logger?: Logger;
}

/** One indexed workflow version. */
export interface WorkflowVersion {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly manifest: WorkflowManifest;
  readonly code: string;
  readonly codeFile: string;
  readonly digest: string;
  readonly verified: boolean;
  /** Why it is not verified (absent when verified). */
  readonly unverifiedReason?: string;
  readonly attestation?: Attestation;
  readonly validateInput: ValidateFunction;
  readonly validateOutput: ValidateFunction;
}

/** One workflow in a listing: its highest version matching the filters, and all its versions. */
export type WorkflowSummary = WorkflowSummaryInfo;

/** Filters of a listing (`workflows.list` params): every given one must hold. */
export type WorkflowListQuery = WorkflowsListParams;

/**
 * What `describe` returns: the resolved version's manifest (with schemas) and every version's status;
 * the `workflows.describe` result with the manifest and attestation typed.
 */
export interface WorkflowDescription extends Omit<WorkflowsDescribeResult, 'manifest' | 'attestation'> {
  readonly manifest: WorkflowManifest;
  readonly attestation?: Attestation;
}

/** The workflow part of the policy input (docs/policy.md `workflow`) for a run of a stored version. */
export interface StorePolicyWorkflow extends PolicyWorkflow {
  /** Always the stored version's semver. */
  readonly version: string;
  readonly adhoc: false;
}

/** A store workflow ready to run: see `WorkflowStore#prepareRun`. */
export interface StoreRun {
  readonly version: WorkflowVersion;
  /** The `workflow` object of the policy input (admission and every capability decision). */
  readonly policyWorkflow: StorePolicyWorkflow;
}

/** A directory the index left out, and why. */
export interface StoreProblem {
  readonly dir: string;
  readonly message: string;
  readonly errors?: readonly ManifestProblem[];
}

type StoreState = 'open' | 'closed';

/** The workflow index; create with `WorkflowStore.open`. */
export class WorkflowStore implements AsyncDisposable {
  readonly #options: Required<Omit<WorkflowStoreOptions, 'logger'>>;
  readonly #log: Logger;
  #state: StoreState = 'open';
  #versions = new Map<string, WorkflowVersion[]>();
  #problems: StoreProblem[] = [];
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #indexing: Promise<void> = Promise.resolve();
  #dirty = false;
  #generation = 0;
  readonly #listeners = new Set<() => void>();

  private constructor(options: WorkflowStoreOptions) {
    this.#options = { dir: options.dir, trustedKeys: options.trustedKeys ?? [], watch: options.watch ?? true, debounceMs: options.debounceMs ?? 100 };
    this.#log = (options.logger ?? createSilentLogger()).child({ component: 'store' });
  }

  /**
   * Indexes `options.dir` and starts watching it.
   * @throws STORE_MANIFEST_INVALID never (broken directories are `problems()`); I/O errors on the root propagate
   */
  static async open(options: WorkflowStoreOptions): Promise<WorkflowStore> {
    const store = new WorkflowStore(options);
    await store.refresh();
    if (store.#options.watch) store.#startWatching();
    return store;
  }

  /** Re-indexes now; resolves when the new index is in place. */
  async refresh(): Promise<void> {
    this.#assertOpen();
    const run = this.#indexing.then(() => this.#index());
    this.#indexing = run.catch(() => undefined);
    return run;
  }

  /** Calls `listener` after every completed re-index; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Increments on every completed index (tests and callers can wait for a change). */
  get generation(): number {
    return this.#generation;
  }

  /** Directories left out of the index, with why. */
  problems(): readonly StoreProblem[] {
    return this.#problems;
  }

  /** Workflows matching `query`, sorted by name. */
  list(query: WorkflowListQuery = {}): WorkflowSummary[] {
    this.#assertOpen();
    const words = (query.query ?? '').toLowerCase().split(/\s+/).filter((w) => w !== '');
    const out: WorkflowSummary[] = [];
    for (const [name, versions] of [...this.#versions].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const candidates = versions.filter((v) => query.verified === undefined || v.verified === query.verified);
      const latest = candidates[0];
      if (latest === undefined) continue;
      const { manifest } = latest;
      if (query.tags !== undefined && !query.tags.every((tag) => manifest.tags.includes(tag))) continue;
      const haystack = [manifest.name, manifest.description, ...manifest.tags].join('\n').toLowerCase();
      if (!words.every((word) => haystack.includes(word))) continue;
      out.push({
        name,
        version: latest.version,
        description: manifest.description,
        tags: manifest.tags,
        riskTier: manifest.riskTier,
        verified: latest.verified,
        versions: versions.map((v) => ({ version: v.version, verified: v.verified })),
      });
    }
    return out;
  }

  /**
   * The highest version of `name` satisfying `range` (`name@range`; `name` alone means `*`).
   * @throws WORKFLOW_NOT_FOUND when no indexed version matches
   */
  resolve(ref: string): WorkflowVersion {
    this.#assertOpen();
    const { name, range } = parseWorkflowRef(ref);
    const versions = this.#versions.get(name);
    if (versions === undefined) throw new DaemonError('WORKFLOW_NOT_FOUND', `Cannot resolve workflow "${ref}": no workflow named "${name}"`, { details: { ref, name } });
    const best = maxSatisfying(versions.map((v) => v.version), range);
    const found = best === null ? undefined : versions.find((v) => v.version === best);
    if (found === undefined) {
      throw new DaemonError('WORKFLOW_NOT_FOUND', `Cannot resolve workflow "${ref}": no version satisfies "${range}" (have ${versions.map((v) => v.version).join(', ')})`, {
        details: { ref, name, range, versions: versions.map((v) => v.version) },
      });
    }
    return found;
  }

  /**
   * The resolved version's manifest (schemas included), verification and every version's status.
   * @throws WORKFLOW_NOT_FOUND as `resolve`
   */
  describe(ref: string): WorkflowDescription {
    const found = this.resolve(ref);
    const versions = this.#versions.get(found.name) ?? [];
    return {
      name: found.name,
      version: found.version,
      digest: found.digest,
      verified: found.verified,
      ...(found.unverifiedReason === undefined ? {} : { unverifiedReason: found.unverifiedReason }),
      manifest: found.manifest,
      versions: versions.map((v) => ({ version: v.version, digest: v.digest, verified: v.verified, ...(v.unverifiedReason === undefined ? {} : { unverifiedReason: v.unverifiedReason }) })),
      ...(found.attestation === undefined ? {} : { attestation: found.attestation }),
    };
  }

  /**
   * What `runs.start {workflow, input}` needs: resolves `ref`, validates `input` against the version's
   * input schema, and returns the version (code, limits, digest, verified) with its policy identity.
   * The returned version is a snapshot: a re-index during the run does not change what runs.
   * @throws WORKFLOW_NOT_FOUND as `resolve`
   * @throws INPUT_INVALID with `details.errors` (JSON pointers into the input)
   */
  prepareRun(ref: string, input: unknown): StoreRun {
    const version = this.resolve(ref);
    assertValidInput(version, input);
    return { version, policyWorkflow: policyWorkflowOf(version) };
  }

  /** Closes the watcher and timers. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#listeners.clear();
    await this.#indexing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#state === 'closed') throw new DaemonError('DAEMON_CLOSED', 'Cannot use the workflow store: it is closed');
  }

  #startWatching(): void {
    try {
      this.#watcher = watch(this.#options.dir, { recursive: true }, () => this.#schedule());
      this.#watcher.on('error', (err) => this.#log.warn({ err }, 'store watch failed'));
    } catch (err) {
      this.#log.warn({ err }, 'store watch failed');
    }
  }

  #schedule(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#state === 'closed') return;
      this.refresh().catch((err: unknown) => this.#log.error({ err }, 'store index failed'));
    }, this.#options.debounceMs);
  }

  async #index(): Promise<void> {
    if (this.#state === 'closed') return;
    const started = performance.now();
    const versions = new Map<string, WorkflowVersion[]>();
    const problems: StoreProblem[] = [];
    for (const name of await listDirs(this.#options.dir)) {
      const list: WorkflowVersion[] = [];
      for (const version of await listDirs(join(this.#options.dir, name))) {
        const dir = join(this.#options.dir, name, version);
        try {
          list.push(await this.#indexVersion(dir, name, version));
        } catch (error) {
          if (!isDaemonError(error) || error.code !== 'STORE_MANIFEST_INVALID') throw error;
          problems.push({ dir, message: error.message, errors: (error.details?.errors ?? []) as ManifestProblem[] });
        }
      }
      if (list.length > 0) versions.set(name, list.sort((a, b) => rcompare(a.version, b.version)));
    }
    // close() may have run while this index was reading files.
    if ((this.#state as StoreState) === 'closed') return;
    this.#versions = versions;
    this.#problems = problems;
    this.#generation++;
    const count = [...versions.values()].reduce((n, list) => n + list.length, 0);
    this.#log.info({ versions: count, problems: problems.length, durationMs: Math.round(performance.now() - started) }, 'store indexed');
    for (const problem of problems) this.#log.warn({ dir: problem.dir, errors: problem.errors }, 'store workflow invalid');
    for (const listener of this.#listeners) listener();
  }

  async #indexVersion(dir: string, name: string, version: string): Promise<WorkflowVersion> {
    const loaded = await loadWorkflow(dir);
    const { manifest } = loaded;
    const layout: ManifestProblem[] = [];
    if (manifest.name !== name) layout.push({ file: 'workflow.yaml', pointer: '/name', message: `is "${manifest.name}", but the directory is "${name}"` });
    if (manifest.version !== version) layout.push({ file: 'workflow.yaml', pointer: '/version', message: `is "${manifest.version}", but the directory is "${version}"` });
    if (layout.length > 0) {
      throw new DaemonError('STORE_MANIFEST_INVALID', `Invalid workflow "${dir}": ${layout.map((p) => `${p.file} ${p.pointer} ${p.message}`).join('; ')}`, { details: { dir, errors: layout } });
    }
    const digest = await computeContentDigest(dir);
    const attestation = await readAttestation(dir);
    const problem = isAttestationProblem(attestation) ? attestation : checkAttestation(attestation, { name, version, digest }, this.#options.trustedKeys);
    return {
      name,
      version,
      dir,
      manifest,
      code: loaded.code,
      codeFile: loaded.codeFile,
      digest,
      verified: problem === null,
      ...(problem === null ? {} : { unverifiedReason: describeAttestationProblem(problem) }),
      ...(isAttestationProblem(attestation) ? {} : { attestation }),
      validateInput: loaded.validateInput,
      validateOutput: loaded.validateOutput,
    };
  }
}

/** The workflow part of the policy input (docs/policy.md `workflow`) for a run of `version`. */
export function policyWorkflowOf(version: Pick<WorkflowVersion, 'name' | 'version' | 'digest' | 'verified' | 'manifest'>): StorePolicyWorkflow {
  return {
    name: version.name,
    version: version.version,
    digest: version.digest,
    verified: version.verified,
    adhoc: false,
    declaredCapabilities: version.manifest.capabilities.map((c) => c.name),
    tags: version.manifest.tags,
  };
}

/**
 * Checks a run input against the version's input schema.
 * @throws INPUT_INVALID with `details.errors: SchemaViolation[]` (JSON pointers into the input)
 */
export function assertValidInput(version: Pick<WorkflowVersion, 'name' | 'version' | 'validateInput'>, input: unknown): void {
  const errors = violationsOf(version.validateInput, input);
  if (errors.length > 0) throw schemaError('INPUT_INVALID', `Invalid input for workflow "${version.name}@${version.version}"`, errors);
}

/**
 * Checks a run output against the version's output schema.
 * @throws OUTPUT_INVALID with `details.errors: SchemaViolation[]` (JSON pointers into the output)
 */
export function assertValidOutput(version: Pick<WorkflowVersion, 'name' | 'version' | 'validateOutput'>, output: unknown): void {
  const errors = violationsOf(version.validateOutput, output);
  if (errors.length > 0) throw schemaError('OUTPUT_INVALID', `Invalid output of workflow "${version.name}@${version.version}"`, errors);
}

function schemaError(code: 'INPUT_INVALID' | 'OUTPUT_INVALID', head: string, errors: readonly SchemaViolation[]): DaemonError {
  return new DaemonError(code, `${head}: ${formatViolations(errors.slice(0, 3))}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ''}`, { details: { errors } });
}

/** Sub-directory names, sorted; none when `dir` does not exist. */
async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort(compareNames);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
