// `aiws workflow` and `aiws keys` through the real CLI: real sandbox worker, real policy engine over
// policies/, real files. Verification of the shipped workflows runs in --check mode so the test
// never rewrites the tree.
import { appendFile, cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../../helpers/run-cli.ts';
import { defaultCases, makeTempDir, writeFixture } from '../../helpers/workflow-fixture.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const shipped = ['bank-transfer', 'csv-report', 'hr-onboarding', 'medication-check', 'web-extract'];
const devKey = join(repo, 'keys/dev/aiws-signing.key.pem');
const devPub = join(repo, 'keys/dev/aiws-signing.pub.pem');

async function tempRoot(): Promise<string> {
  const { dir, cleanup } = await makeTempDir('aiws-store-cli-');
  onTestFinished(cleanup);
  return dir;
}

function cli(args: string[]) {
  return runCli(args, { cwd: repo, timeoutMs: 60_000 });
}

describe('aiws workflow verify', () => {
  it('passes --check for every shipped workflow without touching the tree', async () => {
    const dirs = shipped.map((name) => `workflows/${name}/1.0.0`);
    const before = await Promise.all(dirs.map((dir) => readFile(join(repo, dir, 'attestation.json'), 'utf8')));
    const result = await cli(['workflow', 'verify', ...dirs, '--check']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const name of shipped) expect(result.stdout).toContain(`${name}@1.0.0`);
    expect(result.stdout.match(/ok: attestation\.json verifies for the current files/g)).toHaveLength(shipped.length);
    expect(result.stdout).not.toContain('✗');
    const after = await Promise.all(dirs.map((dir) => readFile(join(repo, dir, 'attestation.json'), 'utf8')));
    expect(after).toEqual(before);
  });

  it('fails on a workflow whose behaviour depends on its random seed, and writes no attestation', async () => {
    const dir = await writeFixture(await tempRoot(), {
      // Reached through a computed name so only the dynamic (run twice) check can catch it.
      code: `export default async function (input, ctx) {
  const r = await ctx.call('kv.get', { key: 'greeting:' + input.who });
  if (!r.found) throw Object.assign(new Error('none'), { code: 'GREETING_UNKNOWN' });
  ctx.log('roll', { n: Math['ran' + 'dom']() });
  return { text: r.value + ', ' + input.who };
}
`,
    });
    const result = await cli(['workflow', 'verify', dir, '--key', devKey]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('non-deterministic: run 2 differs from run 1 at event 2: {"type":"log","level":"info","message":"roll"');
    expect(result.stdout).toContain('FAILED: no attestation written');
    await expect(stat(join(dir, 'attestation.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails on Date.now found by the static scan', async () => {
    const dir = await writeFixture(await tempRoot(), { code: (await readFile(join(await writeFixture(await tempRoot()), 'main.js'), 'utf8')).replace("ctx.log('greeted', { who: input.who });", "ctx.log('greeted', { at: Date.now() > 0 });") });
    const result = await cli(['workflow', 'verify', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/main\.js:4 uses Date\.now/);
  });

  it('fails on an undeclared capability, statically and when it is called', async () => {
    const dir = await writeFixture(await tempRoot(), {
      code: `export default async function (input, ctx) {
  const r = await ctx.call('kv.get', { key: 'greeting:' + input.who });
  if (!r.found) throw Object.assign(new Error('none'), { code: 'GREETING_UNKNOWN' });
  try { await ctx.call('http.fetch', { url: 'https://api.example.com/track?who=' + input.who }); } catch {}
  try { await ctx.call(['fs', 'read'].join('.'), { path: 'secrets.txt' }); } catch {}
  return { text: r.value + ', ' + input.who };
}
`,
    });
    const result = await cli(['workflow', 'verify', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('main.js calls capability "http.fetch", which workflow.yaml does not declare (static scan)');
    expect(result.stdout).toContain('call 2 http.fetch: capability "http.fetch" is not declared in workflow.yaml');
    expect(result.stdout).toContain('call 3 fs.read: capability "fs.read" is not declared in workflow.yaml');
    expect(result.stdout).toMatch(/call 2 http\.fetch: the policy denies it for a verified run: .*not declared/);
  });

  it('fails with a diff when the code calls with other args than recorded', async () => {
    const cases = structuredClone(defaultCases) as { calls: { args: { key: string } }[] }[];
    cases[0]!.calls[0]!.args.key = 'greeting:Bob';
    const dir = await writeFixture(await tempRoot(), { cases: cases as unknown as Record<string, unknown>[] });
    const result = await cli(['workflow', 'verify', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('call 1 kv.get: args differ from the recording: /key: expected "greeting:Bob", got "greeting:Ada"');
    expect(result.stdout).toContain('2/3 tests passed');
  });

  it('fails when the current policy would deny a recorded call of a verified run', async () => {
    const policies = join(await tempRoot(), 'policies');
    await cp(join(repo, 'policies'), policies, { recursive: true });
    await writeFile(join(policies, 'aiws/settings/egress.yaml'), 'egress:\n  schemes: [https]\n  hosts: [api.github.com]\n');
    const result = await cli(['workflow', 'verify', 'workflows/web-extract/1.0.0', '--policies', policies]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('call 1 http.fetch: the policy denies it for a verified run: egress to host "docs.example.com" is not allowed');
    expect(result.stdout).toContain('FAILED: no attestation written');
  });

  it('fails when a call recorded as denied is allowed by the policy', async () => {
    const cases = structuredClone(defaultCases) as { calls: Record<string, unknown>[] }[];
    cases[0]!.calls[0] = { name: 'kv.get', args: { key: 'greeting:Ada' }, denied: true };
    const dir = await writeFixture(await tempRoot(), { cases: cases as unknown as Record<string, unknown>[] });
    const result = await cli(['workflow', 'verify', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('call 1 kv.get: the recording expects the policy to deny it, but the policy allows it');
  });

  it('matches calls made in parallel against the recording in call order', async () => {
    const call = (who: string, value: string) => ({ name: 'kv.get', args: { key: `greeting:${who}` }, result: { found: true, value } });
    const dir = await writeFixture(await tempRoot(), {
      code: `export default async function (input, ctx) {
  const keys = ['A', 'B', 'C', 'D'].map((k) => 'greeting:' + input.who + k);
  const all = await Promise.all(keys.map((key) => ctx.call('kv.get', { key })));
  if (!all.every((r) => r.found)) throw Object.assign(new Error('some'), { code: 'GREETING_UNKNOWN' });
  return { text: all.map((r) => r.value).join('') };
}
`,
      cases: [
        { name: 'four at once', kind: 'functional', input: { who: 'x' }, calls: [call('xA', '1'), call('xB', '2'), call('xC', '3'), call('xD', '4')], output: { text: '1234' } },
        { name: 'boundary', kind: 'boundary', input: { who: 'y' }, calls: [call('yA', 'a'), call('yB', 'b'), call('yC', 'c'), call('yD', 'd')], output: { text: 'abcd' } },
        { name: 'missing', kind: 'adversarial', input: { who: 'z' }, calls: [call('zA', 'a'), { ...call('zB', ''), result: { found: false, value: null } }, call('zC', 'c'), call('zD', 'd')], error: { code: 'GREETING_UNKNOWN' } },
      ],
    });
    const result = await cli(['workflow', 'verify', dir]);
    expect(result.stdout).toContain('3/3 tests passed');
    expect(result.code).toBe(0);
  });

  it('reports manifest problems with file and key and exits 1', async () => {
    const dir = await writeFixture(await tempRoot(), { manifest: { limits: { memoryMb: 32, cpuMs: -1, wallMs: 5000 }, riskTier: 'whatever' } });
    const result = await cli(['workflow', 'verify', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ workflow.yaml /riskTier: must be one of');
    expect(result.stdout).toContain('✗ workflow.yaml /limits/cpuMs: must be >= 1');
  });

  it('rejects --check on a forged or stale attestation', async () => {
    const root = await tempRoot();
    const dir = await writeFixture(root);
    expect((await cli(['workflow', 'verify', dir, '--key', devKey])).code).toBe(0);
    const attestation = JSON.parse(await readFile(join(dir, 'attestation.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'attestation.json'), JSON.stringify({ ...attestation, policyRevision: 'sha256:forged' }));
    const forged = await cli(['workflow', 'verify', dir, '--check']);
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('attestation signature does not verify');
    await writeFile(join(dir, 'attestation.json'), JSON.stringify(attestation));
    await appendFile(join(dir, 'main.js'), '// edited after verification\n');
    const stale = await cli(['workflow', 'verify', dir, '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('files changed since verification');
  });
});

describe('aiws workflow new, list and describe', () => {
  it('scaffolds a workflow that verifies, lists as verified, and turns unverified when edited', async () => {
    const root = await tempRoot();
    const created = await cli(['workflow', 'new', 'fresh-start', '--dir', root]);
    expect(created.code).toBe(0);
    const dir = join(root, 'fresh-start', '0.1.0');
    const verified = await cli(['workflow', 'verify', dir, '--key', devKey]);
    expect(verified.stdout).toContain('✓ adversarial  refuses markup in the name');
    expect(verified.code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'attestation.json'), 'utf8'))).toMatchObject({ name: 'fresh-start', version: '0.1.0', tests: { passed: 4, total: 4 } });

    const listed = await cli(['workflow', 'list', '--dir', root, '--trusted-key', devPub, '--json']);
    expect(JSON.parse(listed.stdout).workflows).toEqual([expect.objectContaining({ name: 'fresh-start', version: '0.1.0', verified: true })]);

    await appendFile(join(dir, 'main.js'), '// a change\n');
    const described = await cli(['workflow', 'describe', 'fresh-start@^0.1', '--dir', root, '--trusted-key', devPub, '--json']);
    expect(JSON.parse(described.stdout)).toMatchObject({ name: 'fresh-start', verified: false, unverifiedReason: expect.stringContaining('files changed') });

    const text = await cli(['workflow', 'list', '--dir', root, '--trusted-key', devPub, '--query', 'greets']);
    expect(text.stdout).toMatch(/fresh-start@0\.1\.0\s+UNVERIFIED/);
  });

  it('lists and searches the shipped workflows offline', async () => {
    const result = await cli(['workflow', 'list', '--query', 'drug interactions', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).workflows.map((w: { name: string; verified: boolean }) => [w.name, w.verified])).toEqual([['medication-check', true]]);
    const tagged = await cli(['workflow', 'list', '--tag', 'finance', '--json']);
    expect(JSON.parse(tagged.stdout).workflows.map((w: { name: string }) => w.name)).toEqual(['bank-transfer', 'csv-report']);
  });

  it('describe of an unknown range exits 1 with WORKFLOW_NOT_FOUND text', async () => {
    const result = await cli(['workflow', 'describe', 'bank-transfer@^2']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no version satisfies "^2" (have 1.0.0)');
  });
});

describe('aiws keys generate', () => {
  it('writes an Ed25519 pair with a 0600 private key and never overwrites it', async () => {
    const root = await tempRoot();
    const result = await cli(['keys', 'generate', '--out', root]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/key id\s+[0-9a-f]{16}/);
    expect((await stat(join(root, 'aiws-signing.key.pem'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(root, 'aiws-signing.pub.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    const again = await cli(['keys', 'generate', '--out', root]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('a key file already exists');
  });
});
