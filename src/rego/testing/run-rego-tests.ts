/**
 * A Rego unit-test runner in the spirit of `opa test`: every complete rule whose name starts with
 * `test_` is a test; it passes when it evaluates to `true`, fails when it is undefined or any other
 * value, and errors when evaluation aborts (a conflict, a builtin error in strict code paths).
 *
 * All tests are compiled into ONE module, each as its own entrypoint, then evaluated one by one
 * through the unmodified SDK, so a suite costs one compile.
 */
import { compile } from '../compiler/compile.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import { hasErrors } from '../diagnostics/index.ts';
import { loadCompiledPolicy } from '../evaluate.ts';
import { parseModule } from '../syntax/index.ts';

/** What to test. */
export interface RunRegoTestsOptions {
  /** Rego sources (policies and their `*_test.rego` files) by file name. */
  readonly modules: Readonly<Record<string, string>>;
  /** The base `data` document the tests see. @default {} */
  readonly data?: unknown;
  /** Only tests whose full name (`data.pkg.test_x`) matches. @default every test */
  readonly filter?: RegExp;
}

/** The outcome of one test. */
export interface RegoTestResult {
  /** `data.<package>.<rule>`, as `opa test` names it. */
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly status: 'pass' | 'fail' | 'error';
  readonly durationUs: number;
  /** Why a test failed or errored. */
  readonly message?: string;
}

/** Every test's outcome, or the diagnostics that kept the suite from compiling. */
export interface RegoTestReport {
  readonly results: readonly RegoTestResult[];
  /** Compile diagnostics; when any is an error, `results` is empty. */
  readonly diagnostics: readonly Diagnostic[];
  readonly passed: number;
  readonly failed: number;
  readonly errored: number;
}

interface DiscoveredTest {
  readonly name: string;
  readonly entrypoint: string;
  readonly file: string;
  readonly line: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Finds the `test_` rules of the modules, in file then source order, each listed once. */
export function discoverRegoTests(modules: Readonly<Record<string, string>>): readonly DiscoveredTest[] {
  const found = new Map<string, DiscoveredTest>();
  for (const file of Object.keys(modules).sort()) {
    const parsed = parseModule(modules[file]!, file);
    if (!parsed.module) continue;
    const pkg = parsed.module.package.path;
    if (!pkg.every((segment) => IDENT.test(segment))) continue;
    for (const rule of parsed.module.rules) {
      const head = rule.head;
      if (head.ruleKind !== 'complete' || !head.name.startsWith('test_') || head.ref.path.length > 0) continue;
      const entrypoint = [...pkg, head.name].join('/');
      if (found.has(entrypoint)) continue;
      found.set(entrypoint, { name: `data.${[...pkg, head.name].join('.')}`, entrypoint, file, line: rule.span.start.line });
    }
  }
  return [...found.values()];
}

/**
 * Compiles the modules with every test as an entrypoint and runs the tests.
 * Never throws for bad Rego: diagnostics come back in the report.
 */
export async function runRegoTests(options: RunRegoTestsOptions): Promise<RegoTestReport> {
  const tests = discoverRegoTests(options.modules).filter((t) => options.filter === undefined || options.filter.test(t.name));
  if (tests.length === 0) return { results: [], diagnostics: [], passed: 0, failed: 0, errored: 0 };
  const compiled = compile({ modules: options.modules, entrypoints: tests.map((t) => t.entrypoint) });
  if (!compiled.wasm || hasErrors(compiled.diagnostics)) return { results: [], diagnostics: compiled.diagnostics, passed: 0, failed: 0, errored: 0 };
  const policy = await loadCompiledPolicy(compiled.wasm);
  policy.setData((options.data ?? {}) as object);
  const results: RegoTestResult[] = [];
  for (const test of tests) {
    const started = performance.now();
    let status: RegoTestResult['status'];
    let message: string | undefined;
    try {
      const rows = policy.evaluate(undefined, compiled.entrypoints[test.entrypoint]!) as { result?: unknown }[];
      const value = rows[0]?.result;
      status = value === true ? 'pass' : 'fail';
      if (status === 'fail') message = value === undefined ? 'the test is undefined (a condition in its body did not hold)' : `the test evaluated to ${JSON.stringify(value)}, not true`;
    } catch (error) {
      status = 'error';
      message = error instanceof Error ? error.message : String(error);
    }
    const durationUs = Math.round((performance.now() - started) * 1000);
    results.push({ name: test.name, file: test.file, line: test.line, status, durationUs, ...(message === undefined ? {} : { message }) });
  }
  const count = (s: RegoTestResult['status']): number => results.filter((r) => r.status === s).length;
  return { results, diagnostics: compiled.diagnostics, passed: count('pass'), failed: count('fail'), errored: count('error') };
}
