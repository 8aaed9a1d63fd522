// The conformance runner on a directory of cases written here (its own format, not OPA's cases):
// pass/fail per folder, every expectation kind, and `npm run conformance -- --json`.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runConformance } from './runner.ts';

const CASES_A = `cases:
  - note: a/pass
    query: data.t.p = x
    modules:
      - |
        package t
        p := input.n + 1
    input: {n: 41}
    want_result:
      - x: 42
  - note: a/wrong expectation
    query: data.t.p = x
    modules:
      - |
        package t
        p := 1
    want_result:
      - x: 2
  - note: a/undefined
    query: data.t.p = x
    modules:
      - |
        package t
        p if false
    want_result: []
`;

const CASES_B = `cases:
  - note: b/conflict
    query: data.t.p = x
    modules:
      - |
        package t
        p := x if some x in [1, 2]
    want_error_code: eval_conflict_error
    want_error: complete rules must not produce multiple outputs
  - note: b/does not compile
    query: data.t.p = x
    modules:
      - |
        package t
        p if {
    want_result: []
  - note: b/sorted bindings and big data
    query: data.t.s = x
    modules:
      - |
        package t
        s contains v if some v in data.xs
    data: {xs: [3, 1, 2]}
    sort_bindings: true
    want_result:
      - x: [1, 2, 3]
  - note: b/defined
    query: data.t.q
    modules:
      - |
        package t
        q := true
    want_defined: true
`;

async function casesDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aiws-conformance-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'alpha'));
  await mkdir(join(dir, 'beta'));
  await writeFile(join(dir, 'alpha', 'cases.yaml'), CASES_A);
  await writeFile(join(dir, 'beta', 'cases.yaml'), CASES_B);
  return dir;
}

describe('runConformance', () => {
  it('counts passes and failures per folder, never skipping a case', async () => {
    const summary = await runConformance({ casesDir: await casesDir(), workers: 2 });
    expect(summary.total).toBe(7);
    expect(summary.byFolder).toEqual({ alpha: { total: 3, passed: 2, failed: 1 }, beta: { total: 4, passed: 3, failed: 1 } });
    const failed = summary.results.filter((r) => !r.passed).map((r) => r.id);
    expect(failed).toEqual(['alpha/cases#a/wrong expectation', 'beta/cases#b/does not compile']);
    expect(summary.results.find((r) => r.id === 'beta/cases#b/does not compile')!.reason).toMatch(/^compile: REGO1/);
  });

  it('fails a case that overruns its time limit and carries on with the next', async () => {
    const summary = await runConformance({ casesDir: await casesDir(), workers: 1, caseTimeoutMs: 1 });
    expect(summary.total).toBe(7);
    expect(summary.results.some((r) => !r.passed && /timed out after 1 ms/.test(r.reason ?? ''))).toBe(true);
  });

  it('prints { total, passed, failed, byFolder } with --json', async () => {
    const dir = await casesDir();
    const script = fileURLToPath(new URL('../../scripts/conformance.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script, '--cases', dir, '--json']);
    expect(JSON.parse(stdout)).toEqual({ total: 7, passed: 5, failed: 2, byFolder: { alpha: { total: 3, passed: 2, failed: 1 }, beta: { total: 4, passed: 3, failed: 1 } } });
  });
});
