// The conformance ratchet: runs OPA's conformance cases (../shared/conformance/opa) through the
// compiler and the opa-wasm SDK; every case listed in passing.txt must still pass. The list only
// grows: `UPDATE_RATCHET=1 npx vitest run test/conformance` rewrites it with the current passing set
// (refusing to drop a listed case).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runConformance } from './runner.ts';

const here = dirname(fileURLToPath(import.meta.url));
const casesDir = resolve(here, '../../../shared/conformance/opa');
const ratchetFile = resolve(here, 'passing.txt');

function readRatchet(): string[] {
  if (!existsSync(ratchetFile)) return [];
  return readFileSync(ratchetFile, 'utf8').split('\n').filter((line) => line.length > 0);
}

describe('conformance', () => {
  it('keeps every case in passing.txt passing', async () => {
    const summary = await runConformance({ casesDir });
    const passing = new Set(summary.results.filter((r) => r.passed).map((r) => r.id));
    const listed = readRatchet();
    const known = new Set(summary.results.map((r) => r.id));
    const regressed = listed.filter((id) => !passing.has(id));
    const reasons = regressed.map((id) => `${id}: ${summary.results.find((r) => r.id === id)?.reason ?? 'case no longer exists'}`);
    if (process.env.UPDATE_RATCHET === '1' && regressed.length === 0) {
      // A newly passing case joins the list only if it passes twice more (keeps flaky cases out).
      const listedSet = new Set(listed);
      const fresh = new Set([...passing].filter((id) => !listedSet.has(id)));
      for (let i = 0; i < 2 && fresh.size > 0; i++) {
        const again = await runConformance({ casesDir, only: fresh });
        for (const r of again.results) if (!r.passed) fresh.delete(r.id);
      }
      writeFileSync(ratchetFile, `${[...listed, ...fresh].sort().join('\n')}\n`);
    }
    expect(reasons).toEqual([]);
    expect(listed.every((id) => known.has(id))).toBe(true);
    expect(summary.total).toBeGreaterThan(0);
  }, 600_000);
});
