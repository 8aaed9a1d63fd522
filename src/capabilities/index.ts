/**
 * Capabilities: the contract, the registry with argument validation, secret references, the host
 * protections (address filter, workspace confinement), the kv store and the built-in capabilities.
 * The broker (broker.ts) composes them with the policy gate between validation and execution.
 */
export { defineCapability, type Capability, type CapabilityContext, type CapabilityWorkflow, type JsonSchema } from './capability.ts';
export { createCapabilityRegistry, type ArgsViolation, type CapabilityDescriptor, type CapabilityRegistry } from './registry.ts';
export { createSecretStore, type SecretStore } from './secret-store.ts';
export { SecretRedactor } from './secret-redactor.ts';
export {
  findSecretRefs,
  isSecretRef,
  secretRefSchema,
  stringOrSecretSchema,
  substituteSecrets,
  type SecretRef,
  type SecretRefLocation,
  type SubstituteSecretsOptions,
  type SubstitutedArgs,
} from './secret-substitution.ts';
export { createAddressFilter, type AddressCategory, type AddressFilter, type AddressFilterOptions, type AddressVerdict } from './address-filter.ts';
export { resolveAllowedAddresses, systemHostResolver, type HostResolver, type ResolveAllowedOptions, type ResolvedAddress } from './allowed-addresses.ts';
export { KvStore, kvNamespaceFor, type KvListOptions, type KvListPage, type KvStoreOptions, type ResolvedKvStore } from './kv-store.ts';
export { createBuiltinCapabilities, type BuiltinCapabilitiesOptions } from './builtin-capabilities.ts';
export { createHttpFetch, resolveHttpFetchOptions, httpMethods, type HttpFetchArgs, type HttpFetchOptions, type HttpFetchResult, type HttpMethod, type ResolvedHttpFetch } from './builtin/http-fetch.ts';
export { createFsRead, type FsReadArgs, type FsReadResult } from './builtin/fs-read.ts';
export { createFsWrite, type FsWriteArgs, type FsWriteResult } from './builtin/fs-write.ts';
export { createFsList, type FsListArgs, type FsListEntry, type FsListResult } from './builtin/fs-list.ts';
export { createFsDelete, type FsDeleteArgs, type FsDeleteResult } from './builtin/fs-delete.ts';
export { resolveFsOptions, type FsOptions, type ResolvedFs } from './builtin/fs-options.ts';
export { createKvGet, type KvGetArgs, type KvGetResult } from './builtin/kv-get.ts';
export { createKvPut, type KvPutArgs, type KvPutResult } from './builtin/kv-put.ts';
export { createKvDelete, type KvDeleteArgs, type KvDeleteResult } from './builtin/kv-delete.ts';
export { createKvList, type KvListArgs } from './builtin/kv-list.ts';
export { createClockNow, type ClockNowOptions, type ClockNowResult } from './builtin/clock-now.ts';
export { createRandomBytes, type RandomBytesArgs, type RandomBytesResult } from './builtin/random-bytes.ts';
export { RunWorkspace, type RunWorkspaceOptions } from './run-workspace.ts';
export {
  createCapabilityBroker,
  type BrokerHooks,
  type CapabilityBroker,
  type CapabilityBrokerOptions,
  type CapabilityCall,
  type CapabilityCompletedEvent,
  type CapabilityFailedEvent,
  type CapabilityRequestedEvent,
  type PolicyDecisionEvent,
  type RunContext,
} from './broker.ts';
export { capEventValue, isCappedValue, type CappedValue } from './event-payload-cap.ts';
