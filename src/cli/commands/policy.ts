/**
 * `aiws policy check|eval|build`: the Rego compiler on the command line, without a daemon.
 *
 * - `check <dir|files...>` prints diagnostics (with the source line and a caret) and fails on errors.
 * - `eval -d <dir|file>... [-i input.json] '<query>'` prints the result like `opa eval -f json`.
 * - `build <dir> -e <entrypoint>... -o bundle.tar.gz` writes an OPA bundle with /policy.wasm.
 * - `test <dir|files...> [-r regex]` runs the `test_` rules like `opa test` (src/rego/testing).
 *
 * Data files: a `.json`/`.yaml` file found under a directory given with `-d` (or to `build`) is data
 * at its directory's path (`dir/a/b/data.json` is `data.a.b`); a data file named directly is data
 * at the root. Exit status: 0 ok, 1 policy errors (or undefined nothing), 2 usage error.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { create as createTar } from 'tar';
import { parse as parseYaml } from 'yaml';
import { checkPolicy, compile, compileQuery, encodeInput, formatDiagnostics, hasErrors, isPathEntrypoint, loadCompiledPolicy, type Diagnostic } from '../../rego/index.ts';
import { runRegoTests } from '../../rego/testing/index.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { UsageError } from '../usage-error.ts';

export const help = `Usage: aiws policy <check|eval|build|test> [options]

  aiws policy check <dir|file.rego>...
      Parse and check Rego modules; prints every diagnostic with its source line.
  aiws policy eval -d <dir|file>... [-i input.json] '<query>'
      Compile the query against the modules and data, evaluate it through the WASM SDK, and print
      {"result":[{"expressions":[...],"bindings":{...}}]} like \`opa eval -f json\` ({} when undefined).
  aiws policy build <dir> -e <entrypoint>... -o bundle.tar.gz
      Compile the modules under <dir> for the entrypoints (a/b/c means data.a.b.c) and write an OPA
      bundle: /policy.wasm, /data.json and /.manifest.
  aiws policy test <dir|file>... [-r <regex>]
      Run every \`test_\` rule (like \`opa test\`): prints PASS/FAIL/ERROR per test; exit 1 on any failure.

Options:
  -d, --data <path>        (eval) a .rego, .json or .yaml file or a directory; repeatable
  -i, --input <file>       (eval) the input document (JSON or YAML)
  -e, --entrypoint <path>  (build) an entrypoint; repeatable
  -o, --output <file>      (build) the bundle to write
  -r, --run <regex>        (test) only tests whose name (data.pkg.test_x) matches
  -h, --help               show this help

Data: .json/.yaml files under a directory are data at their directory's path.
Exit status: 0 ok, 1 policy errors, 2 usage error.`;

export default async function policy(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'check': return check(rest);
    case 'eval': return evalCommand(rest);
    case 'build': return build(rest);
    case 'test': return testCommand(rest);
    case undefined: throw new UsageError('missing subcommand: expected "check", "eval", "build" or "test"');
    default: throw new UsageError(`unknown subcommand "${sub}": expected "check", "eval", "build" or "test"`);
  }
}

interface Loaded {
  readonly modules: Record<string, string>;
  readonly data: Record<string, unknown>;
}

async function check(argv: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(argv, { options: {}, allowPositionals: true });
  if (positionals.length === 0) throw new UsageError('missing <dir|file> to check');
  const loaded = await loadPaths(positionals, { data: false });
  const count = Object.keys(loaded.modules).length;
  if (count === 0) throw new UsageError(`no .rego files found in ${positionals.map((p) => `"${p}"`).join(', ')}`);
  const diagnostics = checkPolicy({ modules: loaded.modules });
  if (diagnostics.length > 0) process.stderr.write(`${formatDiagnostics(diagnostics, loaded.modules)}\n`);
  if (hasErrors(diagnostics)) return 1;
  process.stdout.write(`${count} module${count === 1 ? '' : 's'} checked: no errors\n`);
  return 0;
}

async function evalCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    options: { data: { type: 'string', short: 'd', multiple: true }, input: { type: 'string', short: 'i' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('expected exactly one query');
  const query = positionals[0]!;
  const loaded = await loadPaths(values.data ?? [], { data: true });
  const input = values.input === undefined ? undefined : await readDocument(values.input);
  const compiled = compileQuery({ modules: loaded.modules, query });
  if (!compiled.wasm) return reportDiagnostics(compiled.diagnostics, { ...loaded.modules, '<query>': query });
  const policy = await loadCompiledPolicy(compiled.wasm);
  policy.setData(loaded.data);
  const rows = policy.evaluate(encodeInput(input), 0) as Record<string, unknown>[];
  const exprBindings = new Set(compiled.expressions.flatMap((e) => (e.binding === null ? [] : [e.binding])));
  const result = rows.map((row) => {
    const bindings: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (!exprBindings.has(k)) bindings[k] = v;
    const expressions = compiled.expressions.map((e) => ({ value: e.binding === null ? true : row[e.binding], text: e.text, location: e.location }));
    return Object.keys(bindings).length > 0 ? { expressions, bindings } : { expressions };
  });
  process.stdout.write(`${JSON.stringify(result.length === 0 ? {} : { result }, null, 2)}\n`);
  return 0;
}

async function build(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    options: { entrypoint: { type: 'string', short: 'e', multiple: true }, output: { type: 'string', short: 'o' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('expected exactly one <dir> to build');
  const entrypoints = values.entrypoint ?? [];
  if (entrypoints.length === 0) throw new UsageError('missing -e <entrypoint>');
  for (const e of entrypoints) if (!isPathEntrypoint(e)) throw new UsageError(`invalid entrypoint "${e}": expected a rule path such as "authz/allow"`);
  if (values.output === undefined) throw new UsageError('missing -o <bundle.tar.gz>');
  const loaded = await loadPaths(positionals, { data: true });
  const compiled = compile({ modules: loaded.modules, entrypoints });
  if (!compiled.wasm) return reportDiagnostics(compiled.diagnostics, loaded.modules);
  const staging = await mkdtemp(join(tmpdir(), 'aiws-bundle-'));
  try {
    const manifest = { revision: '', roots: [''], wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })) };
    await writeFile(join(staging, 'policy.wasm'), compiled.wasm);
    await writeFile(join(staging, 'data.json'), JSON.stringify(loaded.data));
    await writeFile(join(staging, '.manifest'), JSON.stringify(manifest));
    await createTar({ gzip: true, file: resolve(values.output), cwd: staging, portable: true }, ['policy.wasm', 'data.json', '.manifest']);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  process.stdout.write(`wrote ${values.output}: ${entrypoints.length} entrypoint${entrypoints.length === 1 ? '' : 's'}, ${compiled.wasm.byteLength} bytes of wasm\n`);
  return 0;
}

/** `policy test`: runs the `test_` rules of the modules with the data beside them (owned by the policy helper, issue #4). */
async function testCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { options: { run: { type: 'string', short: 'r' } }, allowPositionals: true });
  if (positionals.length === 0) throw new UsageError('missing <dir|file> to test');
  let filter: RegExp | undefined;
  try {
    filter = values.run === undefined ? undefined : new RegExp(values.run);
  } catch {
    throw new UsageError(`invalid --run pattern "${values.run}"`);
  }
  const loaded = await loadPaths(positionals, { data: true });
  const report = await runRegoTests({ modules: loaded.modules, data: loaded.data, ...(filter === undefined ? {} : { filter }) });
  if (hasErrors(report.diagnostics)) return reportDiagnostics(report.diagnostics, loaded.modules);
  if (report.results.length === 0) {
    process.stderr.write('no tests found: a test is a rule whose name starts with "test_"\n');
    return 1;
  }
  for (const r of report.results) {
    const line = `${r.status.toUpperCase()} ${r.name} (${(r.durationUs / 1000).toFixed(1)} ms)`;
    process.stdout.write(r.message === undefined ? `${line}\n` : `${line}\n  ${r.file}:${r.line}: ${r.message}\n`);
  }
  const total = report.results.length;
  process.stdout.write(`${'-'.repeat(60)}\nPASS: ${report.passed}/${total}${report.failed > 0 ? `\nFAIL: ${report.failed}/${total}` : ''}${report.errored > 0 ? `\nERROR: ${report.errored}/${total}` : ''}\n`);
  return report.passed === total ? 0 : 1;
}

