import { execFile } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createHttpFetch, type HostResolver, type HttpFetchOptions } from '../../../src/capabilities/index.ts';
import { DaemonError } from '../../../src/errors/index.ts';
import { createTestContext, tempDir, type TestContextOptions } from '../../unit/capabilities/support/test-context.ts';
import { startTestServer } from './test-server.ts';

// ::1 too: some hosts resolve localhost to both; the test servers listen on 127.0.0.1 only.
const loopbackOnly: HttpFetchOptions = { allowedCidrs: ['127.0.0.1/32', '::1/128'] };

async function fetchWith(options: HttpFetchOptions, args: Parameters<ReturnType<typeof createHttpFetch>['execute']>[0], context: TestContextOptions = {}) {
  const ctx = await createTestContext(context);
  return { ctx, result: createHttpFetch(options).execute(args, ctx) };
}

describe('http.fetch', () => {
  describe('requests', () => {
    it('sends a GET and returns status, headers and text body', async () => {
      const server = await startTestServer();
      const { result } = await fetchWith(loopbackOnly, { url: `${server.origin}/echo?q=1`, headers: { 'X-Trace': 'abc' } });
      const response = await result;
      expect(response.status).toBe(200);
      expect(response.statusText).toBe('OK');
      expect(response.url).toBe(`${server.origin}/echo?q=1`);
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.headers['x-multi']).toBe('a, b');
      const echoed = JSON.parse(response.body as string) as { method: string; url: string; headers: Record<string, string> };
      expect(echoed).toMatchObject({ method: 'GET', url: '/echo?q=1', headers: { 'x-trace': 'abc', 'user-agent': 'aiws', host: `127.0.0.1:${server.port}` } });
    });

    it('sends a POST body with headers and can decode JSON', async () => {
      const server = await startTestServer();
      const { result } = await fetchWith(loopbackOnly, {
        url: `${server.origin}/echo`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"hello":"wörld"}',
        responseType: 'json',
      });
      const response = await result;
      expect(response.body).toMatchObject({ method: 'POST', body: '{"hello":"wörld"}', headers: { 'content-type': 'application/json', 'content-length': '18' } });
    });

    it('returns base64 bodies and empty HEAD bodies', async () => {
      const server = await startTestServer();
      expect((await (await fetchWith(loopbackOnly, { url: `${server.origin}/text`, responseType: 'base64' })).result).body).toBe(Buffer.from('not json').toString('base64'));
      const head = await (await fetchWith(loopbackOnly, { url: `${server.origin}/echo`, method: 'HEAD' })).result;
      expect(head).toMatchObject({ status: 200, body: '' });
    });

    it('fails with CAPABILITY_HTTP_FAILED on an undecodable JSON body and a refused connection', async () => {
      const server = await startTestServer();
      await expect((await fetchWith(loopbackOnly, { url: `${server.origin}/text`, responseType: 'json' })).result).rejects.toMatchObject({ code: 'CAPABILITY_HTTP_FAILED', message: /not valid JSON/ });
      await expect((await fetchWith(loopbackOnly, { url: 'http://127.0.0.1:1/' })).result).rejects.toMatchObject({ code: 'CAPABILITY_HTTP_FAILED', details: { errno: 'ECONNREFUSED' } });
    });

    it('refuses a body with GET, host-owned headers and header injection', async () => {
      const server = await startTestServer();
      await expect((await fetchWith(loopbackOnly, { url: `${server.origin}/echo`, body: 'x' })).result).rejects.toMatchObject({ code: 'CAPABILITY_INVALID_ARGS' });
      await expect((await fetchWith(loopbackOnly, { url: `${server.origin}/echo`, headers: { Host: 'evil.test' } })).result).rejects.toMatchObject({
        code: 'CAPABILITY_INVALID_ARGS',
        details: { errors: [{ pointer: '/headers/Host' }] },
      });
      await expect((await fetchWith(loopbackOnly, { url: `${server.origin}/echo`, headers: { 'x-a': 'ok\r\nx-injected: 1' } })).result).rejects.toMatchObject({ code: 'CAPABILITY_INVALID_ARGS' });
      expect(server.requests).toHaveLength(0);
    });

    it('refuses a request body over the cap with CAPABILITY_ARGS_TOO_LARGE', async () => {
      const server = await startTestServer();
      const { result } = await fetchWith({ ...loopbackOnly, maxRequestBytes: 10 }, { url: `${server.origin}/echo`, method: 'POST', body: 'x'.repeat(11) });
      await expect(result).rejects.toMatchObject({ code: 'CAPABILITY_ARGS_TOO_LARGE', details: { limitBytes: 10 } });
      expect(server.connections).toBe(0);
    });
  });

  describe('timeouts and caps', () => {
    it('fails with CAPABILITY_TIMEOUT when no response arrives in time', async () => {
      const server = await startTestServer();
      const { result } = await fetchWith({ ...loopbackOnly, timeoutMs: 5000 }, { url: `${server.origin}/slow`, timeoutMs: 150 });
      await expect(result).rejects.toMatchObject({ code: 'CAPABILITY_TIMEOUT', details: { phase: 'total', timeoutMs: 150 } });
    });

    it('fails with CAPABILITY_TIMEOUT when the body stalls', async () => {
      const server = await startTestServer();
      const { result } = await fetchWith({ ...loopbackOnly, timeoutMs: 150 }, { url: `${server.origin}/stall` });
      await expect(result).rejects.toMatchObject({ code: 'CAPABILITY_TIMEOUT' });
    });

    it('fails with CAPABILITY_TIMEOUT in the connect phase when the TLS handshake never completes', async () => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      onTestFinished(async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      });
      const { port } = silent.address() as { port: number };
      const { result } = await fetchWith({ ...loopbackOnly, connectTimeoutMs: 100 }, { url: `https://127.0.0.1:${port}/` });
      await expect(result).rejects.toMatchObject({ code: 'CAPABILITY_TIMEOUT', details: { phase: 'connect', timeoutMs: 100 } });
    });

    it('fails with RUN_CANCELLED when the run is cancelled', async () => {
      const server = await startTestServer();
      const controller = new AbortController();
      const { result } = await fetchWith(loopbackOnly, { url: `${server.origin}/slow` }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(result).rejects.toMatchObject({ code: 'RUN_CANCELLED' });
    });

    it('fails with CAPABILITY_RESULT_TOO_LARGE by content-length and while streaming', async () => {
      const server = await startTestServer();
      const options = { ...loopbackOnly, maxResponseBytes: 5000 };
      expect(((await (await fetchWith(options, { url: `${server.origin}/stream?bytes=5000` })).result).body as string).length).toBe(5000);
      await expect((await fetchWith(options, { url: `${server.origin}/big?bytes=5001` })).result).rejects.toMatchObject({ code: 'CAPABILITY_RESULT_TOO_LARGE', details: { limitBytes: 5000 } });
      await expect((await fetchWith(options, { url: `${server.origin}/stream?bytes=200000` })).result).rejects.toMatchObject({ code: 'CAPABILITY_RESULT_TOO_LARGE' });
    });
  });

  describe('redirects', () => {
    it('follows a redirect after authorizeFollowUp allows it', async () => {
      const server = await startTestServer();
      const { ctx, result } = await fetchWith(loopbackOnly, { url: `${server.origin}/redirect?to=/echo%3Fhop%3D1` });
      const response = await result;
      expect(response.status).toBe(200);
      expect(response.url).toBe(`${server.origin}/echo?hop=1`);
      expect(ctx.followUps).toEqual([{ name: 'http.fetch', args: { url: `${server.origin}/echo?hop=1`, method: 'GET' } }]);
    });

    it('does not fetch the target when authorizeFollowUp rejects, and passes POLICY_DENIED on', async () => {
      const server = await startTestServer();
      const denied = new DaemonError('POLICY_DENIED', 'Call denied by policy: host not in egress allow-list');
      const { result } = await fetchWith(loopbackOnly, { url: `${server.origin}/redirect?to=/echo` }, { authorizeFollowUp: async () => Promise.reject(denied) });
      await expect(result).rejects.toBe(denied);
      expect(server.requests.map((r) => r.url)).toEqual(['/redirect?to=/echo']);
    });

    it('turns a POST into a GET without body on 303 and keeps it on 307', async () => {
      const server = await startTestServer();
      const see = await (await fetchWith(loopbackOnly, { url: `${server.origin}/redirect?status=303&to=/echo`, method: 'POST', body: 'data', headers: { 'content-type': 'text/plain' }, responseType: 'json' })).result;
      expect(see.body).toMatchObject({ method: 'GET', body: '' });
      expect((see.body as { headers: Record<string, string> }).headers['content-type']).toBeUndefined();
      const keep = await (await fetchWith(loopbackOnly, { url: `${server.origin}/redirect?status=307&to=/echo`, method: 'POST', body: 'data', responseType: 'json' })).result;
      expect(keep.body).toMatchObject({ method: 'POST', body: 'data' });
    });

    it('drops credentials and custom headers on a cross-origin redirect', async () => {
      const server = await startTestServer();
      const target = `http://localhost:${server.port}/echo`;
      const { result } = await fetchWith(loopbackOnly, {
        url: `${server.origin}/redirect?to=${encodeURIComponent(target)}`,
        headers: { authorization: 'Bearer t0ken', 'x-api-key': 'k3y', accept: 'application/json' },
        responseType: 'json',
      });
      const echoed = (await result).body as { headers: Record<string, string> };
      expect(echoed.headers.authorization).toBeUndefined();
      expect(echoed.headers['x-api-key']).toBeUndefined();
      expect(echoed.headers.accept).toBe('application/json');
      expect(server.requests[0]?.headers.authorization).toBe('Bearer t0ken');
    });

    it('refuses a redirect to a forbidden address even when the policy allows it', async () => {
      const server = await startTestServer();
      const { ctx, result } = await fetchWith(loopbackOnly, { url: `${server.origin}/redirect?to=http://169.254.169.254/latest/meta-data/` });
      await expect(result).rejects.toMatchObject({ code: 'CAPABILITY_NETWORK_DENIED', details: { category: 'link-local' } });
      expect(ctx.followUps).toHaveLength(1);
    });

    it('refuses a redirect to another scheme', async () => {
      const server = await startTestServer();
      const { ctx, result } = await fetchWith(loopbackOnly, { url: `${server.origin}/redirect?to=file:///etc/passwd` });
      await expect(result).rejects.toMatchObject({ code: 'CAPABILITY_NETWORK_DENIED', details: { reason: 'scheme' } });
      expect(ctx.followUps).toHaveLength(0);
    });

    it('gives up after maxRedirects', async () => {
      const server = await startTestServer();
      const { result } = await fetchWith({ ...loopbackOnly, maxRedirects: 2 }, { url: `${server.origin}/loop` });
      await expect(result).rejects.toMatchObject({ code: 'CAPABILITY_HTTP_FAILED', message: /more than 2 redirects/ });
      expect(server.requests).toHaveLength(3);
    });
  });

  describe('SSRF protection', () => {
    it.each([
      ['http://10.0.0.1/', 'private'],
      ['http://169.254.169.254/latest/meta-data/', 'link-local'],
      ['http://[::1]:8080/', 'loopback'],
      ['http://[::ffff:127.0.0.1]/', 'loopback'],
      ['http://[fd00::1]/', 'private'],
      ['http://2130706433/', 'loopback'],
      ['http://0177.0.0.1/', 'loopback'],
      ['http://0x7f.1/', 'loopback'],
      ['http://0.0.0.0/', 'unspecified'],
      ['http://100.64.1.1/', 'shared'],
      ['http://224.0.0.251/', 'multicast'],
    ])('refuses %s before connecting', async (url, category) => {
      const { result } = await fetchWith({}, { url });
      await expect(result).rejects.toMatchObject({ code: 'CAPABILITY_NETWORK_DENIED', details: { category } });
    });

    it('refuses 127.0.0.1 when loopback is not allowed, without any connection', async () => {
      const server = await startTestServer();
      const { result } = await fetchWith({}, { url: `${server.origin}/echo` });
      await expect(result).rejects.toMatchObject({ code: 'CAPABILITY_NETWORK_DENIED', message: `Cannot fetch "${server.origin}/echo": address 127.0.0.1 is loopback` });
      expect(server.connections).toBe(0);
    });

    it('refuses a name that resolves to loopback, without any connection', async () => {
      const server = await startTestServer();
      const { result } = await fetchWith({}, { url: `http://localhost:${server.port}/echo` });
      await expect(result).rejects.toMatchObject({ code: 'CAPABILITY_NETWORK_DENIED', details: { host: 'localhost', category: 'loopback' } });
      expect(server.connections).toBe(0);
    });

    it('refuses a name when any one of its addresses is forbidden', async () => {
      const server = await startTestServer();
      const resolveHost: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }, { address: '10.1.2.3', family: 4 }];
      const { result } = await fetchWith({ ...loopbackOnly, resolveHost }, { url: `http://mixed.test:${server.port}/echo` });
      await expect(result).rejects.toMatchObject({ code: 'CAPABILITY_NETWORK_DENIED', details: { address: '10.1.2.3' } });
      expect(server.connections).toBe(0);
    });

    it('connects to the checked address, leaving no room for DNS rebinding', async () => {
      const server = await startTestServer();
      let lookups = 0;
      // A rebinding resolver: the first answer passes the check, later ones point elsewhere.
      const resolveHost: HostResolver = async () => [{ address: lookups++ === 0 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
      const { result } = await fetchWith({ allowedCidrs: ['127.0.0.0/8'], resolveHost }, { url: `http://rebind.test:${server.port}/echo`, responseType: 'json' });
      const response = await result;
      expect(response.status).toBe(200);
      expect((response.body as { headers: Record<string, string> }).headers.host).toBe(`rebind.test:${server.port}`);
      expect(lookups).toBe(1);
    });

    it('reaches private addresses only when the operator allows private networks', async () => {
      const server = await startTestServer();
      const response = await (await fetchWith({ allowPrivateNetworks: true }, { url: `${server.origin}/text` })).result;
      expect(response.body).toBe('not json');
      await expect((await fetchWith({ allowPrivateNetworks: true }, { url: `http://0.0.0.0:${server.port}/text` })).result).rejects.toMatchObject({ code: 'CAPABILITY_NETWORK_DENIED' });
      expect(server.connections).toBe(1);
    });

    it('fails with CAPABILITY_HTTP_FAILED when the name does not resolve', async () => {
      const resolveHost: HostResolver = async () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' }));
      await expect((await fetchWith({ resolveHost }, { url: 'https://nowhere.test/' })).result).rejects.toMatchObject({
        code: 'CAPABILITY_HTTP_FAILED',
        message: 'Cannot fetch "https://nowhere.test/": host "nowhere.test" does not resolve',
      });
    });

    it('refuses other schemes and credentials in the URL', async () => {
      await expect((await fetchWith({}, { url: 'ftp://example.com/' })).result).rejects.toMatchObject({ code: 'CAPABILITY_NETWORK_DENIED', details: { reason: 'scheme' } });
      await expect((await fetchWith({}, { url: 'http://user:pw@example.com/' })).result).rejects.toMatchObject({ code: 'CAPABILITY_NETWORK_DENIED', details: { reason: 'credentials' } });
      await expect((await fetchWith({}, { url: 'not a url' })).result).rejects.toMatchObject({ code: 'CAPABILITY_INVALID_ARGS', details: { errors: [{ pointer: '/url' }] } });
    });
  });

  describe('https', () => {
    async function selfSignedLocalhost(): Promise<{ key: string; cert: string }> {
      const dir = await tempDir();
      await promisify(execFile)('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ]);
      return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
    }

    it('verifies the certificate against the URL host while connecting to the checked address', async () => {
      const tls = await selfSignedLocalhost();
      const server = await startTestServer({ tls });
      const options = { ...loopbackOnly, ca: [tls.cert] };
      const ok = await (await fetchWith(options, { url: `https://localhost:${server.port}/json`, responseType: 'json' })).result;
      expect(ok.body).toEqual({ ok: true, n: [1, 2] });
      // Same server, same address, but the name does not match the certificate.
      await expect((await fetchWith(options, { url: `https://127.0.0.1:${server.port}/json` })).result).rejects.toMatchObject({ code: 'CAPABILITY_HTTP_FAILED' });
      // Without the CA the certificate is not trusted.
      await expect((await fetchWith(loopbackOnly, { url: `https://localhost:${server.port}/json` })).result).rejects.toMatchObject({ code: 'CAPABILITY_HTTP_FAILED' });
    });
  });
});
