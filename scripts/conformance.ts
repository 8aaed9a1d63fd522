// `npm run conformance -- [--cases DIR] [--json] [--failures]`: runs OPA's conformance cases through
// aiws's Rego compiler and the opa-wasm SDK, printing pass/fail per feature folder and the total
// (or, with --json, `{ total, passed, failed, byFolder }`).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runConformance } from '../test/conformance/runner.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    cases: { type: 'string' },
    json: { type: 'boolean', default: false },
    failures: { type: 'boolean', default: false },
    timeout: { type: 'string' },
  },
});
const casesDir = resolve(values.cases ?? resolve(root, '../shared/conformance/opa'));
const summary = await runConformance({ casesDir, ...(values.timeout ? { caseTimeoutMs: Number(values.timeout) } : {}) });

if (values.json) {
  const { total, passed, failed, byFolder } = summary;
  console.log(JSON.stringify({ total, passed, failed, byFolder }, null, 2));
} else {
  const width = Math.max(...Object.keys(summary.byFolder).map((f) => f.length), 6);
  for (const [folder, s] of Object.entries(summary.byFolder).sort(([a], [b]) => (a < b ? -1 : 1))) {
    console.log(`${folder.padEnd(width)}  ${String(s.passed).padStart(4)}/${String(s.total).padEnd(4)} ${s.failed === 0 ? 'pass' : 'FAIL'}`);
  }
  if (values.failures) for (const r of summary.results) if (!r.passed) console.log(`FAIL ${r.id}: ${r.reason ?? ''}`);
  const pct = summary.total === 0 ? 0 : (100 * summary.passed) / summary.total;
  console.log(`\ntotal: ${summary.passed}/${summary.total} passed (${pct.toFixed(1)}%), ${summary.failed} failed`);
}
