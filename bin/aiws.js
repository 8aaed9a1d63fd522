#!/usr/bin/env node
// Entry point of the `aiws` command. aiws targets Node 24 (isolated-vm 7, type stripping); the npm
// package `node` installs that binary into node_modules, so when this file is started by an older
// node (a bare `./bin/aiws.js` on a machine that ships Node 20) it re-executes itself under it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const node24 = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(node24)) {
    process.stderr.write(`aiws needs Node 24 or later (this is ${process.version}); run "npm install" first\n`);
    process.exit(2);
  }
  const child = spawnSync(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

await import('../src/cli/main.ts');
