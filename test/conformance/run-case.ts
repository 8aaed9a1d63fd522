/**
 * Runs one conformance case in-process: compiles its modules with the query as the entrypoint,
 * evaluates through the unmodified `@open-policy-agent/opa-wasm` SDK and compares with the
 * expectation, following OPA's Go-WASM end-to-end harness (see the corpus' SOURCE.txt).
 */
import { compile, loadCompiledPolicy, encodeInput } from '../../src/rego/index.ts';
import { parseQuery, type Term } from '../../src/rego/syntax/index.ts';
import type { ConformanceCase } from './cases.ts';
import { canonicalResultSet, toJsonText } from './compare.ts';

/** The outcome of one case. */
export interface CaseOutcome {
  readonly passed: boolean;
  /** Why it failed (first diagnostic, error, or expected vs actual). */
  readonly reason?: string;
}

/** The test-only builtin OPA's harnesses register (`test.sleep(duration) → null`). */
const harnessBuiltins = {
  'test.sleep': (): null => null,
};

const encoder = new TextEncoder();

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

/**
 * `input_term` is Rego term text (sets, non-string keys, trailing commas): like OPA's harness, parse
 * it as a term, then hand it to the module as canonical value text (JSON plus `{…}`/`set()` sets).
 */
export function canonicalTermText(source: string): string {
  const parsed = parseQuery(source, '<input_term>');
  const e = parsed.query?.body[0];
  if (!parsed.query || parsed.query.body.length !== 1 || e?.kind !== 'term-expr') throw new Error(`input_term is not a term: ${source}`);
  const render = (t: Term): string => {
    switch (t.kind) {
      case 'null': return 'null';
      case 'boolean': return String(t.value);
      case 'number': return t.text;
      case 'string': return JSON.stringify(t.value);
      case 'array': return `[${t.items.map(render).join(',')}]`;
      case 'set': return t.items.length === 0 ? 'set()' : `{${t.items.map(render).join(',')}}`;
      case 'object': return `{${t.items.map((it) => `${render(it.key)}:${render(it.value)}`).join(',')}}`;
      default: throw new Error(`input_term is not a value: ${source}`);
    }
  };
  return render(e.term);
}

/** Compiles, evaluates and checks one case. Never throws. */
export async function runCase(c: ConformanceCase): Promise<CaseOutcome> {
  const modules: Record<string, string> = {};
  c.modules.forEach((source, i) => {
    modules[`module-${i}.rego`] = source;
  });
  let compiled;
  try {
    compiled = compile({ modules, entrypoints: [c.query], allowTestBuiltins: true });
  } catch (err) {
    return { passed: false, reason: `compiler threw: ${describe(err)}` };
  }
  if (!compiled.wasm) {
    const d = compiled.diagnostics.find((x) => x.severity === 'error');
    return { passed: false, reason: `compile: ${d ? `${d.code} ${d.span.file}:${d.span.start.line}:${d.span.start.col} ${d.message}` : 'no module'}` };
  }
  let rows: unknown[];
  try {
    const policy = await loadCompiledPolicy(compiled.wasm, { builtins: harnessBuiltins });
    if (c.data !== undefined) policy.setData(encoder.encode(toJsonText(c.data)).buffer);
    const input = c.inputTerm !== undefined ? encoder.encode(canonicalTermText(c.inputTerm)).buffer : c.input === undefined ? undefined : encodeInput(JSON.parse(toJsonText(c.input)));
    rows = policy.evaluate(input, 0) as unknown[];
  } catch (err) {
    if ((c.wantErrorCode !== undefined || c.wantError !== undefined) && !c.strictError) {
      const message = describe(err);
      // As OPA's Go-WASM harness: a conflict must be reported as one; other codes accept any error.
      if (c.wantErrorCode === 'eval_conflict_error' && !/var assignment conflict|object insert conflict/.test(message)) {
        return { passed: false, reason: `wanted a conflict error, got: ${message}` };
      }
      return { passed: true };
    }
    return { passed: false, reason: `evaluation threw: ${describe(err)}` };
  }
  if (!Array.isArray(rows)) return { passed: false, reason: `result set is not an array: ${JSON.stringify(rows)}` };
  if (c.wantDefined !== undefined) {
    return rows.length > 0 === c.wantDefined ? { passed: true } : { passed: false, reason: `wanted ${c.wantDefined ? 'defined' : 'undefined'}, got ${JSON.stringify(rows)}` };
  }
  if (c.wantResult !== undefined) {
    const want = canonicalResultSet(c.wantResult, false);
    const got = canonicalResultSet(rows, c.sortBindings);
    return want === got ? { passed: true } : { passed: false, reason: `wanted ${toJsonText(c.wantResult)}, got ${JSON.stringify(rows)}` };
  }
  if (c.wantErrorCode !== undefined || c.wantError !== undefined) {
    if (c.strictError) return rows.length === 0 ? { passed: true } : { passed: false, reason: `wanted an empty result set (non-strict builtin error), got ${JSON.stringify(rows)}` };
    return { passed: false, reason: `wanted error ${c.wantErrorCode ?? c.wantError}, got ${JSON.stringify(rows)}` };
  }
  return { passed: false, reason: 'case has no expectation' };
}
