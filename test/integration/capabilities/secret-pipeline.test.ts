/**
 * The broker's path for a secret-carrying call, minus the policy gate: registry lookup → ajv
 * validation (references in place) → substitution → execute → redaction of what flows back.
 */
import { describe, expect, it } from 'vitest';
import { createBuiltinCapabilities, createCapabilityRegistry, createSecretStore, findSecretRefs, KvStore, substituteSecrets, type CapabilityContext } from '../../../src/capabilities/index.ts';
import { captureLogger, createTestContext, tempDir } from '../../unit/capabilities/support/test-context.ts';
import { startTestServer } from './test-server.ts';

const secretValue = 'sk-live-9f8e7d6c5b4a';
// V8 quotes at most 10 characters of unparsable JSON; 'pin' is short enough to appear whole.
const pinValue = 'Zq9xWv3k';
const secrets = createSecretStore({ 'billing-api': secretValue, pin: pinValue, 'bad-header': 'line\r\nx-injected: yes' });

/** What the broker does once the policy allowed the call. */
async function callAllowed(registry: ReturnType<typeof createCapabilityRegistry>, name: string, guestArgs: unknown, ctx: CapabilityContext) {
  const capability = registry.get(name);
  const valid = registry.validateArgs(name, guestArgs);
  const { args, redactor } = substituteSecrets(capability, valid, { secrets });
  try {
    return redactor.redact(await capability.execute(args, ctx));
  } catch (error) {
    throw redactor.redactError(error);
  }
}

describe('secret references through http.fetch', () => {
  it('sends the value to the server while args, logs and the result keep only the reference', async () => {
    const server = await startTestServer();
    const registry = createCapabilityRegistry(createBuiltinCapabilities({ http: { allowedCidrs: ['127.0.0.1/32'] } }));
    const { logger, lines } = captureLogger();
    const ctx = await createTestContext({ logger });
    const guestArgs = { url: `${server.origin}/echo`, method: 'POST', headers: { authorization: { $secret: 'billing-api' } }, body: 'payload' };
    const eventView = JSON.stringify(guestArgs);

    expect(findSecretRefs(registry.get('http.fetch'), guestArgs)).toEqual([{ pointer: '/headers/authorization', name: 'billing-api' }]);
    const result = (await callAllowed(registry, 'http.fetch', guestArgs, ctx)) as { status: number; body: string };

    expect(server.requests[0]?.headers.authorization).toBe(secretValue);
    expect(result.status).toBe(200);
    // The echo server reflected the header; the guest sees the reference marker instead.
    expect(result.body).toContain('"authorization":"[secret:billing-api]"');
    expect(JSON.stringify(result)).not.toContain(secretValue);
    expect(JSON.stringify(guestArgs)).toBe(eventView);
    expect(eventView).not.toContain(secretValue);
    expect(lines.some((line) => line.includes('http fetch completed'))).toBe(true);
    expect(lines.join('\n')).not.toContain(secretValue);
  });

  it('keeps the value out of error messages', async () => {
    const server = await startTestServer();
    const registry = createCapabilityRegistry(createBuiltinCapabilities({ http: { allowedCidrs: ['127.0.0.1/32'] } }));
    const ctx = await createTestContext();
    const badHeader = await callAllowed(registry, 'http.fetch', { url: `${server.origin}/echo`, headers: { 'x-key': { $secret: 'bad-header' } } }, ctx).catch((e: unknown) => e);
    expect(badHeader).toMatchObject({ code: 'CAPABILITY_INVALID_ARGS', message: 'Invalid arguments for capability "http.fetch": /headers/x-key contains a character not allowed in a header value' });
    expect(JSON.stringify(badHeader) + String(badHeader)).not.toContain('x-injected');

    // JSON.parse quotes the text it failed on, here the reflected secret: the cause must be scrubbed.
    const reflectArgs = { url: `${server.origin}/reflect`, headers: { authorization: { $secret: 'pin' } }, responseType: 'json' };
    const raw = await registry.get('http.fetch').execute(substituteSecrets(registry.get('http.fetch'), reflectArgs, { secrets }).args, ctx).catch((e: unknown) => e);
    expect(String((raw as Error).cause)).toContain(pinValue);
    const undecodable = await callAllowed(registry, 'http.fetch', reflectArgs, ctx).catch((e: unknown) => e);
    expect(undecodable).toMatchObject({ code: 'CAPABILITY_HTTP_FAILED' });
    const cause = (undecodable as Error).cause as Error;
    expect(JSON.stringify(undecodable) + String(undecodable) + cause.message + String(cause.stack)).not.toContain(pinValue);
    expect(cause.message).toContain('[secret:pin]');

    const missing = await callAllowed(registry, 'http.fetch', { url: `${server.origin}/echo`, headers: { a: { $secret: 'nope' } } }, ctx).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'SECRET_NOT_FOUND' });
    expect(server.requests.map((r) => r.url)).toEqual(['/reflect', '/reflect']);
  });

  it('rejects a reference where the schema allows none (the URL) before anything runs', async () => {
    const registry = createCapabilityRegistry(createBuiltinCapabilities());
    const ctx = await createTestContext();
    await expect(callAllowed(registry, 'http.fetch', { url: { $secret: 'billing-api' } }, ctx)).rejects.toMatchObject({
      code: 'CAPABILITY_INVALID_ARGS',
      details: { errors: [{ pointer: '/url' }] },
    });
  });

  it('stores a reference in kv as plain data, never the value', async () => {
    await using kv = new KvStore({ dataDir: await tempDir() });
    const registry = createCapabilityRegistry(createBuiltinCapabilities({ kv }));
    const ctx = await createTestContext();
    await callAllowed(registry, 'kv.put', { key: 'k', value: { $secret: 'billing-api' } }, ctx);
    expect(await callAllowed(registry, 'kv.get', { key: 'k' }, ctx)).toEqual({ found: true, value: { $secret: 'billing-api' } });
  });
});
