// `aiws policy check|eval|build`, spawned as a real process; the bundle is untarred and its
// policy.wasm loaded with the unmodified opa-wasm SDK.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { extract } from 'tar';
import { describe, expect, it, onTestFinished } from 'vitest';
import { jsBuiltinTable } from '../../../src/rego/index.ts';
import { wrapJsBuiltins } from '../../../src/rego/wasm/index.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../../bin/aiws.js', import.meta.url));

async function aiws(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, 'policy', ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function policyDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aiws-policy-cli-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'authz'));
  await writeFile(join(dir, 'authz', 'authz.rego'), [
    'package authz',
    'default allow := false',
    'allow if input.user in data.authz.admins',
    'reasons contains msg if { not allow; msg := concat(" ", ["denied:", input.user]) }',
  ].join('\n'));
  await writeFile(join(dir, 'authz', 'data.json'), JSON.stringify({ admins: ['alice'] }));
  return dir;
}

describe('aiws policy', () => {
  describe('check', () => {
    it('accepts a valid policy directory', async () => {
      const dir = await policyDir();
      const r = await aiws(['check', dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('1 module checked');
    });

    it('prints diagnostics with a caret and exits 1', async () => {
      const dir = await policyDir();
      await writeFile(join(dir, 'bad.rego'), 'package bad\np if {\n  x > 1\n}\n');
      const r = await aiws(['check', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/bad\.rego:3:\d+/);
      expect(r.stderr).toContain('^');
    });
  });

  describe('eval', () => {
    it('prints the result like opa eval -f json', async () => {
      const dir = await policyDir();
      const input = join(dir, 'input.json');
      await writeFile(input, JSON.stringify({ user: 'bob' }));
      const r = await aiws(['eval', '-d', dir, '-i', input, 'data.authz.allow; r := data.authz.reasons']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({
        result: [{
          expressions: [
            { value: false, text: 'data.authz.allow', location: { row: 1, col: 1 } },
            { value: true, text: 'r := data.authz.reasons', location: { row: 1, col: 19 } },
          ],
          bindings: { r: ['denied: bob'] },
        }],
      });
    });

    it('prints {} when the query is undefined', async () => {
      const dir = await policyDir();
      const r = await aiws(['eval', '-d', dir, 'data.authz.nothing']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({});
    });
  });

  describe('build', () => {
    it('writes an OPA bundle whose policy.wasm the SDK loads', async () => {
      const dir = await policyDir();
      const out = join(dir, 'bundle.tar.gz');
      const r = await aiws(['build', dir, '-e', 'authz/allow', '-e', 'authz/reasons', '-o', out]);
      expect(r.code).toBe(0);
      const unpacked = join(dir, 'unpacked');
      await mkdir(unpacked);
      await extract({ file: out, cwd: unpacked });
      const manifest = JSON.parse(await readFile(join(unpacked, '.manifest'), 'utf8'));
      expect(manifest.wasm).toEqual([{ entrypoint: 'authz/allow', module: '/policy.wasm' }, { entrypoint: 'authz/reasons', module: '/policy.wasm' }]);
      const data = JSON.parse(await readFile(join(unpacked, 'data.json'), 'utf8'));
      expect(data).toEqual({ authz: { admins: ['alice'] } });
      const policy = await loadPolicy(await readFile(join(unpacked, 'policy.wasm')), undefined, wrapJsBuiltins(jsBuiltinTable()));
      policy.setData(data);
      expect(policy.evaluate({ user: 'alice' }, 'authz/allow')).toEqual([{ result: true }]);
      expect(policy.evaluate({ user: 'eve' }, 'authz/reasons')).toEqual([{ result: ['denied: eve'] }]);
    });

    it('refuses an entrypoint that is not a rule path', async () => {
      const dir = await policyDir();
      const r = await aiws(['build', dir, '-e', 'data.authz.allow', '-o', join(dir, 'b.tar.gz')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('invalid entrypoint');
    });
  });
});
