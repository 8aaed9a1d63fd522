import { generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { assertValidInput, assertValidOutput, computeContentDigest, openWorkflowStore, policyWorkflowOf, keyIdOf, signAttestation, WorkflowStore, writeAttestation, type TrustedKey } from '../../../src/store/index.ts';
import { makeTempDir, writeFixture, type FixtureOptions } from '../../helpers/workflow-fixture.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const trusted: TrustedKey = { keyId: keyIdOf(publicKey), publicKey };

async function attest(dir: string, name: string, version: string): Promise<void> {
  const digest = await computeContentDigest(dir);
  await writeAttestation(dir, signAttestation({ name, version, digest, policyRevision: 'sha256:test', tests: { passed: 3, total: 3 }, time: '2026-01-01T00:00:00.000Z' }, privateKey));
}

async function storeWith(fixtures: readonly (FixtureOptions & { verified?: boolean })[], options: { watch?: boolean } = {}): Promise<{ root: string; store: WorkflowStore }> {
  const { dir: root, cleanup } = await makeTempDir();
  onTestFinished(cleanup);
  for (const fixture of fixtures) {
    const dir = await writeFixture(root, fixture);
    if (fixture.verified === true) await attest(dir, fixture.name ?? 'greeter', fixture.version ?? '1.0.0');
  }
  const store = await WorkflowStore.open({ dir: root, trustedKeys: [trusted], watch: options.watch ?? false, debounceMs: 20 });
  onTestFinished(() => store.close());
  return { root, store };
}

describe('WorkflowStore', () => {
  describe('#resolve', () => {
    it('picks the highest version satisfying the range', async () => {
      const { store } = await storeWith([{ version: '1.0.0' }, { version: '1.2.0' }, { version: '2.0.0' }, { version: '2.1.0-beta.1' }]);
      expect(store.resolve('greeter@^1').version).toBe('1.2.0');
      expect(store.resolve('greeter@~1.0').version).toBe('1.0.0');
      expect(store.resolve('greeter').version).toBe('2.0.0');
      expect(store.resolve('greeter@>=2.1.0-beta.0').version).toBe('2.1.0-beta.1');
      expect(store.resolve('greeter@1.2.0').version).toBe('1.2.0');
    });

    it('fails with WORKFLOW_NOT_FOUND for an unknown name, an unmatched range and a bad range', async () => {
      const { store } = await storeWith([{ version: '1.0.0' }]);
      expect(() => store.resolve('nope@1')).toThrow(expect.objectContaining({ code: 'WORKFLOW_NOT_FOUND' }));
      expect(() => store.resolve('greeter@^2')).toThrow(expect.objectContaining({ code: 'WORKFLOW_NOT_FOUND', message: expect.stringContaining('have 1.0.0') }));
      expect(() => store.resolve('greeter@not a range!')).toThrow(expect.objectContaining({ code: 'WORKFLOW_NOT_FOUND' }));
    });
  });

  describe('#list', () => {
    it('searches name, description and tags, and filters by tags and verification', async () => {
      const { store } = await storeWith([
        { name: 'bank-transfer', description: 'Moves money between accounts', tags: ['finance'], verified: true },
        { name: 'web-extract', description: 'Extracts links from a page', tags: ['web'] },
        { name: 'csv-report', description: 'Sums CSV files', tags: ['finance', 'files'], verified: true },
      ]);
      expect(store.list().map((w) => w.name)).toEqual(['bank-transfer', 'csv-report', 'web-extract']);
      expect(store.list({ query: 'MONEY' }).map((w) => w.name)).toEqual(['bank-transfer']);
      expect(store.list({ query: 'finance sums' }).map((w) => w.name)).toEqual(['csv-report']);
      expect(store.list({ query: 'extract' }).map((w) => w.name)).toEqual(['web-extract']);
      expect(store.list({ tags: ['finance', 'files'] }).map((w) => w.name)).toEqual(['csv-report']);
      expect(store.list({ verified: false }).map((w) => w.name)).toEqual(['web-extract']);
      expect(store.list({ verified: true }).map((w) => [w.name, w.verified])).toEqual([['bank-transfer', true], ['csv-report', true]]);
      expect(store.list({ query: 'nothing-like-this' })).toEqual([]);
    });

    it('lists every version with its status, the highest matching the filter first', async () => {
      const { store } = await storeWith([{ version: '1.0.0', verified: true }, { version: '1.1.0' }]);
      const [greeter] = store.list();
      expect(greeter?.version).toBe('1.1.0');
      expect(greeter?.versions).toEqual([{ version: '1.1.0', verified: false }, { version: '1.0.0', verified: true }]);
      expect(store.list({ verified: true })[0]?.version).toBe('1.0.0');
    });
  });

  describe('#describe', () => {
    it('returns the manifest with schemas, the digest and every version', async () => {
      const { store } = await storeWith([{ version: '1.0.0', verified: true }, { version: '1.1.0' }]);
      const described = store.describe('greeter@^1');
      expect(described.version).toBe('1.1.0');
      expect(described.verified).toBe(false);
      expect(described.unverifiedReason).toBe('no attestation.json');
      expect(described.manifest.input).toMatchObject({ required: ['who'] });
      expect(described.versions.map((v) => [v.version, v.verified])).toEqual([['1.1.0', false], ['1.0.0', true]]);
      expect(store.describe('greeter@1.0.0').attestation?.verifier).toBe(trusted.keyId);
    });
  });

  describe('verification status', () => {
    it('turns a workflow edited after verification unverified', async () => {
      const { root, store } = await storeWith([{ verified: true }]);
      expect(store.resolve('greeter').verified).toBe(true);
      await appendFile(join(root, 'greeter', '1.0.0', 'main.js'), '\n// edited\n');
      await store.refresh();
      const version = store.resolve('greeter');
      expect(version.verified).toBe(false);
      expect(version.unverifiedReason).toMatch(/^files changed since verification/);
    });

    it('does not trust an attestation by a key outside trustedKeys', async () => {
      const { dir: root, cleanup } = await makeTempDir();
      onTestFinished(cleanup);
      const dir = await writeFixture(root);
      await attest(dir, 'greeter', '1.0.0');
      const other = generateKeyPairSync('ed25519').publicKey;
      await using store = await WorkflowStore.open({ dir: root, trustedKeys: [{ keyId: keyIdOf(other), publicKey: other }], watch: false });
      expect(store.resolve('greeter').verified).toBe(false);
      expect(store.resolve('greeter').unverifiedReason).toContain('not trusted');
    });

    it('notices a change on disk by itself (watch)', async () => {
      const { root, store } = await storeWith([{ verified: true }], { watch: true });
      const generation = store.generation;
      // A re-index may catch the file half-written; wait for the index that sees it whole.
      const settled = new Promise<void>((resolve) => {
        store.onChange(() => {
          if (store.list().some((w) => w.name === 'greeter' && !w.verified)) resolve();
        });
      });
      await writeFile(join(root, 'greeter', '1.0.0', 'tests', 'more.yaml'), 'cases:\n  - { name: extra, kind: boundary, input: { who: B }, calls: [{ name: kv.get, args: { key: "greeting:B" }, result: { found: true, value: Yo } }], output: { text: "Yo, B" } }\n');
      await settled;
      expect(store.generation).toBeGreaterThan(generation);
      expect(store.resolve('greeter').unverifiedReason).toMatch(/^files changed since verification/);
    });
  });

  describe('#problems', () => {
    it('leaves out a broken version and says why, without hiding the others', async () => {
      const { root } = await storeWith([]);
      await writeFixture(root, { name: 'good' });
      await writeFixture(root, { name: 'bad', manifest: { riskTier: 'extreme' } });
      await mkdir(join(root, 'mismatch', '9.9.9'), { recursive: true });
      await writeFixture(join(root, 'tmp'), { name: 'mismatch', version: '1.0.0' });
      const { rename, rm } = await import('node:fs/promises');
      await rm(join(root, 'mismatch', '9.9.9'), { recursive: true });
      await rename(join(root, 'tmp', 'mismatch', '1.0.0'), join(root, 'mismatch', '9.9.9'));
      await rm(join(root, 'tmp'), { recursive: true });
      await using store = await WorkflowStore.open({ dir: root, watch: false });
      expect(store.list().map((w) => w.name)).toEqual(['good']);
      const problems = store.problems();
      expect(problems.map((p) => p.dir.slice(root.length + 1))).toEqual(['bad/1.0.0', 'mismatch/9.9.9']);
      expect(problems[0]?.errors).toContainEqual(expect.objectContaining({ file: 'workflow.yaml', pointer: '/riskTier' }));
      expect(problems[1]?.errors).toContainEqual(expect.objectContaining({ pointer: '/version' }));
    });
  });

  describe('input and output validation', () => {
    it('reports INPUT_INVALID and OUTPUT_INVALID with JSON pointers', async () => {
      const { store } = await storeWith([{}]);
      const version = store.resolve('greeter');
      expect(() => assertValidInput(version, { who: 'Ada' })).not.toThrow();
      let error: unknown;
      try {
        assertValidInput(version, { who: 5, extra: true });
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: 'INPUT_INVALID', details: { errors: expect.arrayContaining([expect.objectContaining({ pointer: '/who' }), expect.objectContaining({ pointer: '/extra' })]) } });
      expect(() => assertValidOutput(version, { text: 1 })).toThrow(expect.objectContaining({ code: 'OUTPUT_INVALID', message: expect.stringContaining('/text') }));
    });
  });

  it('gives the policy input identity of a resolved version', async () => {
    const { store } = await storeWith([{ verified: true }]);
    const version = store.resolve('greeter@1');
    expect(policyWorkflowOf(version)).toEqual({
      name: 'greeter',
      version: '1.0.0',
      digest: version.digest,
      verified: true,
      adhoc: false,
      declaredCapabilities: ['kv.get'],
      tags: ['example'],
    });
  });

  it('prepares a run: resolves the range, validates the input, gives the policy identity', async () => {
    const { store } = await storeWith([{ version: '1.0.0', verified: true }, { version: '2.0.0' }]);
    const run = store.prepareRun('greeter@^1', { who: 'Ada' });
    expect(run.version.version).toBe('1.0.0');
    expect(run.version.code).toContain('export default');
    expect(run.version.manifest.limits).toEqual({ memoryMb: 32, cpuMs: 1000, wallMs: 5000 });
    expect(run.policyWorkflow).toMatchObject({ name: 'greeter', version: '1.0.0', verified: true, adhoc: false });
    expect(() => store.prepareRun('greeter@^1', { who: '' })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', details: { errors: [expect.objectContaining({ pointer: '/who' })] } }));
    expect(() => store.prepareRun('greeter@^3', { who: 'Ada' })).toThrow(expect.objectContaining({ code: 'WORKFLOW_NOT_FOUND' }));
  });

  it('refuses use after close', async () => {
    const { store } = await storeWith([{}]);
    await store.close();
    await store.close();
    expect(() => store.list()).toThrow(expect.objectContaining({ code: 'DAEMON_CLOSED' }));
  });
});

describe('openWorkflowStore', () => {
  it('resolves relative paths against the base directory and trusts the configured keys', async () => {
    const { dir: root, cleanup } = await makeTempDir();
    onTestFinished(cleanup);
    const dir = await writeFixture(join(root, 'flows'));
    await attest(dir, 'greeter', '1.0.0');
    await writeFile(join(root, 'trusted.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
    await using store = await openWorkflowStore({ dir: 'flows', trustedKeys: ['trusted.pub.pem'], watch: false }, { baseDir: root });
    expect(store.resolve('greeter').verified).toBe(true);
    await using untrusting = await openWorkflowStore({ dir: join(root, 'flows'), watch: false });
    expect(untrusting.resolve('greeter').verified).toBe(false);
    await expect(openWorkflowStore({ dir: 'flows', trustedKeys: ['missing.pem'] }, { baseDir: root })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
