// Builds the Rego policy runtime (AssemblyScript, src/rego/wasm/runtime/assembly/) into
// src/rego/wasm/runtime/build/runtime.wasm, which the WASM emitter reads. Runs at `npm install`
// (the "prepare" script); skips the compile when the output is newer than every source file.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as AscModule from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'src/rego/wasm/runtime/assembly');
const outFile = join(root, 'src/rego/wasm/runtime/build/runtime.wasm');

function newestSourceMs(): number {
  let newest = 0;
  for (const name of readdirSync(sourceDir)) {
    newest = Math.max(newest, statSync(join(sourceDir, name)).mtimeMs);
  }
  return newest;
}

function outputMs(): number {
  try {
    return statSync(outFile).mtimeMs;
  } catch {
    return 0;
  }
}

const force = process.argv.includes('--force');
if (!force && outputMs() > newestSourceMs()) {
  process.exit(0);
}

mkdirSync(dirname(outFile), { recursive: true });
// asc resolves the config's relative paths against the config file; `use` is relative to cwd
process.chdir(root);
let asc: typeof AscModule;
try {
  asc = await import('assemblyscript/asc');
} catch (cause) {
  process.stderr.write(`Cannot build the Rego runtime: the "assemblyscript" package is not installed: ${String(cause)}\n`);
  process.exit(1);
}
const { error, stderr } = await asc.main([
  join(sourceDir, 'index.ts'),
  '--config', join(sourceDir, 'asconfig.json'),
  '--outFile', outFile,
]);
if (error) {
  process.stderr.write(stderr.toString());
  process.stderr.write(`Cannot build the Rego runtime: ${error.message}\n`);
  process.exit(1);
}
process.stdout.write(`built ${outFile}\n`);
