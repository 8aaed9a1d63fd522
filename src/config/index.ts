/** Config: the schema (single source of the config type), loading and validation. */
export { loadConfig, resolveConfig, resolveSecretValues, isLoopbackHost, type LoadConfigOptions, type ResolveConfigOptions, type ResolvedConfig, type ConfigOverrides, type ConfigProblem } from './load-config.ts';
export { configSchema, scopeNames, logLevels, type DaemonConfig, type AuthConfig, type TokenConfig, type LimitsConfig, type SandboxConfig, type LogConfig, type PoliciesConfig, type SecretsConfig, type CapabilitiesConfig, type JournalConfig, type Scope } from './config-schema.ts';
export type { FromSchema } from './from-schema.ts';