function reportDiagnostics(diagnostics: readonly Diagnostic[], sources: Record<string, string>): number {
  process.stderr.write(`${formatDiagnostics(diagnostics, sources)}\n`);
  return 1;
}

/** Reads .rego modules and (optionally) data documents from files and directories. */
async function loadPaths(paths: readonly string[], options: { data: boolean }): Promise<Loaded> {
  const modules: Record<string, string> = {};
  const data: Record<string, unknown> = {};
  for (const p of paths) {
    const info = await stat(p).catch(() => {
      throw new UsageError(`cannot read "${p}": no such file or directory`);
    });
    if (info.isDirectory()) {
      for (const file of await walk(p)) {
        if (file.endsWith('.rego')) modules[file] = await readFile(file, 'utf8');
        else if (options.data && isDataFile(file)) {
          const dir = relative(p, dirname(file));
          mergeAt(data, dir === '' ? [] : dir.split(sep), await readDocument(file));
        }
      }
    } else if (p.endsWith('.rego')) modules[p] = await readFile(p, 'utf8');
    else if (options.data && isDataFile(p)) mergeAt(data, [], await readDocument(p));
    else throw new UsageError(`cannot use "${p}": expected a directory, a .rego file${options.data ? ' or a .json/.yaml data file' : ''}`);
  }
  return { modules, data };
}

function isDataFile(file: string): boolean {
  return /\.(json|ya?ml)$/.test(file) && basename(file) !== '.manifest';
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

async function readDocument(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UsageError(`cannot read "${file}": no such file`);
  });
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(`cannot parse "${file}": ${error instanceof Error ? error.message : String(error)}`);
  }
}

function mergeAt(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = root;
  for (const key of path) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  if (path.length === 0 && (typeof value !== 'object' || value === null || Array.isArray(value))) throw new UsageError('data at the root must be an object');
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) deepMerge(node, value as Record<string, unknown>);
  else if (path.length > 0) assignLeaf(root, path, value);
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (typeof cur === 'object' && cur !== null && !Array.isArray(cur) && typeof v === 'object' && v !== null && !Array.isArray(v)) deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>);
    else into[k] = v;
  }
}

function assignLeaf(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
}
