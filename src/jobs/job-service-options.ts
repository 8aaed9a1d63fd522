/**
 * JobService contracts: its options, and who asks for what (principals, viewers, run requests, list filters).
 */
import type { Logger } from '../log/index.ts';
import type { LimitsConfig } from '../config/index.ts';
import type { RunsListParams, RunsStartParams } from '../protocol/index.ts';
import type { Sandbox } from '../sandbox/index.ts';
import type { CapabilityBroker } from '../capabilities/index.ts';
import type { EventStore } from './event-store.ts';
import type { WorkflowRuns } from './workflow-runs.ts';

/** Who is asking: runs are visible to their own principal, or to everyone with `admin`. */
export interface Viewer {
  readonly principal: string;
  readonly admin: boolean;
}

/** Who starts a run: the connection's principal with its effective scopes (`admin` expanded). */
export interface RunPrincipal {
  readonly id: string;
  readonly scopes: readonly string[];
}

/** What to run: `runs.start` params without the connection's `subscribe`. */
export type StartRunRequest = Omit<RunsStartParams, 'subscribe'>;

/** Which runs to list: `runs.list` params. */
export type ListRunsFilter = RunsListParams;

/** What runs need to make capability calls. */
export interface JobCapabilities {
  /** Decides and serves calls, and admits runs. */
  readonly broker: CapabilityBroker;
  /** Registered capability names: declaring any other name fails runs.start with CAPABILITY_UNKNOWN. */
  readonly names: readonly string[];
  /** Directory under which each run gets `<runId>/` as its fs.* workspace. */
  readonly workspaceRootDir: string;
  /** Keep each run's workspace after it settles. @default false */
  readonly keepWorkspaces?: boolean;
}

export interface JobServiceOptions {
  readonly limits: Pick<LimitsConfig, 'maxConcurrentRuns' | 'maxQueuedRuns' | 'memoryMb' | 'cpuMs' | 'wallMs' | 'maxOutputBytes'>;
  readonly sandbox: Sandbox;
  readonly events: EventStore;
  readonly logger: Logger;
  /**
   * Capability broker and workspaces. Without it (unit tests of scheduling) runs are admitted without
   * a policy and every call fails with CAPABILITY_UNKNOWN: such a run has no authority at all.
   */
  readonly capabilities?: JobCapabilities;
  /** Where the exact source of each run is stored by digest for replay (journal issue). @default not stored */
  readonly code?: { put(source: string): Promise<string> };
  /** The workflow store (`runs.start {workflow}`). Without it such a run fails with WORKFLOW_NOT_FOUND. */
  readonly workflows?: WorkflowRuns;
}
