/**
 * `aiws policy test` as a user runs it: the shipped policies' Rego unit tests pass (this is how
 * the suite runs them in CI), and a failing test makes the command exit 1 naming the test.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.ts';
import { createPolicyDir, shippedPoliciesDir } from '../../unit/policy/support/policy-dir.ts';

describe('aiws policy test', () => {
  it('passes every Rego unit test of the shipped policies', async () => {
    const result = await runCli(['policy', 'test', shippedPoliciesDir], { timeoutMs: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const passed = lines.filter((l) => l.startsWith('PASS data.aiws.'));
    expect(passed.length).toBeGreaterThanOrEqual(20);
    expect(lines.some((l) => l.startsWith('FAIL') || l.startsWith('ERROR'))).toBe(false);
    expect(result.stdout).toContain(`PASS: ${passed.length}/${passed.length}`);
    expect(result.stdout).toMatch(/^PASS data\.aiws\.capability_test\.test_denies_undeclared_capability \(\d+\.\d ms\)$/m);
  });

  it('exits 1 and names the failing test when a policy change breaks it', async () => {
    // Loosen the egress rule: plain http is now allowed, which the shipped test forbids.
    const dir = await createPolicyDir({ files: { 'aiws/settings/egress.yaml': 'egress:\n  schemes: [http, https]\n  hosts: [api.github.com]\n' } });
    const result = await runCli(['policy', 'test', dir, '-r', 'test_denies_plain_http|test_allows_kv_get'], { timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL data\.aiws\.capability_test\.test_denies_plain_http \(/m);
    expect(result.stdout).toMatch(/^PASS data\.aiws\.capability_test\.test_allows_kv_get_without_url \(/m);
    expect(result.stdout).toContain('PASS: 1/2\nFAIL: 1/2');
  });

  it('exits 1 with diagnostics when the modules do not compile', async () => {
    const dir = await createPolicyDir({ shipped: false, files: { 'p.rego': 'package p\n\ntest_x if { y }\n' } });
    const result = await runCli(['policy', 'test', dir], { timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/p\.rego:3:\d+: error REGO\d+/);
  });
});
