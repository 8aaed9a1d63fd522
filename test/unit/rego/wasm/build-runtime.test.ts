/**
 * scripts/build-rego-runtime.ts, the `prepare` step that compiles the AssemblyScript runtime: it
 * leaves an up-to-date runtime alone, and the runtime it produces has the ABI's exports and imports
 * nothing but `env.memory` and `env.opa_abort`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleInterface } from '../../../helpers/wasm-policy.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const runtime = `${root}src/rego/wasm/runtime/build/runtime.wasm`;

describe('build-rego-runtime', () => {
  it('skips the compile when runtime.wasm is newer than the sources', () => {
    execFileSync(process.execPath, ['scripts/build-rego-runtime.ts'], { cwd: root });
    const before = statSync(runtime).mtimeMs;
    const out = execFileSync(process.execPath, ['scripts/build-rego-runtime.ts'], { cwd: root, encoding: 'utf8' });
    expect(out).toBe('');
    expect(statSync(runtime).mtimeMs).toBe(before);
  });

  it('produces a runtime that imports only memory and opa_abort and exports the ABI', () => {
    const { imports, exports } = moduleInterface(readFileSync(runtime));
    expect(imports.sort()).toEqual(['env.memory', 'env.opa_abort']);
    for (const name of ['opa_malloc', 'opa_json_parse', 'opa_json_dump', 'opa_value_dump', 'rt_static_end', 'bi_plus']) {
      expect(exports).toContain(name);
    }
  });
});
