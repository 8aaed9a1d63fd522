/**
 * `aiws workflow new`: writes a new workflow version directory that passes `aiws workflow verify` as
 * it is, with one functional, one boundary and one adversarial test, so an author starts from
 * something green and changes it step by step.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { valid } from 'semver';
import { DaemonError } from '../errors/index.ts';
import { codeFileName, manifestFileName } from './workflow-manifest.ts';

export interface ScaffoldOptions {
  /** The workflows directory. */
  readonly dir: string;
  readonly name: string;
  /** @default '0.1.0' */
  readonly version?: string;
  /** @default 'unknown' */
  readonly author?: string;
}

const namePattern = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Creates `<dir>/<name>/<version>/` and returns its path.
 * @throws STORE_MANIFEST_INVALID when the name is not kebab-case, the version not semver, or the directory exists
 */
export async function scaffoldWorkflow(options: ScaffoldOptions): Promise<string> {
  const { name } = options;
  const version = options.version ?? '0.1.0';
  if (!namePattern.test(name) || name.length > 64) {
    throw new DaemonError('STORE_MANIFEST_INVALID', `Cannot create workflow "${name}": the name must be kebab-case (a-z, 0-9, -), at most 64 characters`);
  }
  if (valid(version) !== version) throw new DaemonError('STORE_MANIFEST_INVALID', `Cannot create workflow "${name}": "${version}" is not a semver version`);
  const target = join(options.dir, name, version);
  try {
    await mkdir(join(options.dir, name), { recursive: true });
    await mkdir(target);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') throw new DaemonError('STORE_MANIFEST_INVALID', `Cannot create workflow "${name}": "${target}" already exists`, { cause });
    throw cause;
  }
  await mkdir(join(target, 'tests'));
  await writeFile(join(target, manifestFileName), manifest(name, version, options.author ?? 'unknown'));
  await writeFile(join(target, codeFileName), code);
  await writeFile(join(target, 'tests', 'basic.yaml'), tests);
  return target;
}

function manifest(name: string, version: string, author: string): string {
  return `# The manifest of workflow "${name}"; docs/workflows.md describes every key.
name: ${name}
version: ${version}
description: Greets someone by name (replace with what this workflow does)
tags: [example]
riskTier: low
author: ${JSON.stringify(author)}
input:
  type: object
  additionalProperties: false
  required: [name]
  properties:
    name: { type: string, minLength: 1, maxLength: 100 }
output:
  type: object
  additionalProperties: false
  required: [greeting]
  properties:
    greeting: { type: string }
# Capabilities this workflow may call, each with why; none yet.
capabilities: []
limits: { memoryMb: 32, cpuMs: 1000, wallMs: 5000 }
# Errors the workflow fails with: throw an Error whose \`code\` is one of these.
errors:
  - code: NAME_REJECTED
    description: The name contains markup or control characters
`;
}

const code = `// A workflow is an ES module whose default export receives the input and ctx (docs/sandbox.md).
export default async function (input, ctx) {
  // Refuse markup and control characters rather than echoing them into someone's page or log.
  if (/[<>\\u0000-\\u001f]/.test(input.name)) {
    throw Object.assign(new Error('the name must not contain markup or control characters'), { code: 'NAME_REJECTED' });
  }
  ctx.log('greeting', { length: input.name.length });
  return { greeting: \`Hello, \${input.name}\` };
}
`;

const tests = `# Test cases: run twice each in the sandbox by "aiws workflow verify" (docs/workflows.md).
cases:
  - name: greets by name
    kind: functional
    input: { name: Ada }
    output: { greeting: 'Hello, Ada' }
  - name: accepts the longest allowed name
    kind: boundary
    input: { name: ${'x'.repeat(100)} }
    output: { greeting: 'Hello, ${'x'.repeat(100)}' }
  - name: refuses an empty name
    kind: boundary
    input: { name: '' }
    error: { code: INPUT_INVALID }
  - name: refuses markup in the name
    kind: adversarial
    input: { name: '<script>alert(1)</script>' }
    error: { code: NAME_REJECTED }
`;
