/**
 * Worker thread of the conformance runner: runs the cases it is sent, one at a time, and posts each
 * outcome back. Running cases here lets the runner stop a case that hangs (a planner or runtime
 * loop) by terminating the thread.
 */
import { parentPort } from 'node:worker_threads';
import type { ConformanceCase } from './cases.ts';
import { runCase } from './run-case.ts';

// Policies may print (opa_println goes to console.log): keep the runner's own output (--json) clean.
console.log = (): void => {};
console.info = (): void => {};

parentPort!.on('message', (c: ConformanceCase) => {
  void runCase(c).then((outcome) => parentPort!.postMessage({ id: c.id, ...outcome }));
});
