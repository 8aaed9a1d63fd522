/**
 * Test support: a temp copy of the shipped policies/ directory (or an empty one) with files
 * overridden or added, removed when the test finishes; and an engine over it, closed likewise.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import type { Logger } from '../../../../src/log/index.ts';
import { PolicyEngine, type PolicyEngineOptions } from '../../../../src/policy/index.ts';

/** The repository's shipped policies. */
export const shippedPoliciesDir = fileURLToPath(new URL('../../../../policies/', import.meta.url));

/** Egress data that lets tests reach the 127.0.0.1 test server over plain http. */
export const localEgressYaml = 'egress:\n  schemes: [http]\n  hosts: ["127.0.0.1"]\n';

export interface PolicyDirOptions {
  /** Start from a copy of the shipped policies. @default true */
  readonly shipped?: boolean;
  /** Relative path → content, written after the copy. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
}

/** A temp policies directory, removed when the test finishes. */
export async function createPolicyDir(options: PolicyDirOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aiws-policies-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  if (options.shipped ?? true) await cp(shippedPoliciesDir, dir, { recursive: true });
  for (const [file, content] of Object.entries(options.files ?? {})) await writeFileAt(dir, file, content);
  return dir;
}

/** Writes `content` at `dir/file`, creating directories. */
export async function writeFileAt(dir: string, file: string, content: string | Uint8Array): Promise<void> {
  const path = join(dir, ...file.split('/'));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** An engine over `dir` (not watching unless asked), closed when the test finishes. */
export async function createTestEngine(dir: string, options: Omit<PolicyEngineOptions, 'dir'> & { readonly logger?: Logger } = {}): Promise<PolicyEngine> {
  const engine = await PolicyEngine.create({ watch: false, ...options, dir });
  onTestFinished(() => engine.close());
  return engine;
}
