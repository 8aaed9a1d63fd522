/** Jobs: run scheduling, execution and event fan-out. */
export { JobService, type JobCapabilities, type JobServiceOptions, type RunPrincipal, type StartRunRequest, type ListRunsFilter, type RunEventSink, type RunSubscription, type Viewer } from './job-service.ts';
export { MemoryEventStore, type EventStore } from './event-store.ts';
export { recoverRuns, toRestoredRun, interruptedOnRestartReason, type RestoredRun, type RecoveryResult, type RecoverableJournal } from './run-recovery.ts';
export { replayRun, type ReplayReport, type ReplayObservation, type ReplayRunOptions, type CodeSource, type ResultSource } from './run-replay.ts';
export { RunAudit, type RunAuditOptions, type AuditVerification } from './run-audit.ts';
export { recheckPolicy, type PolicyRecheck, type PolicyDifference } from './policy-recheck.ts';
export { WorkflowRuns, type PreparedWorkflowRun, type WorkflowRunsOptions, type WorkflowStoreStatus } from './workflow-runs.ts';
