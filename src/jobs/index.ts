/** Jobs: run scheduling, execution and event fan-out. */
export { JobService, type JobCapabilities, type JobServiceOptions, type RunPrincipal, type StartRunRequest, type ListRunsFilter, type RunEventSink, type RunSubscription, type Viewer } from './job-service.ts';
export { MemoryEventStore, type EventStore } from './event-store.ts';
