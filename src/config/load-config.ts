/**
 * Config loading: YAML → overrides (env, flags) → ajv (allErrors, useDefaults) → cross-field checks →
 * resolved paths → deep-frozen ResolvedConfig.
 *
 * Every problem is collected and reported at once as CONFIG_INVALID, each with its key path, what was
 * expected and what was found, so an operator fixes the file in one pass.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isIP } from 'node:net';
import { Ajv, type ErrorObject } from 'ajv';
import { parseDocument } from 'yaml';
import { DaemonError } from '../errors/index.ts';
import { configSchema, type DaemonConfig, type SecretsConfig } from './config-schema.ts';

/** Where a config value may be overridden from, weakest first: file < env < flags. */
export interface ConfigOverrides {
  /** `--host` */
  readonly host?: string;
  /** `--port`; a string is parsed, and reported if it is not an integer. */
  readonly port?: string | number;
}

export interface LoadConfigOptions {
  /** YAML file to read; absent → the embedded defaults alone. */
  readonly file?: string;
  /** Environment holding AIWS_HOST / AIWS_PORT. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line overrides. */
  readonly overrides?: ConfigOverrides;
  /** Base for relative paths when there is no file. @default process.cwd() */
  readonly cwd?: string;
}

/** The validated config: defaults applied, `dataDir` absolute, deep-frozen. */
export type ResolvedConfig = DaemonConfig & {
  /** Absolute path of the file the config came from, or null for the embedded defaults. */
  readonly configFile: string | null;
};

/** One invalid key: the dotted key path (`limits.cpuMs`, `auth.tokens[0].sha256`) and what is wrong. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true });
const validateConfig = ajv.compile(configSchema);

/**
 * Reads, validates and resolves the daemon config.
 * @throws CONFIG_INVALID listing the file and every bad key path (unreadable file, bad YAML, schema
 *   violations, refused combinations such as a non-loopback host without tokens)
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const file = options.file === undefined ? null : resolve(options.cwd ?? process.cwd(), options.file);
  let raw: unknown = {};
  if (file !== null) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new DaemonError('CONFIG_INVALID', `Cannot read config "${file}": ${(err as Error).message}`, { details: { file }, cause: err });
    }
    raw = parseYaml(text, file);
  }
  return resolveConfig(raw, {
    file,
    env: options.env ?? process.env,
    overrides: options.overrides ?? {},
    baseDir: file === null ? (options.cwd ?? process.cwd()) : dirname(file),
  });
}

export interface ResolveConfigOptions {
  readonly file: string | null;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly overrides: ConfigOverrides;
  /** Relative paths in the config resolve against this directory. */
  readonly baseDir: string;
}

/**
 * Validates an already-parsed config object (the pure half of loadConfig).
 * @throws CONFIG_INVALID listing every problem
 */
export function resolveConfig(raw: unknown, options: ResolveConfigOptions): ResolvedConfig {
  const where = options.file === null ? 'the embedded defaults' : `"${options.file}"`;
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(options.file, where, [{ path: '(root)', message: `must be a mapping of keys, got ${describe(raw)}` }]);
  }
  const config = structuredClone(raw) as Record<string, unknown>;
  const sources = applyOverrides(config, options);

  const problems: ConfigProblem[] = [];
  if (!validateConfig(config)) {
    for (const error of validateConfig.errors ?? []) problems.push(toProblem(error, config, sources));
  } else {
    problems.push(...crossFieldProblems(config as DaemonConfig, sources));
    problems.push(...secretProblems((config as DaemonConfig).secrets, options.env));
  }
  if (problems.length > 0) throw invalid(options.file, where, problems);

  const valid = config as DaemonConfig;
  return deepFreeze({
    ...valid,
    dataDir: resolve(options.baseDir, valid.dataDir),
    policies: { ...valid.policies, dir: resolve(options.baseDir, valid.policies.dir) },
    store: {
      ...valid.store,
      dir: resolve(options.baseDir, valid.store.dir),
      trustedKeys: valid.store.trustedKeys.map((key) => (key.includes('-----BEGIN') ? key : resolve(options.baseDir, key))),
      ...(valid.store.signingKey === undefined ? {} : { signingKey: resolve(options.baseDir, valid.store.signingKey) }),
    },
    configFile: options.file,
  });
}

