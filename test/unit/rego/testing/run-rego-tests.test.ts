/**
 * runRegoTests: discovery of `test_` rules and per-test outcomes (pass, fail, error) through one
 * compiled module and the unmodified SDK.
 */
import { describe, expect, it } from 'vitest';
import { discoverRegoTests, runRegoTests } from '../../../../src/rego/testing/index.ts';

const policy = `package app

allow if input.user == "admin"

limit := data.settings.limit
`;

const tests = `package app_test

import data.app

test_admin_allowed if app.allow with input as {"user": "admin"}

test_guest_allowed if app.allow with input as {"user": "guest"}

test_limit if app.limit == 3

test_sum if {
	xs := [1, 2, 3]
	sum(xs) == 6
}

test_value := 7

not_a_test if true

test_fn(x) if x
`;

describe('runRegoTests', () => {
  it('discovers complete test_ rules only, in file and source order', () => {
    expect(discoverRegoTests({ 'b_test.rego': tests, 'a.rego': policy }).map((t) => [t.name, t.file, t.line])).toEqual([
      ['data.app_test.test_admin_allowed', 'b_test.rego', 5],
      ['data.app_test.test_guest_allowed', 'b_test.rego', 7],
      ['data.app_test.test_limit', 'b_test.rego', 9],
      ['data.app_test.test_sum', 'b_test.rego', 11],
      ['data.app_test.test_value', 'b_test.rego', 16],
    ]);
  });

  it('reports pass and fail per test with the data given', async () => {
    const report = await runRegoTests({ modules: { 'a.rego': policy, 'b_test.rego': tests }, data: { settings: { limit: 3 } } });
    expect(report.results.map((r) => [r.name.replace('data.app_test.', ''), r.status])).toEqual([
      ['test_admin_allowed', 'pass'],
      ['test_guest_allowed', 'fail'],
      ['test_limit', 'pass'],
      ['test_sum', 'pass'],
      ['test_value', 'fail'],
    ]);
    expect(report.results[1]?.message).toBe('the test is undefined (a condition in its body did not hold)');
    expect(report.results[4]?.message).toBe('the test evaluated to 7, not true');
    expect([report.passed, report.failed, report.errored]).toEqual([3, 2, 0]);
  });

  it('reports an evaluation error as an error', async () => {
    const conflicting = 'package c\n\nv := 1 if input.x == 1\n\nv := 2 if input.x == 1\n\ntest_v if v == 1 with input as {"x": 1}\n';
    const report = await runRegoTests({ modules: { 'c.rego': conflicting } });
    expect(report.results).toMatchObject([{ name: 'data.c.test_v', status: 'error', message: expect.stringContaining('conflict') }]);
  });

  it('filters by name and returns diagnostics instead of results when the modules do not compile', async () => {
    const filtered = await runRegoTests({ modules: { 'a.rego': policy, 'b_test.rego': tests }, data: { settings: { limit: 3 } }, filter: /admin/ });
    expect(filtered.results.map((r) => r.name)).toEqual(['data.app_test.test_admin_allowed']);
    const broken = await runRegoTests({ modules: { 'x.rego': 'package x\n\ntest_a if { y }\n' } });
    expect(broken.results).toEqual([]);
    expect(broken.diagnostics[0]).toMatchObject({ severity: 'error', span: { file: 'x.rego' } });
  });
});
