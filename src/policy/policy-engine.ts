/**
 * PolicyEngine: the daemon side of Rego. Loads `policies/` (Rego + data, or a precompiled bundle),
 * compiles it with aiws's compiler, evaluates decisions through the unmodified opa-wasm SDK, and
 * hot-reloads on change. Every failure to decide denies (fail closed).
 *
 * Evaluation runs in-process and synchronously: one SDK instance per revision is enough (the SDK
 * resets the WASM heap to just after the data before each evaluation, and nothing else can run on
 * the event loop during one), and a decision can never straddle a reload, so it finishes on the
 * revision it started with. The price is that a pathological policy blocks the event loop while it
 * runs; `evalTimeoutMs` is therefore a budget checked after the evaluation (an over-budget decision
 * is discarded and denies), not a pre-emption. docs/policy.md explains the trade-off and the numbers.
 *
 * State:
 *
 *   open ──close()──▶ closed      (decide/reload then throw DAEMON_CLOSED)
 *
 * Within `open` the loaded revision changes only by an atomic swap at the end of a successful
 * reload; a failed reload keeps the previous revision and records `lastError`.
 */
import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { DaemonError } from '../errors/index.ts';
import { createSilentLogger, type Logger } from '../log/index.ts';
import type { PolicyStatusInfo } from '../protocol/index.ts';
import { compile, formatDiagnostic, hasErrors, loadCompiledPolicy, type Diagnostic } from '../rego/index.ts';
import { checkDecisionValue, type Decision } from './decision.ts';
import { readPolicyBundle } from './policy-bundle.ts';
import { policyEntrypoints } from './policy-input.ts';
import { readPolicySources, type PolicyProblem, type PolicySources } from './policy-sources.ts';

/** Options of `PolicyEngine.create`. */
export interface PolicyEngineOptions {
  /** The policies directory (Rego + data, or a `bundle.tar.gz`). */
  readonly dir: string;
  /** @default a silent logger */
  readonly logger?: Logger;
  /** Watch `dir` and reload on change. @default true */
  readonly watch?: boolean;
  /** Quiet period after the last change before reloading. @default 100 */
  readonly debounceMs?: number;
  /** Evaluation budget: a decision that took longer is discarded and denies. @default 250 */
  readonly evalTimeoutMs?: number;
  /** Rule paths compiled as entrypoints from Rego sources. @default the capability and admission decisions */
  readonly entrypoints?: readonly string[];
}

/** Options with every default applied. */
export interface ResolvedPolicyEngine {
  readonly dir: string;
  readonly watch: boolean;
  readonly debounceMs: number;
  readonly evalTimeoutMs: number;
  readonly entrypoints: readonly string[];
}

/** What daemon.status shows about policy. */
export type PolicyStatus = PolicyStatusInfo;

/** Options of one decision. */
export interface DecideOptions {
  /** An aborted signal denies without evaluating. */
  readonly signal?: AbortSignal;
}

/** The dependency the capability broker and the run admission need: one method. */
export interface PolicyDecider {
  /** Evaluates `entrypoint` on `input`. Never rejects for policy problems: they deny. */
  decide(entrypoint: string, input: unknown, options?: DecideOptions): Promise<Decision>;
}

interface LoadedRevision {
  readonly revision: string;
  readonly loadedAt: string;
  readonly source: 'rego' | 'bundle';
  readonly policy: LoadedPolicy;
  readonly entrypoints: Readonly<Record<string, number>>;
}

type LoadOutcome = { readonly type: 'loaded'; readonly loaded: LoadedRevision; readonly warnings: readonly PolicyProblem[] } | { readonly type: 'failed'; readonly problems: readonly PolicyProblem[] };

/** Applies the defaults. */
export function resolvePolicyEngineOptions(options: PolicyEngineOptions): ResolvedPolicyEngine {
  return {
    dir: options.dir,
    watch: options.watch ?? true,
    debounceMs: options.debounceMs ?? 100,
    evalTimeoutMs: options.evalTimeoutMs ?? 250,
    entrypoints: options.entrypoints ?? [policyEntrypoints.capability, policyEntrypoints.admission],
  };
}

export class PolicyEngine implements PolicyDecider, AsyncDisposable {
  readonly options: ResolvedPolicyEngine;
  readonly #log: Logger;
  #current: LoadedRevision | undefined;
  #lastError: PolicyStatus['lastError'];
  #state: 'open' | 'closed' = 'open';
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  /** Reloads run one at a time, in order. */
  #reloading: Promise<unknown> = Promise.resolve();

