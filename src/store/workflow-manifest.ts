/**
 * Loading one workflow version directory: `workflow.yaml` validated against the published manifest
 * schema (schemas/workflow-manifest.schema.json), the declared input/output schemas compiled, the
 * code read, and the test files (`tests/*.yaml`) validated against schemas/workflow-test.schema.json.
 *
 * Every problem is collected (never only the first) and reported as STORE_MANIFEST_INVALID whose
 * `details.errors` name the file (relative to the version directory) and the key path (JSON pointer).
 */
import { readdir, readFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { DaemonError } from '../errors/index.ts';
import { createStoreAjv, loadSchema, violationsOf } from './schema-validation.ts';

export const riskTiers = ['low', 'medium', 'high', 'critical'] as const;
export type RiskTier = (typeof riskTiers)[number];

export const testKinds = ['functional', 'boundary', 'adversarial'] as const;
export type TestKind = (typeof testKinds)[number];

/** A capability the workflow declares, with why it needs it. */
export interface DeclaredCapability {
  readonly name: string;
  readonly purpose: string;
}

/** An error code the workflow may fail with: thrown as an Error whose `code` is it (run.failed `error.details.workflowCode`). */
export interface DeclaredError {
  readonly code: string;
  readonly description: string;
}

/** `workflow.yaml`, as validated. */
export interface WorkflowManifest {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly riskTier: RiskTier;
  readonly input: Readonly<Record<string, unknown>>;
  readonly output: Readonly<Record<string, unknown>>;
  readonly capabilities: readonly DeclaredCapability[];
  readonly limits: { readonly memoryMb: number; readonly cpuMs: number; readonly wallMs: number };
  readonly author: string;
  readonly errors: readonly DeclaredError[];
}

/** A recorded capability call a test expects, with the answer to give. */
export interface RecordedCall {
  readonly name: string;
  /** Absent: any args. */
  readonly args?: unknown;
  /** `exact` (default): args deep-equal; `subset`: every key given here matches, others are free. */
  readonly match?: 'exact' | 'subset';
  readonly result?: unknown;
  readonly error?: { readonly code: string; readonly message: string; readonly details?: Record<string, unknown> };
  /** The policy must deny this call; the guest gets POLICY_DENIED. */
  readonly denied?: true;
}

/** One test case of `tests/*.yaml`. */
export interface WorkflowTestCase {
  /** The test file, relative to the version directory. */
  readonly file: string;
  readonly name: string;
  readonly kind: TestKind;
  readonly description?: string;
  readonly input: unknown;
  readonly calls: readonly RecordedCall[];
  readonly output?: unknown;
  readonly error?: { readonly code: string; readonly message?: string };
}

/** One problem in a workflow directory's files. */
export interface ManifestProblem {
  /** Relative to the version directory, e.g. `workflow.yaml`, `tests/basic.yaml`. */
  readonly file: string;
  /** JSON pointer of the key (`''` for the whole file). */
  readonly pointer: string;
  readonly message: string;
}

/** A fully loaded, valid workflow version. */
export interface LoadedWorkflow {
  readonly dir: string;
  readonly manifest: WorkflowManifest;
  /** The ES module source (`main.js`). */
  readonly code: string;
  readonly codeFile: string;
  readonly tests: readonly WorkflowTestCase[];
  readonly validateInput: ValidateFunction;
  readonly validateOutput: ValidateFunction;
}

const ajv = createStoreAjv();
const validateManifestDocument = ajv.compile(loadSchema('workflow-manifest.schema.json'));
const validateTestDocument = ajv.compile(loadSchema('workflow-test.schema.json'));

/** The code file of a version directory (or `main.ts`, see `loadCode`). */
export const codeFileName = 'main.js';
export const typeScriptCodeFileName = 'main.ts';
export const manifestFileName = 'workflow.yaml';

/**
 * Parses YAML text, turning syntax errors into problems with their line and column.
 * Returns `undefined` (and adds problems) when the text does not parse.
 */
export function parseYamlFile(text: string, file: string, problems: ManifestProblem[]): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, merge: true, lineCounter });
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const where = lineCounter.linePos(error.pos[0]);
      problems.push({ file, pointer: '', message: `${error.message.split('\n')[0]}${where === undefined ? '' : ` (line ${where.line}, column ${where.col})`}` });
    }
    return undefined;
  }
  return document.toJS({ maxAliasCount: 100 }) as unknown;
}

