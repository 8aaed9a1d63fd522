/**
 * The sandbox: runs workflow modules in isolated-vm isolates hosted by worker processes.
 * Everything else reaches it through this file (see types.ts for the contract with src/jobs).
 */
export { createSandbox, resolveDeterminism, resolveSandboxOptions, type ResolvedSandboxOptions } from './host/sandbox.ts';
export type * from './types.ts';
