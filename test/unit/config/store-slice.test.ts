/** The daemon config's `store` slice: the same schema as the store's own, and its paths resolved. */
import { describe, expect, it } from 'vitest';
import { configSchema, resolveConfig } from '../../../src/config/index.ts';
import { storeConfigSchema } from '../../../src/store/index.ts';

const base = { file: '/etc/aiws/daemon.config.yaml', env: {}, overrides: {}, baseDir: '/etc/aiws' };

describe('config store slice', () => {
  it('mirrors storeConfigSchema key for key (the config cannot import the store)', () => {
    const { default: _default, properties, ...rest } = configSchema.properties.store;
    const strip = (value: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'description'));
    expect(rest).toEqual({ type: storeConfigSchema.type, additionalProperties: storeConfigSchema.additionalProperties });
    expect(Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, strip(value)]))).toEqual(storeConfigSchema.properties);
  });

  it('defaults to ./workflows with no trusted key and resolves paths against the config file', () => {
    expect(resolveConfig({}, base).store).toEqual({ dir: '/etc/aiws/workflows', trustedKeys: [], watch: true });
    const pem = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n';
    const config = resolveConfig({ store: { dir: '../wf', trustedKeys: ['keys/a.pub.pem', pem], signingKey: 'k.pem', watch: false } }, base);
    expect(config.store).toEqual({ dir: '/etc/wf', trustedKeys: ['/etc/aiws/keys/a.pub.pem', pem], signingKey: '/etc/aiws/k.pem', watch: false });
  });

  it('refuses unknown keys and wrong types under store, naming the path', () => {
    expect(() => resolveConfig({ store: { dir: 7, trusted: [] } }, base)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/store\.trusted: unknown key[\s\S]*store\.dir: must be string/) }));
  });
});