/**
 * Validates a manifest value; returns its problems (empty when valid). Also checks that the input and
 * output schemas compile and that every capability and error code is declared once.
 */
export function checkManifest(value: unknown, file = manifestFileName): ManifestProblem[] {
  const problems: ManifestProblem[] = violationsOf(validateManifestDocument, value).map((v) => ({ file, pointer: v.pointer, message: v.message }));
  if (problems.length > 0) return problems;
  const manifest = value as WorkflowManifest;
  for (const key of ['input', 'output'] as const) {
    try {
      ajv.compile(manifest[key]);
    } catch (error) {
      problems.push({ file, pointer: `/${key}`, message: `is not a valid JSON Schema: ${(error as Error).message}` });
    }
  }
  const names = new Set<string>();
  manifest.capabilities.forEach((capability, index) => {
    if (names.has(capability.name)) problems.push({ file, pointer: `/capabilities/${index}/name`, message: `declares "${capability.name}" twice` });
    names.add(capability.name);
  });
  const codes = new Set<string>();
  (manifest.errors ?? []).forEach((error, index) => {
    if (codes.has(error.code)) problems.push({ file, pointer: `/errors/${index}/code`, message: `declares "${error.code}" twice` });
    codes.add(error.code);
  });
  return problems;
}

/**
 * Loads and validates the version directory `dir`.
 * @throws STORE_MANIFEST_INVALID with `details.errors: ManifestProblem[]` listing every problem
 */
export async function loadWorkflow(dir: string): Promise<LoadedWorkflow> {
  const problems: ManifestProblem[] = [];
  const manifestText = await readOptional(join(dir, manifestFileName));
  let manifest: WorkflowManifest | undefined;
  if (manifestText === undefined) {
    problems.push({ file: manifestFileName, pointer: '', message: 'is missing' });
  } else {
    const value = parseYamlFile(manifestText, manifestFileName, problems);
    if (value !== undefined) {
      const found = checkManifest(value);
      problems.push(...found);
      if (found.length === 0) manifest = withDefaults(value as WorkflowManifest);
    }
  }
  const { code, codeFile } = await loadCode(dir, problems);
  const tests = await loadTests(dir, problems);
  if (manifest !== undefined) {
    const inputValidator = ajv.compile(manifest.input);
    const outputValidator = ajv.compile(manifest.output);
    checkTestsAgainstManifest(manifest, tests, inputValidator, outputValidator, problems);
    if (problems.length === 0 && code !== undefined) {
      return { dir, manifest, code, codeFile, tests, validateInput: inputValidator, validateOutput: outputValidator };
    }
  }
  throw manifestError(dir, problems);
}

/**
 * Reads `main.js`, or else `main.ts` with its types stripped by Node's own `stripTypeScriptTypes`
 * (erasable syntax only, like the rest of aiws; types become spaces, so line and column numbers in
 * errors and stacks stay those of main.ts). Problems are added when neither or both exist.
 */
async function loadCode(dir: string, problems: ManifestProblem[]): Promise<{ code: string | undefined; codeFile: string }> {
  const js = await readOptional(join(dir, codeFileName));
  const ts = await readOptional(join(dir, typeScriptCodeFileName));
  if (js !== undefined && ts !== undefined) {
    problems.push({ file: typeScriptCodeFileName, pointer: '', message: 'exists beside main.js: keep one code file' });
    return { code: undefined, codeFile: codeFileName };
  }
  if (js !== undefined) return { code: js, codeFile: codeFileName };
  if (ts === undefined) {
    problems.push({ file: codeFileName, pointer: '', message: 'is missing (or main.ts)' });
    return { code: undefined, codeFile: codeFileName };
  }
  try {
    return { code: stripTypeScriptTypes(ts, { mode: 'strip' }), codeFile: typeScriptCodeFileName };
  } catch (error) {
    problems.push({ file: typeScriptCodeFileName, pointer: '', message: `cannot be stripped of its types: ${(error as Error).message}` });
    return { code: undefined, codeFile: typeScriptCodeFileName };
  }
}

