/**
 * Protocol v1 message types: the TypeScript view of what schemas/*.json validate on the wire.
 *
 * Requests and responses are JSON-RPC 2.0; the daemon pushes `run.event` notifications. Run events are
 * a union discriminated on `type`.
 */

/** WebSocket path of protocol v1. */
export const protocolPath = '/v1';
/** WebSocket subprotocol of protocol v1. */
export const protocolName = 'aiws.v1';

/** Method names a client may call. */
export const methodNames = [
  'runs.start',
  'runs.subscribe',
  'runs.unsubscribe',
  'runs.cancel',
  'runs.get',
  'runs.list',
  'daemon.status',
  'session.authenticate',
  'runs.replay',
  'audit.verify',
  'audit.export',
  'workflows.list',
  'workflows.describe',
] as const;

export type MethodName = (typeof methodNames)[number];

/** JSON-RPC request id. */
export type JsonRpcId = string | number | null;

/** Lifecycle of a run. `interrupted`: the daemon stopped while the run was in flight (journal issue). */
export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export const runStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const satisfies readonly RunStatus[];

/** Per-run limits a client may request; each may only lower the daemon's configured limit. */
export interface RequestedLimits {
  readonly memoryMb?: number;
  readonly cpuMs?: number;
  readonly wallMs?: number;
}

export interface RunsStartParams {
  /** ES module source: `export default async function (input, ctx)`. Exactly one of code/workflow. */
  readonly code?: string;
  /** `name@range` of a stored workflow. */
  readonly workflow?: string;
  /** Shown in stack traces and WORKFLOW_INVALID messages. @default 'workflow.js' */
  readonly filename?: string;
  readonly input?: unknown;
  readonly limits?: RequestedLimits;
  /** Subscribe this connection to the run's events. @default true */
  readonly subscribe?: boolean;
  /**
   * Capability names ad-hoc code declares it will call (`http.fetch`, `kv.get`, ...). The policy sees
   * them as `workflow.declaredCapabilities`; the default policy denies calls to anything undeclared.
   * @default []
   */
  readonly capabilities?: readonly string[];
}
export interface RunsStartResult {
  readonly runId: string;
}

export interface RunsSubscribeParams {
  readonly runId: string;
  /** Deliver only events with seq > afterSeq. @default 0 (the whole history) */
  readonly afterSeq?: number;
}
export interface RunsSubscribeResult {
  readonly runId: string;
  readonly status: RunStatus;
  readonly lastSeq: number;
}

export interface RunIdParams {
  readonly runId: string;
}
export interface RunsUnsubscribeResult {
  readonly runId: string;
  readonly subscribed: false;
}
export interface RunsCancelResult {
  readonly runId: string;
  readonly status: RunStatus;
}

