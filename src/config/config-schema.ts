/**
 * The JSON Schema of daemon.config.yaml: the single source of the config's TypeScript type
 * (`DaemonConfig` is derived from it with FromSchema) and of every default.
 *
 * docs/configuration.md documents each key; a unit test keeps the two in step.
 */
import type { FromSchema } from './from-schema.ts';

/** Scopes a token may grant. `admin` implies every other scope and sees every principal's runs. */
export const scopeNames = ['runs:start', 'runs:adhoc', 'runs:unverified', 'runs:read', 'workflows:read', 'admin'] as const;

/** A scope granted to a principal. */
export type Scope = (typeof scopeNames)[number];

/** Pino levels accepted by `log.level`. */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const positiveInteger = { type: 'integer', minimum: 1 } as const;

/** The config schema. `additionalProperties: false` everywhere: an unknown key is an error. */
export const configSchema = {
  $id: 'https://aiws.dev/schemas/daemon-config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address to listen on' },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 7777, description: 'TCP port; 0 picks a free one' },
    dataDir: { type: 'string', minLength: 1, default: './var', description: 'Directory holding all daemon state' },
    auth: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        tokens: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['sha256', 'principal', 'scopes'],
            properties: {
              sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'Lower-case hex SHA-256 of the token' },
              principal: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$' },
              scopes: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: scopeNames } },
            },
          },
        },
        handshakeTimeoutMs: { ...positiveInteger, maximum: 600_000, default: 10_000 },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxMessageBytes: { type: 'integer', minimum: 1024, maximum: 268_435_456, default: 1_048_576 },
        maxConcurrentRuns: { ...positiveInteger, maximum: 4096, default: 8 },
        maxQueuedRuns: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 256 },
        memoryMb: { type: 'integer', minimum: 8, maximum: 65_536, default: 128 },
        cpuMs: { ...positiveInteger, default: 10_000 },
        wallMs: { ...positiveInteger, default: 30_000 },
        maxOutputBytes: { ...positiveInteger, maximum: 268_435_456, default: 1_048_576 },
        subscriberBufferEvents: { ...positiveInteger, maximum: 1_000_000, default: 1024 },
      },
    },
    sandbox: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        workers: { ...positiveInteger, maximum: 256, default: 1 },
        warmIsolates: { type: 'integer', minimum: 0, maximum: 1024, default: 2 },
        recycleAfterRuns: { ...positiveInteger, default: 50 },
      },
    },
    policies: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        dir: { type: 'string', minLength: 1, default: './policies', description: 'Rego policies and their data, or a bundle.tar.gz' },
        watch: { type: 'boolean', default: true, description: 'Hot-reload the policies when a file changes' },
        evalTimeoutMs: { ...positiveInteger, maximum: 60_000, default: 250, description: 'A decision that took longer denies' },
      },
    },
    secrets: {
      type: 'object',
      default: {},
      description: 'Secret values by name: a literal string, or {env: VAR} to read an environment variable at start-up',
      propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' },
      additionalProperties: {
        oneOf: [
          { type: 'string' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['env'],
            properties: { env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
          },
        ],
      },
    },
    capabilities: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxEventValueBytes: { type: 'integer', minimum: 1024, maximum: 16_777_216, default: 65_536, description: 'Cap on args/result in capability events' },
        http: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            allowPrivateNetworks: { type: 'boolean', default: false },
            allowedCidrs: { type: 'array', default: [], items: { type: 'string', minLength: 1 } },
            connectTimeoutMs: { ...positiveInteger, maximum: 600_000, default: 10_000 },
            timeoutMs: { ...positiveInteger, maximum: 3_600_000, default: 30_000 },
            maxResponseBytes: { ...positiveInteger, maximum: 268_435_456, default: 8_388_608 },
            maxRequestBytes: { ...positiveInteger, maximum: 268_435_456, default: 1_048_576 },
            maxRedirects: { type: 'integer', minimum: 0, maximum: 20, default: 5 },
          },
        },
        fs: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxReadBytes: { ...positiveInteger, maximum: 268_435_456, default: 8_388_608 },
            maxWriteBytes: { ...positiveInteger, maximum: 268_435_456, default: 8_388_608 },
            maxListEntries: { ...positiveInteger, maximum: 1_000_000, default: 1000 },
            keepWorkspaces: { type: 'boolean', default: false, description: 'Keep dataDir/workspaces/<runId> after the run' },
          },
        },
        kv: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            fileName: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', default: 'kv.sqlite' },
            maxValueBytes: { ...positiveInteger, maximum: 67_108_864, default: 262_144 },
          },
        },
      },
    },
    journal: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        durability: { enum: ['fsync', 'none'], default: 'fsync', description: 'fsync: an event is on disk before anyone sees it' },
        retention: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxAgeDays: { type: 'number', exclusiveMinimum: 0, description: 'Drop whole runs that ended longer ago' },
            maxBytes: { type: 'integer', minimum: 1_048_576, description: 'Drop the oldest whole runs while the journal is larger' },
          },
        },
      },
    },
    store: {
      // Mirrors storeConfigSchema (src/store/store-config.ts; a unit test keeps them equal): config sits
      // below the store and cannot import it.
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        dir: { type: 'string', minLength: 1, default: 'workflows', description: 'The workflow store: workflows/<name>/<version>/' },
        trustedKeys: { type: 'array', items: { type: 'string', minLength: 1 }, default: [], description: 'Ed25519 public keys (PEM paths or inline PEM) whose attestations count' },
        signingKey: { type: 'string', minLength: 1, description: 'Private key for signing attestations (reserved)' },
        watch: { type: 'boolean', default: true, description: 'Re-index the store when a file changes' },
      },
    },
    shutdownGraceMs: { type: 'integer', minimum: 0, maximum: 3_600_000, default: 10_000 },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: logLevels, default: 'info' },
      },
    },
  },
} as const;

/** The validated config with every default filled in, as ajv leaves it (paths not yet resolved). */
export type DaemonConfig = FromSchema<typeof configSchema>;

/** The `auth` slice. */
export type AuthConfig = DaemonConfig['auth'];
/** One configured token. */
export type TokenConfig = AuthConfig['tokens'][number];
/** The `limits` slice. */
export type LimitsConfig = DaemonConfig['limits'];
/** The `sandbox` slice. */
export type SandboxConfig = DaemonConfig['sandbox'];
/** The `policies` slice. */
export type PoliciesConfig = DaemonConfig['policies'];
/** The `secrets` slice: name → literal value or `{ env }` reference (resolved by `resolveSecretValues`). */
export type SecretsConfig = DaemonConfig['secrets'];
/** The `capabilities` slice. */
export type CapabilitiesConfig = DaemonConfig['capabilities'];
/** The `journal` slice. */
export type JournalConfig = DaemonConfig['journal'];
/** The `log` slice. */
export type LogConfig = DaemonConfig['log'];
/** The `store` slice (paths resolved against the config file's directory). */
export type StoreSliceConfig = DaemonConfig['store'];
