// Corpus test of the front end: every module and query of OPA's conformance cases compiled in OPA, so
// each should parse here. The committed maximum of failures is a ratchet: lower it when it drops, never
// raise it; when the count rises the test prints the failures.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../src/rego/diagnostics/index.ts';
import { parseModule, parseQuery } from '../../../../src/rego/syntax/index.ts';
import { loadCases } from '../../../conformance/cases.ts';

/** Ratchet: modules (and queries) of the shared corpus that fail to parse. */
const MAX_MODULE_PARSE_FAILURES = 0;
const MAX_QUERY_PARSE_FAILURES = 0;

const casesDir = resolve(import.meta.dirname, '../../../../../shared/conformance/opa');

describe('parser over the OPA conformance corpus', () => {
  const cases = loadCases(casesDir);

  it('finds the corpus', () => {
    expect(cases.length).toBeGreaterThan(1000);
  });

  it(`parses every module, with at most ${MAX_MODULE_PARSE_FAILURES} failures`, () => {
    const failures: string[] = [];
    let modules = 0;
    for (const c of cases) {
      c.modules.forEach((source, i) => {
        modules++;
        const result = parseModule(source, `${c.id}[${i}]`);
        if (result.module === undefined) failures.push(result.diagnostics.map((d) => formatDiagnostic(d, source)).join('\n'));
      });
    }
    expect(modules).toBeGreaterThan(1000);
    if (failures.length > MAX_MODULE_PARSE_FAILURES) console.log(failures.join('\n\n'));
    expect(failures.length).toBeLessThanOrEqual(MAX_MODULE_PARSE_FAILURES);
  });

  it('never throws on damaged modules and always explains a failure', () => {
    // Deterministic mutations (deletions, insertions of Rego fragments, truncations) of real modules.
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const fragments = ['{', '}', '[', ']', '(', ')', '"', '`', ',', ':', ':=', '=', 'if', 'else', 'not', 'some', 'every', 'in', 'with', 'as', 'contains', '$"', '\n', '.', '|', '-', '0', '#', '\\'];
    const sources = cases.flatMap((c) => c.modules).filter((_, i) => i % 4 === 0);
    let unexplained = 0;
    for (const source of sources) {
      for (let k = 0; k < 3; k++) {
        let damaged = source;
        const at = Math.floor(random() * (damaged.length + 1));
        const r = random();
        if (r < 0.33) damaged = damaged.slice(0, at) + damaged.slice(at + 1 + Math.floor(random() * 5));
        else if (r < 0.66) damaged = damaged.slice(0, at) + fragments[Math.floor(random() * fragments.length)]! + damaged.slice(at);
        else damaged = damaged.slice(0, at);
        const result = parseModule(damaged, 'damaged.rego');
        if (result.module === undefined && !result.diagnostics.some((d) => d.severity === 'error')) unexplained++;
      }
    }
    expect(unexplained).toBe(0);
  });

  it(`parses every query, with at most ${MAX_QUERY_PARSE_FAILURES} failures`, () => {
    const failures = cases.filter((c) => parseQuery(c.query, c.id).query === undefined).map((c) => `${c.id}: ${c.query}`);
    if (failures.length > MAX_QUERY_PARSE_FAILURES) console.log(failures.join('\n'));
    expect(failures.length).toBeLessThanOrEqual(MAX_QUERY_PARSE_FAILURES);
  });
});