export interface RunErrorInfo {
  readonly code: string;
  readonly message: string;
  /** Guest frames only (WORKFLOW_ERROR). */
  readonly stack?: string;
  /** Structured detail, e.g. `{ line, column }` for WORKFLOW_INVALID. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** What runs.get returns and runs.list lists. */
export interface RunInfo {
  readonly runId: string;
  readonly principal: string;
  readonly status: RunStatus;
  /** `code` for ad-hoc code, else the workflow reference. */
  readonly source: string;
  readonly lastSeq: number;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly output?: unknown;
  readonly error?: RunErrorInfo;
}

export interface RunsListParams {
  readonly status?: readonly RunStatus[];
  /** ISO timestamp: only runs created at or after it. */
  readonly since?: string;
  /** @default 50 */
  readonly limit?: number;
}
export interface RunsListResult {
  /** Newest first, without `output`. */
  readonly runs: readonly RunInfo[];
}

export interface PoolStatus {
  readonly workers: number;
  readonly idleIsolates: number;
  readonly activeRuns: number;
  readonly workerRestarts: number;
  /** Workers replaced because their memory grew (planned, not crashes). */
  readonly workerRetirements?: number;
  /** Process ids of the live worker processes. */
  readonly workerPids?: readonly number[];
  readonly [key: string]: unknown;
}

/** A policy problem that kept a revision from loading (a Rego diagnostic, a bad data file, ...). */
export interface PolicyProblemInfo {
  /** A Rego diagnostic code (`REGO1001`), or `DATA_INVALID` / `BUNDLE_INVALID` / `POLICY_DIR_UNREADABLE`. */
  readonly code: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  /** Human rendering, with the source line and a caret for Rego diagnostics. */
  readonly text: string;
}

/** The policy engine's state in daemon.status. */
export interface PolicyStatusInfo {
  /** Content digest of the revision in force; null when none loaded (every decision denies). */
  readonly revision: string | null;
  /** ISO time the revision in force was loaded. */
  readonly loadedAt: string | null;
  /** Where the revision came from. */
  readonly source: 'rego' | 'bundle' | null;
  /** Entrypoints the revision in force defines. */
  readonly entrypoints: readonly string[];
  /** True while the directory is watched for changes (hot reload). */
  readonly watching: boolean;
  /** The last reload that failed, when it is newer than the revision in force. */
  readonly lastError?: { readonly revision: string; readonly at: string; readonly diagnostics: readonly PolicyProblemInfo[] };
}

export interface DaemonStatusResult {
  readonly version: string;
  readonly uptimeMs: number;
  readonly state: 'running' | 'draining';
  readonly runs: Readonly<Record<RunStatus, number>>;
  readonly pool: PoolStatus;
  readonly connections: number;
  /** Same as `policy.revision`. */
  readonly policyRevision: string | null;
  readonly policy: PolicyStatusInfo;
  /** The workflow store; absent on a daemon without one. */
  readonly store?: StoreStatusInfo;
}

/** The workflow store's state in daemon.status. */
export interface StoreStatusInfo {
  readonly dir: string;
  /** Workflow names indexed. */
  readonly workflows: number;
  /** Versions indexed, and how many of them verified. */
  readonly versions: number;
  readonly verified: number;
  /** Completed index passes (grows whenever the watcher re-indexes). */
  readonly generation: number;
  /** Version directories left out of the index (invalid manifest, ...), with why. */
  readonly problems: readonly { readonly dir: string; readonly message: string }[];
}

/** `workflows.list` params: every given filter must hold. */
export interface WorkflowsListParams {
  /** Words that must each occur (case-insensitively) in the name, description or tags. */
  readonly query?: string;
  /** Tags that must all be present. */
  readonly tags?: readonly string[];
  /** Only versions with this verification status count. */
  readonly verified?: boolean;
}

/** One version of a workflow and its verification. */
export interface WorkflowVersionInfo {
  readonly version: string;
  readonly verified: boolean;
}

/** A workflow in `workflows.list`: its highest version passing the filters, and all its versions. */
export interface WorkflowSummaryInfo {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly riskTier: string;
  readonly verified: boolean;
  readonly versions: readonly WorkflowVersionInfo[];
}

export interface WorkflowsListResult {
  /** Sorted by name. */
  readonly workflows: readonly WorkflowSummaryInfo[];
}

export interface WorkflowsDescribeParams {
  /** `name@range` (npm semver range; `name` alone means the highest version). */
  readonly workflow: string;
}

/** `workflows.describe` result: the highest version matching the range. */
export interface WorkflowsDescribeResult {
  readonly name: string;
  readonly version: string;
  readonly digest: string;
  readonly verified: boolean;
  /** Why the version is not verified (absent when it is). */
  readonly unverifiedReason?: string;
  /** workflow.yaml as loaded: description, tags, riskTier, input/output JSON Schemas, capabilities, limits, errors, author. */
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly versions: readonly (WorkflowVersionInfo & { readonly digest: string; readonly unverifiedReason?: string })[];
  /** The attestation as stored (absent when there is none). */
  readonly attestation?: Readonly<Record<string, unknown>>;
}

export interface SessionAuthenticateParams {
  readonly token: string;
}
export interface SessionAuthenticateResult {
  readonly principal: string;
  readonly scopes: readonly string[];
}

/** Params and result of every method. */
export interface MethodMap {
  'runs.start': { params: RunsStartParams; result: RunsStartResult };
  'runs.subscribe': { params: RunsSubscribeParams; result: RunsSubscribeResult };
  'runs.unsubscribe': { params: RunIdParams; result: RunsUnsubscribeResult };
  'runs.cancel': { params: RunIdParams; result: RunsCancelResult };
  'runs.get': { params: RunIdParams; result: RunInfo };
  'runs.list': { params: RunsListParams; result: RunsListResult };
  'daemon.status': { params: Record<string, never>; result: DaemonStatusResult };
  'session.authenticate': { params: SessionAuthenticateParams; result: SessionAuthenticateResult };
  'runs.replay': { params: RunsReplayParams; result: RunsReplayResult };
  'audit.verify': { params: AuditVerifyParams; result: AuditVerifyResult };
  'audit.export': { params: RunIdParams; result: AuditExportResult };
  'workflows.list': { params: WorkflowsListParams; result: WorkflowsListResult };
  'workflows.describe': { params: WorkflowsDescribeParams; result: WorkflowsDescribeResult };
}

/** One side of a replay divergence: what the record (or the replay) shows at that point, a call, a log or an outcome; null for "nothing". */
export type ReplayObservationInfo =
  | { readonly type: 'capability.requested'; readonly callId: number; readonly name: string; readonly args: unknown }
  | { readonly type: 'log'; readonly level: string; readonly message: string; readonly fields?: unknown }
  | { readonly type: 'run.completed'; readonly output: unknown }
  | { readonly type: 'run.failed'; readonly error: { readonly code: string; readonly message: string } }
  | { readonly type: 'run.cancelled' };

export interface RunsReplayParams {
  readonly runId: string;
  /** Also re-decide every recorded call against the current policy. @default false */
  readonly recheckPolicy?: boolean;
}

/** One policy verdict on a call, as recorded or as the current policy gives it. */
export interface PolicyVerdictInfo {
  readonly allow: boolean;
  readonly reasons: readonly string[];
  readonly policyRevision: string | null;
}

/** One recorded decision that the current policy decides differently. */
export interface PolicyDifferenceInfo {
  /** Seq of the recorded `policy.decision` event. */
  readonly seq: number;
  readonly callId: number;
  readonly name: string;
  readonly recorded: PolicyVerdictInfo;
  readonly current: PolicyVerdictInfo;
}

/** `runs.replay` `policy`: recorded decisions the current policy would decide differently. */
export interface PolicyRecheckInfo {
  /** Revision of the policy the calls were rechecked against (null: none loaded, every call denies). */
  readonly policyRevision: string | null;
  /** Recorded decisions rechecked. */
  readonly checked: number;
  readonly differences: readonly PolicyDifferenceInfo[];
}

/** The outcome of a replay: identical, or the first recorded seq where the replay differs. */
export type ReplayReportInfo =
  | {
      readonly result: 'identical';
      readonly runId: string;
      /** False when the record ends before a run.completed/run.failed (cancelled, interrupted): compared as far as it goes. */
      readonly complete: boolean;
      readonly calls: number;
      readonly logs: number;
      /** Wall time of the original run (started → terminal event), when recorded. */
      readonly originalWallMs: number | null;
      readonly replayWallMs: number;
    }
  | {
      readonly result: 'diverged';
      readonly runId: string;
      /** The first recorded seq where the replay differs (the terminal event's seq for extra actions). */
      readonly seq: number;
      readonly stream: 'calls' | 'logs' | 'outcome';
      readonly expected: ReplayObservationInfo | null;
      readonly actual: ReplayObservationInfo | null;
      readonly replayWallMs: number;
    };

/** `runs.replay` result: the replay's outcome, plus `policy` with recheckPolicy. */
export type RunsReplayResult = { readonly policy?: PolicyRecheckInfo } & ReplayReportInfo;

/** `audit.verify` params: exactly one of `runId` and `all`. */
export interface AuditVerifyParams {
  readonly runId?: string;
  readonly all?: true;
}

/** `audit.verify` result. `runId` null: damaged bytes no run can be attributed to (admins only). */
export interface AuditVerifyResult {
  readonly ok: boolean;
  readonly runs: number;
  readonly events: number;
  readonly failures: readonly { readonly runId: string | null; readonly seq: number; readonly reason: string }[];
}

/** `audit.export` result: the run as JSON lines (see docs/audit.md). */
export interface AuditExportResult {
  readonly runId: string;
  readonly jsonl: string;
}

interface RunEventBase<T extends string, D> {
  readonly runId: string;
  /** 1-based, gapless per run. */
  readonly seq: number;
  /** ISO 8601. */
  readonly ts: string;
  readonly type: T;
  readonly data: D;
}

/** `run.accepted` data. */
export interface RunAcceptedData {
  readonly principal: string;
  readonly source: string;
  /** What the run declared it will call. */
  readonly capabilities?: readonly string[];
  /** The admission decision (`aiws/admission/decision`) that let the run in. */
  readonly admission?: { readonly decisionId: string; readonly policyRevision: string | null; readonly reasons: readonly string[] };
  // Journal issue: what an auditor needs to know what ran under which policy, and what a replay needs.
  /** What ran; `digest` is the workflow version digest for a stored workflow. */
  readonly code?: RunCodeRef;
  /** `sha256:<hex>` of the exact source executed: its key in the daemon's code store. */
  readonly codeDigest?: string;
  /** The digest an auditor quotes: the workflow version digest, or for ad-hoc code the source's. */
  readonly workflowDigest?: string;
  /** Revision of the policy bundle in force when the run was accepted; null without policies. */
  readonly policyRevision?: string | null;
  readonly filename?: string;
  readonly input?: unknown;
  readonly limits?: Readonly<Record<string, number>>;
  /** The stored workflow version that runs (absent for ad-hoc code). */
  readonly workflow?: { readonly name: string; readonly version: string; readonly digest: string; readonly verified: boolean };
  /** The principal (with scopes) and workflow parts of the policy input, for replay's policy recheck. */
  readonly policyInput?: { readonly principal: unknown; readonly workflow: unknown };
}

/** What ran, as `run.accepted` records it for replay: ad-hoc source or a stored workflow version. */
export type RunCodeRef =
  | { readonly kind: 'adhoc'; readonly digest: string }
  | { readonly kind: 'workflow'; readonly name: string; readonly version: string; readonly digest: string };

/** `run.started` data: the seed and virtual clock start that make the run reproducible (journal issue). */
export interface RunStartedData {
  readonly warm?: boolean;
  readonly seed?: string;
  readonly clockStartMs?: number;
}

/** `capability.requested` data: the call as the guest made it (secret references, never values). */
export interface CapabilityRequestedData {
  /** Per run, 1-based, in the order the guest made its calls. */
  readonly callId: number;
  readonly name: string;
  /** Capped with its digest when large (`{ $capped: { bytes, sha256, limitBytes }, preview }`). */
  readonly args: unknown;
}

/** `policy.decision` data: one decision about a call (or a follow-up such as an http redirect). */
export interface PolicyDecisionData {
  readonly callId: number;
  readonly allow: boolean;
  readonly reasons: readonly string[];
  readonly policyRevision: string | null;
  readonly decisionId: string;
  readonly durationUs: number;
  /** Keys of the decision object other than allow/reasons. */
  readonly obligations?: Readonly<Record<string, unknown>>;
  /** Set when the decision is about a follow-up the capability asked for (an http redirect). */
  readonly followUp?: { readonly name: string; readonly args: unknown };
}

/** `capability.completed` data. */
export interface CapabilityCompletedData {
  readonly callId: number;
  /** Secret values redacted; capped with its digest when large. */
  readonly result: unknown;
}

/** `capability.failed` data. */
export interface CapabilityFailedData {
  readonly callId: number;
  /** `details` as the guest's Error received them (e.g. a denial's reasons and decisionId), so a replay hands back the same. */
  readonly error: { readonly code: string; readonly message: string; readonly details?: Readonly<Record<string, unknown>> };
}

export type RunEvent =
  | RunEventBase<'run.accepted', RunAcceptedData>
  | RunEventBase<'capability.requested', CapabilityRequestedData>
  | RunEventBase<'policy.decision', PolicyDecisionData>
  | RunEventBase<'capability.completed', CapabilityCompletedData>
  | RunEventBase<'capability.failed', CapabilityFailedData>
  | RunEventBase<'run.started', RunStartedData>
  | RunEventBase<'log', { readonly level: string; readonly message: string; readonly fields?: Readonly<Record<string, unknown>> }>
  | RunEventBase<'run.completed', { readonly output: unknown; readonly cpuMs?: number; readonly wallMs?: number; readonly warm?: boolean }>
  | RunEventBase<'run.failed', { readonly error: RunErrorInfo }>
  | RunEventBase<'run.cancelled', { readonly reason: string }>
  | RunEventBase<'run.interrupted', { readonly reason: string }>;

export type RunEventType = RunEvent['type'];

/** The notification method carrying run events. */
export const runEventMethod = 'run.event';

/** `error.data` of every application error. */
export interface ErrorData {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data: ErrorData;
}

export type JsonRpcResponse =
  | { readonly jsonrpc: '2.0'; readonly id: JsonRpcId; readonly result: unknown }
  | { readonly jsonrpc: '2.0'; readonly id: JsonRpcId; readonly error: JsonRpcErrorObject };

export interface JsonRpcNotification<P = unknown> {
  readonly jsonrpc: '2.0';
  readonly method: string;
  readonly params: P;
}
