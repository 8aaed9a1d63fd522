/**
 * PolicyEngine over real temp policy directories: fail-closed behaviour for each kind of failure,
 * obligations, revisions, hot reload (good and bad edits) and precompiled bundles.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { DaemonError } from '../../../src/errors/index.ts';
import type { Logger } from '../../../src/log/index.ts';
import { policyEntrypoints } from '../../../src/policy/index.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { callInput } from './support/inputs.ts';
import { createPolicyDir, createTestEngine, writeFileAt } from './support/policy-dir.ts';

const cap = policyEntrypoints.capability;

/** A one-module policy directory. */
const regoDir = (rego: string, extra: Record<string, string> = {}) => createPolicyDir({ shipped: false, files: { 'aiws/capability.rego': `package aiws.capability\n\n${rego}\n`, ...extra } });

function captureLog(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('PolicyEngine', () => {
  describe('#decide', () => {
    it('keeps extra keys of the decision as obligations', async () => {
      const engine = await createTestEngine(await regoDir('decision := {"allow": true, "reasons": [], "log": "full", "redact": ["body"]}'));
      expect(await engine.decide(cap, callInput('kv.get', {}))).toMatchObject({ allow: true, reasons: [], obligations: { log: 'full', redact: ['body'] } });
    });

    it('sees the data files beside the policy at their directory path', async () => {
      const engine = await createTestEngine(
        await regoDir('import data.aiws.limits\n\ndecision := {"allow": input.capability.name in limits.allowed, "reasons": []}', { 'aiws/limits/caps.yaml': 'allowed: [kv.get]\n' }),
      );
      expect((await engine.decide(cap, callInput('kv.get', {}))).allow).toBe(true);
      expect((await engine.decide(cap, callInput('kv.put', {}))).allow).toBe(false);
    });
  });

  describe('fail closed', () => {
    it('denies an entrypoint the policy does not define', async () => {
      const engine = await createTestEngine(await regoDir('decision := {"allow": true, "reasons": []}'));
      expect(await engine.decide('aiws/other/decision', callInput('kv.get', {}))).toMatchObject({
        allow: false,
        failedClosed: true,
        reasons: ['policy error: the policy has no entrypoint "aiws/other/decision"'],
      });
      // Compiled in, but no rule: undefined.
      expect((await engine.decide(policyEntrypoints.admission, callInput('kv.get', {}))).reasons).toEqual([
        'policy error: "aiws/admission/decision" is undefined for this input (no rule produced a decision)',
      ]);
    });

    it('denies on a runtime error (a conflict between two complete definitions)', async () => {
      const engine = await createTestEngine(await regoDir('decision := {"allow": true, "reasons": []} if input.capability.name == "kv.get"\n\ndecision := {"allow": false, "reasons": ["x"]} if startswith(input.capability.name, "kv.")'));
      expect((await engine.decide(cap, callInput('kv.put', {}))).allow).toBe(false);
      const conflict = await engine.decide(cap, callInput('kv.get', {}));
      expect(conflict).toMatchObject({ allow: false, failedClosed: true });
      expect(conflict.reasons[0]).toMatch(/^policy error: evaluation of "aiws\/capability\/decision" failed: aiws\/capability\.rego:5:1: var assignment conflict$/);
    });

    it.each([
      ['a non-object', 'decision := true', 'expected an object with "allow" and "reasons", got true'],
      ['a non-boolean allow', 'decision := {"allow": "yes", "reasons": []}', '"allow" must be a boolean, got "yes"'],
      ['reasons that are not strings', 'decision := {"allow": true, "reasons": [1]}', '"reasons" must be an array of strings, got [1]'],
      ['missing reasons', 'decision := {"allow": true}', '"reasons" must be an array of strings, got nothing'],
    ])('denies a malformed decision: %s', async (_name, rego, problem) => {
      const engine = await createTestEngine(await regoDir(rego));
      expect(await engine.decide(cap, callInput('kv.get', {}))).toMatchObject({
        allow: false,
        reasons: [`policy error: malformed decision from "aiws/capability/decision": ${problem}`],
      });
    });

    it('denies when the evaluation runs over its time budget', async () => {
      const slow = 'decision := {"allow": true, "reasons": [], "n": count([x | some x in numbers.range(1, 300000); x % 7 == 0])}';
      const engine = await createTestEngine(await regoDir(slow), { evalTimeoutMs: 1 });
      const decision = await engine.decide(cap, callInput('kv.get', {}));
      expect(decision.allow).toBe(false);
      expect(decision.reasons[0]).toMatch(/^policy error: evaluation of "aiws\/capability\/decision" took \d+ ms, over the 1 ms limit$/);
    });

    it('denies a cancelled decision without evaluating', async () => {
      const engine = await createTestEngine(await regoDir('decision := {"allow": true, "reasons": []}'));
      expect((await engine.decide(cap, callInput('kv.get', {}), { signal: AbortSignal.abort() })).reasons).toEqual([
        'policy error: the decision on "aiws/capability/decision" was cancelled',
      ]);
    });

    it('starts with no revision, denies everything and reports why when the policies do not compile', async () => {
      const { logger, lines } = captureLog();
      const engine = await createTestEngine(await regoDir('decision := {"allow": true, "reasons": [x]}'), { logger });
      const status = engine.status();
      expect(status).toMatchObject({ revision: null, source: null, lastError: { diagnostics: [{ file: 'aiws/capability.rego', line: 3 }] } });
      expect(status.lastError?.diagnostics[0]?.text).toContain('aiws/capability.rego:3:');
      expect((await engine.decide(cap, callInput('kv.get', {}))).reasons).toEqual(['policy error: no policy is loaded: the policies did not compile (see daemon.status)']);
      expect(lines().find((l) => l.msg === 'policy.reload_failed')).toMatchObject({ level: 50, revision: null });
    });

    it('reports an empty directory and a bad data file', async () => {
      const empty = await createTestEngine(await createPolicyDir({ shipped: false }));
      expect(empty.status().lastError?.diagnostics.map((p) => p.code)).toEqual(['POLICY_EMPTY']);
      const badData = await createTestEngine(await regoDir('decision := {"allow": true, "reasons": []}', { 'aiws/x/data.json': '{"a": ' }));
      expect(badData.status().lastError?.diagnostics[0]).toMatchObject({ code: 'DATA_INVALID', file: 'aiws/x/data.json' });
    });

    it('throws DAEMON_CLOSED after close', async () => {
      const engine = await createTestEngine(await regoDir('decision := {"allow": true, "reasons": []}'));
      await engine.close();
      await engine.close();
      await expect(engine.decide(cap, {})).rejects.toThrow(DaemonError);
      await expect(engine.decide(cap, {})).rejects.toMatchObject({ code: 'DAEMON_CLOSED' });
      await expect(engine.reload()).rejects.toMatchObject({ code: 'DAEMON_CLOSED' });
    });
  });

  describe('revisions', () => {
    it('is a content digest: equal for equal content, unchanged by test files and dot-files', async () => {
      const a = await createTestEngine(await createPolicyDir());
      const dirB = await createPolicyDir({ files: { 'aiws/extra_test.rego': 'package aiws.extra_test\n\ntest_x if true\n', '.swp': 'junk' } });
      const b = await createTestEngine(dirB);
      expect(a.status().revision).toBe(b.status().revision);
      await writeFileAt(dirB, 'aiws/settings/budgets.yaml', 'budgets:\n  default: 1\n  total: 1\n  perCapability: {}\n');
      expect((await b.reload()).revision).not.toBe(a.status().revision);
    });
  });

  describe('hot reload', () => {
    it('swaps in a good edit and keeps the old revision (reporting diagnostics) on a bad one', async () => {
      const { logger, lines } = captureLog();
      const dir = await regoDir('decision := {"allow": false, "reasons": ["v1"]}');
      const engine = await createTestEngine(dir, { watch: true, debounceMs: 20, logger });
      const v1 = engine.status().revision;
      expect(engine.status().watching).toBe(true);
      expect((await engine.decide(cap, callInput('kv.get', {}))).reasons).toEqual(['v1']);

      await writeFile(join(dir, 'aiws/capability.rego'), 'package aiws.capability\n\ndecision := {"allow": true, "reasons": ["v2"]}\n');
      await vi.waitFor(() => expect(engine.status().revision).not.toBe(v1), { timeout: 10_000, interval: 20 });
      const v2 = engine.status().revision;
      expect(await engine.decide(cap, callInput('kv.get', {}))).toMatchObject({ allow: true, reasons: ['v2'], policyRevision: v2 });

      await writeFile(join(dir, 'aiws/capability.rego'), 'package aiws.capability\n\ndecision := {"allow": true, "reasons": [y]}\n');
      await vi.waitFor(() => expect(engine.status().lastError).toBeDefined(), { timeout: 10_000, interval: 20 });
      const status = engine.status();
      expect(status.revision).toBe(v2);
      expect(status.lastError?.diagnostics[0]?.text).toMatch(/aiws\/capability\.rego:3:\d+: error REGO\d+/);
      expect(await engine.decide(cap, callInput('kv.get', {}))).toMatchObject({ allow: true, reasons: ['v2'], policyRevision: v2 });
      const failed = lines().find((l) => l.msg === 'policy.reload_failed');
      expect(failed).toMatchObject({ level: 50, revision: v2 });
      expect(String((failed?.diagnostics as string[])[0])).toContain('aiws/capability.rego:3:');

      // Reverting the bad edit clears the pending failure without a new revision.
      await writeFile(join(dir, 'aiws/capability.rego'), 'package aiws.capability\n\ndecision := {"allow": true, "reasons": ["v2"]}\n');
      expect(await engine.reload()).toMatchObject({ revision: v2 });
      expect(engine.status().lastError).toBeUndefined();

      await writeFile(join(dir, 'aiws/capability.rego'), 'package aiws.capability\n\ndecision := {"allow": false, "reasons": ["v3"]}\n');
      await vi.waitFor(() => expect(engine.status().revision).not.toBe(v2), { timeout: 10_000, interval: 20 });
      expect(engine.status().lastError).toBeUndefined();
      expect((await engine.decide(cap, callInput('kv.get', {}))).reasons).toEqual(['v3']);
    });
  });

  describe('bundles', () => {
    it('loads a bundle built by `aiws policy build`, in precedence over the sources', async () => {
      const sources = await createPolicyDir();
      const out = await createPolicyDir({ shipped: false });
      const built = await runCli(['policy', 'build', sources, '-e', policyEntrypoints.capability, '-e', policyEntrypoints.admission, '-o', join(out, 'bundle.tar.gz')], { timeoutMs: 60_000 });
      expect(built.code, built.stderr).toBe(0);
      // A stale source beside the bundle is ignored.
      await writeFileAt(out, 'aiws/capability.rego', 'package aiws.capability\n\ndecision := {"allow": true, "reasons": ["stale"]}\n');
      const engine = await createTestEngine(out);
      expect(engine.status()).toMatchObject({ source: 'bundle', entrypoints: ['aiws/admission/decision', 'aiws/capability/decision'], watching: false });
      expect((await engine.decide(cap, callInput('kv.get', { key: 'k' }))).allow).toBe(true);
      expect((await engine.decide(cap, callInput('http.fetch', { url: 'http://api.github.com/' }))).reasons).toEqual(['egress over "http" is not allowed: allowed schemes are ["https"]']);

      const { digest } = await import('../../../src/policy/index.ts');
      expect(engine.status().revision).toBe(digest([['bundle.tar.gz', await readFile(join(out, 'bundle.tar.gz'))]]));
    });

    it('reports a corrupt bundle and falls back to nothing rather than the sources', async () => {
      const dir = await createPolicyDir({ files: { 'bundle.tar.gz': new Uint8Array([1, 2, 3, 4]) } });
      const engine = await createTestEngine(dir);
      expect(engine.status()).toMatchObject({ revision: null, lastError: { diagnostics: [{ code: 'BUNDLE_INVALID' }] } });
      await rm(join(dir, 'bundle.tar.gz'));
      expect((await engine.reload()).source).toBe('rego');
    });
  });
});
