// Golden tests of the parser: each test/golden/rego/parser/<name>.rego is parsed and compared with the
// snapshot <name>.ast.json (the module with spans written as "line:col-line:col", plus diagnostics).
// UPDATE_GOLDEN=1 rewrites the snapshots; review the diff before committing.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModule, type Span } from '../../../../src/rego/syntax/index.ts';

const dir = import.meta.dirname;
const update = process.env.UPDATE_GOLDEN === '1';

function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'span') {
        const span = inner as Span;
        out[key] = `${span.start.line}:${span.start.col}-${span.end.line}:${span.end.col}`;
      } else out[key] = compact(inner);
    }
    return out;
  }
  return value;
}

describe('parser golden files', () => {
  const names = readdirSync(dir).filter((f) => f.endsWith('.rego')).sort();

  it('has golden policies', () => {
    expect(names.length).toBeGreaterThanOrEqual(4);
  });

  for (const name of names) {
    it(`matches ${name.replace(/\.rego$/, '.ast.json')}`, () => {
      const source = readFileSync(join(dir, name), 'utf8');
      const result = parseModule(source, name);
      const actual = `${JSON.stringify(compact({ diagnostics: result.diagnostics, module: result.module ?? null }), null, 2)}\n`;
      const snapshot = join(dir, name.replace(/\.rego$/, '.ast.json'));
      if (update) writeFileSync(snapshot, actual);
      expect(actual).toBe(readFileSync(snapshot, 'utf8'));
    });
  }
});
