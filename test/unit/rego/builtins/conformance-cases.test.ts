/**
 * Runs the JS builtins against OPA's own conformance cases (read at run time from
 * ../shared/conformance/opa, never copied) where a case is a single builtin call with literal JSON
 * arguments: `p := x if { f(args..., x) }`, `p if { f(args...) }` or `p if { f(args..., want) }`.
 * Evaluation mimics the SDK (JSON in, JSON out) and OPA's non-strict WASM mode (an error is
 * undefined unless the case demands a strict error).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compareValues, getBuiltin, jsBuiltins, type JsonValue } from '../../../../src/rego/builtins/index.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/conformance/opa');

/** Cases where aiws knowingly differs from OPA, by note (see src/rego/builtins/README.md). */
const knownDivergences = new Set([
  // 2e308 exceeds a double: the SDK's JSON.parse turns it into Infinity before the builtin sees it.
  'strings/sprintf: float too big',
]);

interface Case {
  readonly note: string;
  readonly modules?: string[];
  readonly input?: unknown;
  readonly want_result?: { x: unknown }[];
  readonly want_error?: string;
  readonly want_error_code?: string;
  readonly strict_error?: boolean;
}

interface Outcome {
  readonly note: string;
  readonly ok: boolean;
  readonly detail: string;
}

function runCase(c: Case): Outcome | undefined {
  if (c.modules?.length !== 1 || c.input !== undefined) return undefined;
  const m = /^package \w+\n\n(p\s*(?::=|=)\s*x\s+if|p\s+if)\s*\{\n\t([\w.]+)\((.*)\)\n\}\n?$/s.exec(c.modules[0]!);
  if (m === null) return undefined;
  const [, head, name, argText] = m as unknown as [string, string, string, string];
  const spec = getBuiltin(name);
  const impl = jsBuiltins[name];
  if (spec === undefined || impl === undefined) return undefined;
  const hasOut = head.includes('x');
  let args: JsonValue[];
  try {
    args = JSON.parse(`[${hasOut ? argText.replace(/,\s*x$/, '') : argText}]`) as JsonValue[];
  } catch {
    return undefined;
  }
  let expected: { value: JsonValue } | undefined;
  if (!hasOut && args.length === spec.arity + 1) expected = { value: args.pop()! };
  if (args.length !== spec.arity) return undefined;
  let result: JsonValue | undefined;
  let error: unknown;
  try {
    const r = impl(...(JSON.parse(JSON.stringify(args)) as JsonValue[]));
    result = r === undefined ? undefined : (JSON.parse(JSON.stringify(r)) as JsonValue);
  } catch (err) {
    error = err;
  }
  const detail = `${name}(${argText.slice(0, 80)}) → ${error === undefined ? JSON.stringify(result)?.slice(0, 120) : String(error)}`;
  if (c.want_error_code !== undefined || c.want_error !== undefined) {
    return { note: c.note, ok: error !== undefined || (c.strict_error !== true && result === undefined), detail };
  }
  const want = c.want_result ?? [];
  // Non-strict mode: an error makes the expression undefined.
  const defined = error === undefined && result !== undefined;
  let holds: boolean;
  if (expected !== undefined) holds = defined && compareValues(result!, expected.value) === 0;
  else if (hasOut) holds = defined;
  else holds = defined && result !== false;
  if (want.length === 0) return { note: c.note, ok: !holds, detail };
  if (!holds) return { note: c.note, ok: false, detail };
  const ok = hasOut && expected === undefined ? compareValues(result!, want[0]!.x as JsonValue) === 0 : want[0]!.x === true;
  return { note: c.note, ok, detail };
}

function collect(): Outcome[] {
  const out: Outcome[] = [];
  for (const folder of readdirSync(root)) {
    const dir = join(root, folder);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const doc = parse(readFileSync(join(dir, file), 'utf8')) as { cases?: Case[] };
      for (const c of doc.cases ?? []) {
        const o = runCase(c);
        if (o !== undefined) out.push(o);
      }
    }
  }
  return out;
}

describe('JS builtins on OPA conformance cases', () => {
  it('agree with OPA on every single-call case with literal arguments', () => {
    const outcomes = collect();
    // Guards against a parsing change silently selecting nothing.
    expect(outcomes.length).toBeGreaterThan(140);
    const failures = outcomes.filter((o) => !o.ok && !knownDivergences.has(o.note)).map((o) => `${o.note}: ${o.detail}`);
    expect(failures).toEqual([]);
  });
});
