// Workflow fixtures for store tests: writes a small valid workflow version (manifest, main.js, one
// test file with the three kinds) into a temp workflows directory, with overrides per test.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface FixtureOptions {
  readonly name?: string;
  readonly version?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  /** Replaces main.js. */
  readonly code?: string;
  /** Merged over the default manifest (top-level keys). */
  readonly manifest?: Record<string, unknown>;
  /** Replaces tests/cases.yaml's cases. */
  readonly cases?: readonly Record<string, unknown>[];
}

/** A temp directory to hold `workflows/`; removed by `cleanup`. */
export async function makeTempDir(prefix = 'aiws-store-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const defaultCode = `export default async function (input, ctx) {
  const r = await ctx.call('kv.get', { key: 'greeting:' + input.who });
  if (!r.found) throw Object.assign(new Error('no greeting for ' + input.who), { code: 'GREETING_UNKNOWN' });
  ctx.log('greeted', { who: input.who });
  return { text: r.value + ', ' + input.who };
}
`;

export const defaultCases: readonly Record<string, unknown>[] = [
  { name: 'greets', kind: 'functional', input: { who: 'Ada' }, calls: [{ name: 'kv.get', args: { key: 'greeting:Ada' }, result: { found: true, value: 'Hello' } }], output: { text: 'Hello, Ada' } },
  { name: 'one-letter name', kind: 'boundary', input: { who: 'A' }, calls: [{ name: 'kv.get', args: { key: 'greeting:A' }, result: { found: true, value: 'Hi' } }], output: { text: 'Hi, A' } },
  { name: 'unknown greeting', kind: 'adversarial', input: { who: 'Eve' }, calls: [{ name: 'kv.get', args: { key: 'greeting:Eve' }, result: { found: false, value: null } }], error: { code: 'GREETING_UNKNOWN' } },
];

/** The default manifest of a fixture. */
export function fixtureManifest(options: FixtureOptions = {}): Record<string, unknown> {
  return {
    name: options.name ?? 'greeter',
    version: options.version ?? '1.0.0',
    description: options.description ?? 'Greets someone with a greeting from kv',
    tags: options.tags ?? ['example'],
    riskTier: 'low',
    author: 'tests',
    input: { type: 'object', additionalProperties: false, required: ['who'], properties: { who: { type: 'string', minLength: 1, maxLength: 20 } } },
    output: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string' } } },
    capabilities: [{ name: 'kv.get', purpose: 'read the greeting' }],
    limits: { memoryMb: 32, cpuMs: 1000, wallMs: 5000 },
    errors: [{ code: 'GREETING_UNKNOWN', description: 'no greeting stored for the name' }],
    ...options.manifest,
  };
}

/** Writes `<root>/<name>/<version>/` and returns its path. */
export async function writeFixture(root: string, options: FixtureOptions = {}): Promise<string> {
  const manifest = fixtureManifest(options);
  const dir = join(root, String(manifest.name), String(manifest.version));
  await mkdir(join(dir, 'tests'), { recursive: true });
  await writeFile(join(dir, 'workflow.yaml'), stringify(manifest));
  await writeFile(join(dir, 'main.js'), options.code ?? defaultCode);
  await writeFile(join(dir, 'tests', 'cases.yaml'), stringify({ cases: options.cases ?? defaultCases }));
  return dir;
}