  private constructor(options: ResolvedPolicyEngine, logger: Logger) {
    this.options = options;
    this.#log = logger;
  }

  /**
   * Loads the directory and (unless `watch: false`) starts watching it. Never throws for policy
   * problems: the engine then starts with no revision, denies everything, and reports the problems
   * in `status().lastError` (and a `policy.reload_failed` log line) until a good edit loads.
   */
  static async create(options: PolicyEngineOptions): Promise<PolicyEngine> {
    const engine = new PolicyEngine(resolvePolicyEngineOptions(options), (options.logger ?? createSilentLogger()).child({ component: 'policy' }));
    // Watch first: an edit made while the first load compiles still triggers a reload.
    if (engine.options.watch) engine.#startWatching();
    await engine.reload();
    return engine;
  }

  /** The revision in force and the last failure. */
  status(): PolicyStatus {
    const current = this.#current;
    return {
      revision: current?.revision ?? null,
      loadedAt: current?.loadedAt ?? null,
      source: current?.source ?? null,
      entrypoints: current === undefined ? [] : Object.keys(current.entrypoints).sort(),
      watching: this.#watcher !== undefined,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  /**
   * Re-reads the directory now and swaps in the new revision when it compiles; otherwise keeps the
   * revision in force. A directory whose content digest did not change is not recompiled.
   * @throws DAEMON_CLOSED after close()
   */
  reload(): Promise<PolicyStatus> {
    try {
      this.#assertOpen();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const next = this.#reloading.then(() => this.#reloadNow());
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  /**
   * Evaluates a decision entrypoint. Fails closed: no policy, an unknown or undefined entrypoint, an
   * evaluation error (conflict, abort), an over-budget evaluation or a malformed decision object all
   * deny with a `policy error: ...` reason.
   * @throws DAEMON_CLOSED after close()
   */
  async decide(entrypoint: string, input: unknown, options: DecideOptions = {}): Promise<Decision> {
    this.#assertOpen();
    const started = performance.now();
    const current = this.#current;
    const decisionId = randomUUID();
    const finish = (body: Omit<Decision, 'decisionId' | 'policyRevision' | 'durationUs'>): Decision => {
      const decision: Decision = { decisionId, policyRevision: current?.revision ?? null, durationUs: Math.round((performance.now() - started) * 1000), ...body };
      if (decision.failedClosed === true) this.#log.warn({ decisionId, entrypoint, policyRevision: decision.policyRevision, reasons: decision.reasons }, 'policy failed closed');
      else this.#log.debug({ decisionId, entrypoint, allow: decision.allow, policyRevision: decision.policyRevision, durationUs: decision.durationUs }, 'policy decided');
      return decision;
    };
    const failClosed = (reason: string): Decision => finish({ allow: false, reasons: [`policy error: ${reason}`], failedClosed: true });

    if (options.signal?.aborted === true) return failClosed(`the decision on "${entrypoint}" was cancelled`);
    if (current === undefined) return failClosed(this.#lastError === undefined ? 'no policy is loaded' : 'no policy is loaded: the policies did not compile (see daemon.status)');
    const id = current.entrypoints[entrypoint];
    if (id === undefined) return failClosed(`the policy has no entrypoint "${entrypoint}"`);
    let rows: unknown;
    try {
      rows = current.policy.evaluate(input, id);
    } catch (error) {
      return failClosed(`evaluation of "${entrypoint}" failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const elapsedMs = performance.now() - started;
    if (elapsedMs > this.options.evalTimeoutMs) {
      return failClosed(`evaluation of "${entrypoint}" took ${Math.round(elapsedMs)} ms, over the ${this.options.evalTimeoutMs} ms limit`);
    }
    const first = Array.isArray(rows) ? (rows[0] as { result?: unknown } | undefined) : undefined;
    if (first === undefined || first.result === undefined) return failClosed(`"${entrypoint}" is undefined for this input (no rule produced a decision)`);
    const body = checkDecisionValue(first.result);
    if (body.type === 'malformed') return failClosed(`malformed decision from "${entrypoint}": ${body.problem}`);
    return finish({ allow: body.allow, reasons: body.reasons, ...(body.obligations === undefined ? {} : { obligations: body.obligations }) });
  }

  /** Stops watching and waits for a reload in progress. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#debounce);
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#reloading;
    this.#log.info({ revision: this.#current?.revision ?? null }, 'policy engine closed');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#state === 'closed') throw new DaemonError('DAEMON_CLOSED', 'Cannot use the policy engine: it is closed');
  }

  #startWatching(): void {
    try {
      this.#watcher = watch(this.options.dir, { recursive: true }, () => this.#scheduleReload());
      this.#watcher.on('error', (err) => {
        this.#log.warn({ err, dir: this.options.dir }, 'policy watch failed');
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (err) {
      this.#log.warn({ err, dir: this.options.dir }, 'policy watch failed');
    }
  }

  #scheduleReload(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      if (this.#state === 'open') this.reload().catch((err: unknown) => this.#log.error({ err }, 'policy reload crashed'));
    }, this.options.debounceMs);
  }

  async #reloadNow(): Promise<PolicyStatus> {
    if (this.#state === 'closed') return this.status();
    const started = performance.now();
    const sources = await readPolicySources(this.options.dir);
    // Nothing loaded changed (an editor's swap file, a test file, a touch): keep what is in force.
    // Back to the revision in force (a bad edit reverted): the failure is no longer pending.
    if (sources.revision === this.#current?.revision) {
      this.#lastError = undefined;
      return this.status();
    }
    if (sources.revision === this.#lastError?.revision) return this.status();
    const outcome = await this.#load(sources);
    if (outcome.type === 'failed') {
      const at = new Date().toISOString();
      this.#lastError = { revision: sources.revision, diagnostics: outcome.problems, at };
      this.#log.error(
        { failedRevision: sources.revision, revision: this.#current?.revision ?? null, diagnostics: outcome.problems.map((p) => p.text) },
        'policy.reload_failed',
      );
      return this.status();
    }
    this.#current = outcome.loaded;
    this.#lastError = undefined;
    if (outcome.warnings.length > 0) this.#log.warn({ revision: outcome.loaded.revision, diagnostics: outcome.warnings.map((p) => p.text) }, 'policy loaded with warnings');
    this.#log.info({ revision: outcome.loaded.revision, source: outcome.loaded.source, durationMs: Math.round(performance.now() - started) }, 'policy loaded');
    return this.status();
  }

  async #load(sources: PolicySources): Promise<LoadOutcome> {
    const loadedAt = new Date().toISOString();
    if (sources.type === 'bundle') {
      if (sources.ignored.length > 0) this.#log.warn({ ignored: sources.ignored }, 'policy bundle takes precedence over sources');
      try {
        const bundle = await readPolicyBundle(sources.bundle);
        const policy = await loadCompiledPolicy(bundle.wasm);
        policy.setData(bundle.data);
        const entrypoints = { ...(policy.entrypoints as Record<string, number>) };
        return { type: 'loaded', loaded: { revision: sources.revision, loadedAt, source: 'bundle', policy, entrypoints }, warnings: [] };
      } catch (error) {
        const message = `Cannot load bundle "bundle.tar.gz": ${error instanceof Error ? error.message : String(error)}`;
        return { type: 'failed', problems: [{ code: 'BUNDLE_INVALID', message, file: 'bundle.tar.gz', text: message }] };
      }
    }
    if (sources.problems.length > 0) return { type: 'failed', problems: sources.problems };
    if (Object.keys(sources.modules).length === 0) {
      const message = `Cannot load policies from "${this.options.dir}": no .rego files`;
      return { type: 'failed', problems: [{ code: 'POLICY_EMPTY', message, text: message }] };
    }
    const compiled = compile({ modules: sources.modules, entrypoints: this.options.entrypoints });
    const problems = compiled.diagnostics.map((d) => toProblem(d, sources.modules));
    if (compiled.wasm === undefined || hasErrors(compiled.diagnostics)) return { type: 'failed', problems };
    try {
      const policy = await loadCompiledPolicy(compiled.wasm);
      policy.setData(sources.data);
      return { type: 'loaded', loaded: { revision: sources.revision, loadedAt, source: 'rego', policy, entrypoints: compiled.entrypoints }, warnings: problems };
    } catch (error) {
      const message = `Cannot instantiate the compiled policy: ${error instanceof Error ? error.message : String(error)}`;
      return { type: 'failed', problems: [{ code: 'POLICY_INSTANTIATE_FAILED', message, text: message }] };
    }
  }
}

function toProblem(d: Diagnostic, sources: Readonly<Record<string, string>>): PolicyProblem {
  return { code: d.code, message: d.message, file: d.span.file, line: d.span.start.line, col: d.span.start.col, text: formatDiagnostic(d, sources[d.span.file], { sources }) };
}