/**
 * The secret values the config names: literals as written, `{ env: VAR }` read from `env`. Called by
 * the composition root when it builds the secret store; the values never go back into the config.
 * @throws CONFIG_INVALID naming every secret whose environment variable is unset or empty
 */
export function resolveSecretValues(secrets: SecretsConfig, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const problems = secretProblems(secrets, env);
  if (problems.length > 0) throw invalid(null, 'the secrets section', problems);
  const values: Record<string, string> = {};
  for (const [name, source] of Object.entries(secrets)) values[name] = typeof source === 'string' ? source : env[source.env]!;
  return values;
}

function secretProblems(secrets: SecretsConfig, env: Readonly<Record<string, string | undefined>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [name, source] of Object.entries(secrets)) {
    if (typeof source !== 'string' && (env[source.env] ?? '') === '') {
      problems.push({ path: `secrets.${name}.env`, message: `environment variable "${source.env}" is not set` });
    }
  }
  return problems;
}

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({
      path: e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)',
      message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
    }));
    throw invalid(file, `"${file}"`, problems);
  }
  return doc.toJS();
}

function applyOverrides(config: Record<string, unknown>, options: ResolveConfigOptions): Map<string, string> {
  const sources = new Map<string, string>();
  const set = (key: 'host' | 'port', value: string | number | undefined, source: string): void => {
    if (value === undefined) return;
    config[key] = key === 'port' && typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
    sources.set(key, source);
  };
  // An empty variable counts as unset, as shells make it easy to export one by accident.
  set('host', options.env.AIWS_HOST || undefined, 'AIWS_HOST');
  set('port', options.env.AIWS_PORT || undefined, 'AIWS_PORT');
  set('host', options.overrides.host, '--host');
  set('port', options.overrides.port, '--port');
  return sources;
}

function crossFieldProblems(config: DaemonConfig, sources: Map<string, string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!isLoopbackHost(config.host) && config.auth.tokens.length === 0) {
    problems.push({
      path: label('host', sources),
      message: `refusing to listen on non-loopback address "${config.host}" without auth tokens: configure auth.tokens or use 127.0.0.1`,
    });
  }
  const seen = new Map<string, number>();
  config.auth.tokens.forEach((token, index) => {
    const first = seen.get(token.sha256);
    if (first !== undefined) {
      problems.push({ path: `auth.tokens[${index}].sha256`, message: `duplicates auth.tokens[${first}].sha256: each token must be unique` });
    } else {
      seen.set(token.sha256, index);
    }
  });
  return problems;
}

function toProblem(error: ErrorObject, config: unknown, sources: Map<string, string>): ConfigProblem {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  // Secret values never appear in an error message, not even malformed ones.
  if (segments[0] === 'secrets' && error.keyword !== 'additionalProperties' && error.keyword !== 'required') {
    return { path: keyPath(segments), message: `${error.message ?? 'is invalid'} (value not shown)` };
  }
  const value = segments.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { path: keyPath([...segments, key]), message: `unknown key (expected one of: ${allowed.join(', ')})` };
    }
    case 'required':
      return { path: keyPath([...segments, String(error.params.missingProperty)]), message: 'is required' };
    case 'enum':
      return {
        path: label(keyPath(segments), sources),
        message: `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`,
      };
    default:
      return { path: label(keyPath(segments), sources), message: `${error.message ?? 'is invalid'}, got ${describe(value)}` };
  }
}

function keyPath(segments: readonly string[]): string {
  let out = '';
  for (const segment of segments) out += /^\d+$/.test(segment) ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  return out === '' ? '(root)' : out;
}

function label(path: string, sources: Map<string, string>): string {
  const source = sources.get(path);
  return source === undefined ? path : `${path} (from ${source})`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  const shown = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  return Array.isArray(value) ? `array ${shown}` : value === null ? 'null' : `${typeof value} ${shown}`;
}

function invalid(file: string | null, where: string, problems: readonly ConfigProblem[]): DaemonError<'CONFIG_INVALID'> {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}`);
  return new DaemonError('CONFIG_INVALID', [`Invalid config ${where}: ${count}`, ...lines].join('\n'), {
    details: { file, problems },
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