/** The STORE_MANIFEST_INVALID error for `problems` found in `dir`. */
export function manifestError(dir: string, problems: readonly ManifestProblem[]): DaemonError {
  const first = problems[0];
  const head = first === undefined ? 'invalid' : `${first.file}${first.pointer === '' ? '' : ` ${first.pointer}`} ${first.message}`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new DaemonError('STORE_MANIFEST_INVALID', `Invalid workflow "${dir}": ${head}${more}`, { details: { dir, errors: problems } });
}

function withDefaults(manifest: WorkflowManifest): WorkflowManifest {
  return { ...manifest, tags: manifest.tags ?? [], errors: manifest.errors ?? [] };
}

async function loadTests(dir: string, problems: ManifestProblem[]): Promise<WorkflowTestCase[]> {
  let names: string[];
  try {
    names = (await readdir(join(dir, 'tests'))).filter((name) => name.endsWith('.yaml') || name.endsWith('.yml')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    names = [];
  }
  if (names.length === 0) {
    problems.push({ file: 'tests/', pointer: '', message: 'holds no test file (tests/*.yaml)' });
    return [];
  }
  const cases: WorkflowTestCase[] = [];
  for (const name of names) {
    const file = `tests/${name}`;
    const text = await readFile(join(dir, 'tests', name), 'utf8');
    const value = parseYamlFile(text, file, problems);
    if (value === undefined) continue;
    const found = violationsOf(validateTestDocument, value).map((v) => ({ file, pointer: v.pointer, message: v.message }));
    if (found.length > 0) {
      problems.push(...found);
      continue;
    }
    for (const testCase of (value as { cases: Omit<WorkflowTestCase, 'file'>[] }).cases) {
      cases.push({ ...testCase, calls: testCase.calls ?? [], file });
    }
  }
  return cases;
}

/** Test inputs must match the input schema (unless the case expects INPUT_INVALID), outputs the output schema. */
function checkTestsAgainstManifest(
  manifest: WorkflowManifest,
  tests: readonly WorkflowTestCase[],
  validateInput: ValidateFunction,
  validateOutput: ValidateFunction,
  problems: ManifestProblem[],
): void {
  const declared = new Set(manifest.capabilities.map((c) => c.name));
  const declaredErrors = new Set(manifest.errors.map((e) => e.code));
  const seen = new Set<string>();
  const indexInFile = new Map<string, number>();
  for (const testCase of tests) {
    const index = indexInFile.get(testCase.file) ?? 0;
    indexInFile.set(testCase.file, index + 1);
    const at = `/cases/${index}`;
    if (seen.has(testCase.name)) problems.push({ file: testCase.file, pointer: `${at}/name`, message: `repeats the test name "${testCase.name}"` });
    seen.add(testCase.name);
    const inputProblems = violationsOf(validateInput, testCase.input);
    if (inputProblems.length > 0 && testCase.error?.code !== 'INPUT_INVALID') {
      for (const v of inputProblems) problems.push({ file: testCase.file, pointer: `${at}/input${v.pointer}`, message: `${v.message} (input schema); a case with invalid input must expect error INPUT_INVALID` });
    }
    if (inputProblems.length === 0 && testCase.error?.code === 'INPUT_INVALID') {
      problems.push({ file: testCase.file, pointer: `${at}/input`, message: 'matches the input schema, but the case expects INPUT_INVALID' });
    }
    if (testCase.output !== undefined) {
      for (const v of violationsOf(validateOutput, testCase.output)) problems.push({ file: testCase.file, pointer: `${at}/output${v.pointer}`, message: `${v.message} (output schema)` });
    }
    testCase.calls.forEach((call, callIndex) => {
      if (!declared.has(call.name)) problems.push({ file: testCase.file, pointer: `${at}/calls/${callIndex}/name`, message: `records a call of "${call.name}", which workflow.yaml does not declare` });
    });
    if (testCase.kind === 'adversarial' && testCase.error !== undefined && testCase.error.code !== 'INPUT_INVALID' && !declaredErrors.has(testCase.error.code)) {
      problems.push({ file: testCase.file, pointer: `${at}/error/code`, message: `an adversarial case must fail with INPUT_INVALID or a declared error, not "${testCase.error.code}"` });
    }
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
