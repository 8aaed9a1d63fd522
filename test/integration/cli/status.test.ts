// `aiws status`, and the client commands' token handling, against a real daemon that requires a token.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type StartedDaemon } from '../../helpers/daemon.ts';
import { runCli } from '../../helpers/run-cli.ts';

const token = 'cli-test-token-0123456789';
const hello = fileURLToPath(new URL('../../../examples/hello.js', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

let daemon: StartedDaemon;

beforeAll(async () => {
  daemon = await startDaemon({
    config: {
      auth: { tokens: [{ sha256: createHash('sha256').update(token).digest('hex'), principal: 'cli', scopes: ['runs:start', 'runs:adhoc', 'runs:read', 'admin'] }] },
    },
  });
});

afterAll(async () => {
  await daemon?.[Symbol.asyncDispose]();
});

describe('aiws status', () => {
  it('prints daemon.status as JSON with --json', async () => {
    const run = await runCli(['run', hello, '--url', daemon.url, '--token', token]);
    expect(run.code).toBe(0);
    const result = await runCli(['status', '--json', '--url', daemon.url, '--token', token]);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as { version: string; uptimeMs: number; runs: Record<string, number>; pool: Record<string, unknown> };
    expect(status.version).toBe(version);
    expect(status.uptimeMs).toBeGreaterThan(0);
    expect(status.runs.completed).toBeGreaterThanOrEqual(1);
    expect(status.pool).toBeTypeOf('object');
  });

  it('prints aligned key/value lines without --json, taking the token from AIWS_TOKEN', async () => {
    const result = await runCli(['status', '--url', daemon.url], { env: { AIWS_TOKEN: token } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`daemon       ${daemon.url} (aiws ${version})`);
    expect(result.stdout).toMatch(/^state +running$/m);
    expect(result.stdout).toMatch(/^runs +.*completed \d+/m);
    expect(result.stdout).toMatch(/^pool +\S/m);
  });

  it('exits 1 and points at the token when the daemon refuses it', async () => {
    const missing = await runCli(['status', '--url', daemon.url]);
    expect(missing.code).toBe(1);
    // Without a token the upgrade succeeds (browsers authenticate in-band) and the call is refused.
    expect(missing.stderr).toMatch(/^aiws status: .*\(AUTH_REQUIRED\) \(check --token or AIWS_TOKEN\)\n$/);
    const wrong = await runCli(['run', hello, '--url', daemon.url, '--token', 'not-the-token']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^aiws run: cannot connect to aiws daemon at .*: HTTP 401.*\(check --token or AIWS_TOKEN\)\n$/);
  });

  it('exits 2 for an unexpected argument', async () => {
    const result = await runCli(['status', 'extra']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('aiws status: unexpected argument "extra"');
  });
});
