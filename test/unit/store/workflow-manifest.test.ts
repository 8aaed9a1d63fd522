import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isDaemonError } from '../../../src/errors/index.ts';
import { checkManifest, loadWorkflow, type ManifestProblem } from '../../../src/store/index.ts';
import { fixtureManifest, makeTempDir, writeFixture } from '../../helpers/workflow-fixture.ts';

async function problemsOf(dir: string): Promise<ManifestProblem[]> {
  try {
    await loadWorkflow(dir);
  } catch (error) {
    if (isDaemonError(error) && error.code === 'STORE_MANIFEST_INVALID') return error.details?.errors as ManifestProblem[];
    throw error;
  }
  throw new Error('expected STORE_MANIFEST_INVALID');
}

async function tempRoot(): Promise<string> {
  const { dir, cleanup } = await makeTempDir();
  onTestFinished(cleanup);
  return dir;
}

describe('workflow manifest', () => {
  describe('#checkManifest', () => {
    it('accepts the fixture manifest', () => {
      expect(checkManifest(fixtureManifest())).toEqual([]);
    });

    it('names the file and the key path of every problem', () => {
      const problems = checkManifest({ ...fixtureManifest(), version: '1.0', riskTier: 'extreme', limits: { memoryMb: 'lots', cpuMs: 10, wallMs: 10 }, surprise: true });
      const at = problems.map((p) => `${p.file} ${p.pointer}`);
      expect(at).toEqual(expect.arrayContaining(['workflow.yaml /version', 'workflow.yaml /riskTier', 'workflow.yaml /limits/memoryMb', 'workflow.yaml /surprise']));
      expect(problems.find((p) => p.pointer === '/riskTier')?.message).toContain('"critical"');
      expect(problems.find((p) => p.pointer === '/surprise')?.message).toBe('is not an allowed property');
    });

    it('reports a missing required key at its own pointer', () => {
      const { author: _author, ...rest } = fixtureManifest();
      expect(checkManifest(rest)).toEqual([{ file: 'workflow.yaml', pointer: '/author', message: 'is required' }]);
    });

    it('refuses an input schema that does not compile and a capability declared twice', () => {
      const problems = checkManifest({
        ...fixtureManifest(),
        input: { type: 'no-such-type' },
        capabilities: [{ name: 'kv.get', purpose: 'a' }, { name: 'kv.get', purpose: 'b' }],
      });
      expect(problems.map((p) => p.pointer)).toEqual(expect.arrayContaining(['/input', '/capabilities/1/name']));
    });
  });

  describe('#loadWorkflow', () => {
    it('loads a valid version with its tests', async () => {
      const dir = await writeFixture(await tempRoot());
      const loaded = await loadWorkflow(dir);
      expect(loaded.manifest.name).toBe('greeter');
      expect(loaded.tests.map((t) => t.kind)).toEqual(['functional', 'boundary', 'adversarial']);
      expect(loaded.tests[0]?.file).toBe('tests/cases.yaml');
    });

    it('reports a YAML syntax error with its line', async () => {
      const dir = await writeFixture(await tempRoot());
      await writeFile(join(dir, 'workflow.yaml'), 'name: greeter\nversion: [1.0.0\n');
      const problems = await problemsOf(dir);
      expect(problems[0]?.file).toBe('workflow.yaml');
      expect(problems[0]?.message).toMatch(/line \d+/);
    });

    it('names the test file and case key of test problems, and every one of them', async () => {
      const dir = await writeFixture(await tempRoot(), {
        cases: [
          { name: 'bad kind', kind: 'smoke', input: { who: 'x' }, output: { text: 'x' } },
          { name: 'no expectation', kind: 'functional', input: { who: 'x' } },
        ],
      });
      const problems = await problemsOf(dir);
      expect(problems.every((p) => p.file === 'tests/cases.yaml')).toBe(true);
      expect(problems.map((p) => p.pointer)).toEqual(expect.arrayContaining(['/cases/0/kind', '/cases/1']));
    });

    it('demands INPUT_INVALID for a case whose input breaks the input schema', async () => {
      const dir = await writeFixture(await tempRoot(), { cases: [{ name: 'too long', kind: 'boundary', input: { who: 'x'.repeat(21) }, output: { text: 'x' } }] });
      const problems = await problemsOf(dir);
      expect(problems).toContainEqual(expect.objectContaining({ file: 'tests/cases.yaml', pointer: '/cases/0/input/who' }));
    });

    it('refuses a recorded call of an undeclared capability and an adversarial case expecting an undeclared code', async () => {
      const dir = await writeFixture(await tempRoot(), {
        cases: [
          { name: 'sneaky', kind: 'functional', input: { who: 'x' }, calls: [{ name: 'http.fetch', result: {} }], output: { text: 'x' } },
          { name: 'crash', kind: 'adversarial', input: { who: 'x' }, error: { code: 'WORKFLOW_ERROR' } },
        ],
      });
      const problems = await problemsOf(dir);
      expect(problems.map((p) => p.pointer)).toEqual(expect.arrayContaining(['/cases/0/calls/0/name', '/cases/1/error/code']));
    });

    it('loads main.ts with its types stripped, keeping line numbers', async () => {
      const dir = await writeFixture(await tempRoot());
      const { rm } = await import('node:fs/promises');
      await rm(join(dir, 'main.js'));
      await writeFile(join(dir, 'main.ts'), 'interface Input { who: string }\nexport default async function (input: Input, ctx: unknown): Promise<{ text: string }> {\n  return { text: input.who };\n}\n');
      const loaded = await loadWorkflow(dir);
      expect(loaded.codeFile).toBe('main.ts');
      expect(loaded.code).not.toContain('interface');
      expect(loaded.code.split('\n')[2]).toBe('  return { text: input.who };');
    });

    it('refuses main.ts with non-erasable syntax, and main.ts beside main.js', async () => {
      const dir = await writeFixture(await tempRoot());
      await writeFile(join(dir, 'main.ts'), 'export default async function () {}\n');
      expect((await problemsOf(dir)).map((p) => p.file)).toContain('main.ts');
      const { rm } = await import('node:fs/promises');
      await rm(join(dir, 'main.js'));
      await writeFile(join(dir, 'main.ts'), 'enum Mode { A }\nexport default async function () { return Mode.A; }\n');
      expect(await problemsOf(dir)).toContainEqual(expect.objectContaining({ file: 'main.ts', message: expect.stringContaining('enum') }));
    });

    it('reports a missing main.js and a missing tests directory together', async () => {
      const root = await tempRoot();
      const dir = join(root, 'x');
      await writeFixture(root, { name: 'x', version: '1.0.0' });
      const { rm } = await import('node:fs/promises');
      await rm(join(dir, '1.0.0', 'main.js'));
      await rm(join(dir, '1.0.0', 'tests'), { recursive: true });
      const problems = await problemsOf(join(dir, '1.0.0'));
      expect(problems.map((p) => p.file)).toEqual(expect.arrayContaining(['main.js', 'tests/']));
    });
  });
});
