// Golden tests of the planner: each test/golden/rego/compiler/<name>.rego (first line:
// `# entrypoints: a/b, c`) is planned and the IR, rendered by formatIr, compared with <name>.ir.txt.
// UPDATE_GOLDEN=1 rewrites the snapshots; review the diff before committing.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModule } from '../../../../src/rego/syntax/index.ts';
import { planPolicy } from '../../../../src/rego/compiler/plan-policy.ts';
import { formatIr } from '../../../../src/rego/compiler/format-ir.ts';

const dir = import.meta.dirname;
const update = process.env.UPDATE_GOLDEN === '1';

describe('compiler golden files', () => {
  const names = readdirSync(dir).filter((f) => f.endsWith('.rego')).sort();

  it('has golden policies', () => {
    expect(names.length).toBeGreaterThanOrEqual(3);
  });

  for (const name of names) {
    it(`matches ${name.replace(/\.rego$/, '.ir.txt')}`, () => {
      const source = readFileSync(join(dir, name), 'utf8');
      const entrypoints = /^# entrypoints: (.*)$/m.exec(source)![1]!.split(',').map((e) => e.trim());
      const parsed = parseModule(source, name);
      expect(parsed.diagnostics).toEqual([]);
      const planned = planPolicy([parsed.module!], entrypoints.map((e) => ({ kind: 'path' as const, name: e, path: e.split('/') })));
      expect(planned.diagnostics).toEqual([]);
      const actual = formatIr(planned.policy!);
      const snapshot = join(dir, name.replace(/\.rego$/, '.ir.txt'));
      if (update) writeFileSync(snapshot, actual);
      expect(actual).toBe(readFileSync(snapshot, 'utf8'));
    });
  }
});
