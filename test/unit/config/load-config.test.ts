/** Unit tests of config validation: defaults, overrides, every-problem reporting, freezing. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it, onTestFinished } from 'vitest';
import { isDaemonError } from '../../../src/errors/index.ts';
import { configSchema, isLoopbackHost, loadConfig, resolveConfig, resolveSecretValues, type DaemonConfig } from '../../../src/config/index.ts';

const base = { file: '/etc/aiws.yaml', env: {}, overrides: {}, baseDir: '/srv/aiws' } as const;

function problemsOf(fn: () => unknown): { message: string; problems: { path: string; message: string }[] } {
  try {
    fn();
  } catch (err) {
    if (isDaemonError(err) && err.code === 'CONFIG_INVALID') {
      return { message: err.message, problems: (err.details as { problems: { path: string; message: string }[] }).problems };
    }
    throw err;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('resolveConfig', () => {
  it('fills every default from the schema for an empty file', () => {
    const config = resolveConfig(null, base);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 7777,
      dataDir: '/srv/aiws/var',
      auth: { tokens: [], handshakeTimeoutMs: 10_000 },
      limits: { maxConcurrentRuns: 8, memoryMb: 128, subscriberBufferEvents: 1024 },
      sandbox: { workers: 1, warmIsolates: 2, recycleAfterRuns: 50 },
      log: { level: 'info' },
      configFile: '/etc/aiws.yaml',
    });
  });

  it('resolves policies.dir against the config file and defaults the capability settings', () => {
    const config = resolveConfig({ policies: { dir: 'rules' } }, base);
    expect(config.policies).toEqual({ dir: '/srv/aiws/rules', watch: true, evalTimeoutMs: 250 });
    expect(resolveConfig(null, base).policies.dir).toBe('/srv/aiws/policies');
    expect(config.capabilities).toMatchObject({ maxEventValueBytes: 65_536, http: { allowPrivateNetworks: false, allowedCidrs: [], maxRedirects: 5 }, fs: { keepWorkspaces: false }, kv: { fileName: 'kv.sqlite' } });
  });

  it('reads secrets from literals and the environment, and names a missing variable without any value', () => {
    const secrets = { api: { env: 'API_TOKEN' }, plain: 'p-value-123' };
    const config = resolveConfig({ secrets }, { ...base, env: { API_TOKEN: 't-value-456' } });
    expect(resolveSecretValues(config.secrets, { API_TOKEN: 't-value-456' })).toEqual({ api: 't-value-456', plain: 'p-value-123' });
    const missing = problemsOf(() => resolveConfig({ secrets }, base));
    expect(missing.problems).toEqual([{ path: 'secrets.api.env', message: 'environment variable "API_TOKEN" is not set' }]);
    expect(missing.message).not.toContain('p-value-123');
    expect(() => resolveSecretValues(config.secrets, { API_TOKEN: '' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('never prints a malformed secret value in a config error', () => {
    const { message, problems } = problemsOf(() => resolveConfig({ secrets: { api: 9_876_543_210, 'bad name!': 'x' } }, base));
    expect(message).not.toContain('9876543210');
    expect(problems.map((p) => p.path)).toContain('secrets.api');
    expect(problems.some((p) => p.path.startsWith('secrets'))).toBe(true);
  });

  it('deep-freezes the result', () => {
    const config = resolveConfig({}, base);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
    expect(Object.isFrozen(config.auth.tokens)).toBe(true);
  });

  it('reports every bad key with its path, not only the first', () => {
    const { message, problems } = problemsOf(() =>
      resolveConfig(
        {
          colour: 'blue',
          port: 'eighty',
          limits: { cpuMs: -5, wallMs: 1.5, turbo: true },
          auth: { tokens: [{ sha256: 'abc', principal: 'ci', scopes: ['runs:fly'] }] },
          log: { level: 'loud' },
        },
        base,
      ),
    );
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['colour', 'port', 'limits.cpuMs', 'limits.wallMs', 'limits.turbo', 'auth.tokens[0].sha256', 'auth.tokens[0].scopes[0]', 'log.level']),
    );
    expect(message).toContain('"/etc/aiws.yaml"');
    expect(message).toContain('limits.cpuMs: must be >= 1, got number -5');
    expect(message).toContain('limits.turbo: unknown key (expected one of: maxMessageBytes');
    expect(message).toContain('port: must be integer, got string "eighty"');
  });

  it('reports a missing required key inside a token', () => {
    const { problems } = problemsOf(() => resolveConfig({ auth: { tokens: [{ sha256: 'a'.repeat(64), scopes: ['admin'] }] } }, base));
    expect(problems).toEqual([{ path: 'auth.tokens[0].principal', message: 'is required' }]);
  });

  it('lets AIWS_PORT override the file and --port override AIWS_PORT', () => {
    expect(resolveConfig({ port: 1 }, { ...base, env: { AIWS_PORT: '2' } }).port).toBe(2);
    expect(resolveConfig({ port: 1 }, { ...base, env: { AIWS_PORT: '2' }, overrides: { port: '3' } }).port).toBe(3);
    expect(resolveConfig({}, { ...base, env: { AIWS_HOST: 'localhost' } }).host).toBe('localhost');
  });

  it('names the override a bad value came from', () => {
    const { problems } = problemsOf(() => resolveConfig({}, { ...base, env: { AIWS_PORT: '70000' } }));
    expect(problems).toEqual([{ path: 'port (from AIWS_PORT)', message: 'must be <= 65535, got number 70000' }]);
  });

  it('refuses a non-loopback host without tokens', () => {
    const { problems } = problemsOf(() => resolveConfig({}, { ...base, overrides: { host: '0.0.0.0' } }));
    expect(problems[0]?.path).toBe('host (from --host)');
    expect(problems[0]?.message).toContain('without auth tokens');
  });

  it('accepts a non-loopback host when a token is configured', () => {
    const tokens = [{ sha256: 'b'.repeat(64), principal: 'ci', scopes: ['runs:read'] }];
    expect(resolveConfig({ host: '0.0.0.0', auth: { tokens } }, base).host).toBe('0.0.0.0');
  });

  it('refuses two tokens with the same digest', () => {
    const token = { sha256: 'c'.repeat(64), principal: 'a', scopes: ['admin'] };
    const { problems } = problemsOf(() => resolveConfig({ auth: { tokens: [token, { ...token, principal: 'b' }] } }, base));
    expect(problems[0]?.path).toBe('auth.tokens[1].sha256');
  });

  it('refuses a document that is not a mapping', () => {
    expect(problemsOf(() => resolveConfig(['a'], base)).problems[0]?.path).toBe('(root)');
  });

  it('derives its TypeScript type from the schema', () => {
    expectTypeOf<DaemonConfig['port']>().toEqualTypeOf<number>();
    expectTypeOf<DaemonConfig['log']['level']>().toEqualTypeOf<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'>();
    expectTypeOf<DaemonConfig['auth']['tokens'][number]['scopes'][number]>().toEqualTypeOf<'runs:start' | 'runs:adhoc' | 'runs:unverified' | 'runs:read' | 'workflows:read' | 'admin'>();
    expectTypeOf<DaemonConfig['secrets'][string]>().toEqualTypeOf<string | { readonly env: string }>();
    expectTypeOf<DaemonConfig['capabilities']['http']['allowPrivateNetworks']>().toEqualTypeOf<boolean>();
    expectTypeOf<DaemonConfig['journal']['durability']>().toEqualTypeOf<'fsync' | 'none'>();
    expect(Object.keys(configSchema.properties)).toEqual(['host', 'port', 'dataDir', 'auth', 'limits', 'sandbox', 'policies', 'secrets', 'capabilities', 'journal', 'store', 'shutdownGraceMs', 'log']);
  });
});

describe('loadConfig', () => {
  async function tempFile(text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'aiws-config-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'daemon.config.yaml');
    await writeFile(file, text);
    return file;
  }

  it('reads YAML and resolves dataDir against the file directory', async () => {
    const file = await tempFile('port: 0\ndataDir: state\n');
    const config = await loadConfig({ file, env: {} });
    expect(config.port).toBe(0);
    expect(config.dataDir).toBe(join(file, '..', 'state'));
  });

  it('reports YAML syntax errors with line and column', async () => {
    const file = await tempFile('port: 1\nlimits: [\n');
    await expect(loadConfig({ file, env: {} })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/line \d+, column \d+/) });
  });

  it('refuses duplicate keys', async () => {
    const file = await tempFile('port: 1\nport: 2\n');
    await expect(loadConfig({ file, env: {} })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('names a missing file', async () => {
    await expect(loadConfig({ file: '/nonexistent/aiws.yaml', env: {} })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('"/nonexistent/aiws.yaml"') });
  });

  it('validates the shipped daemon.config.yaml', async () => {
    const config = await loadConfig({ file: 'daemon.config.yaml', env: {} });
    expect(config.port).toBe(7777);
    expect(config.auth.tokens).toEqual([]);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
