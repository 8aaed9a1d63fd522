/**
 * The JSON Schema of daemon.config.yaml: the single source of the config's TypeScript type
 * (`DaemonConfig` is derived from it with FromSchema) and of every default.
 *
 * docs/configuration.md documents each key; a unit test keeps the two in step.
 */
import type { FromSchema } from './from-schema.ts';

/** Scopes a token may grant. `admin` implies every other scope and sees every principal's runs. */
export const scopeNames = ['runs:start', 'runs:adhoc', 'runs:read', 'workflows:read', 'admin'] as const;

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
/** The `log` slice. */
export type LogConfig = DaemonConfig['log'];
