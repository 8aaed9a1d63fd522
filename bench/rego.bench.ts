// Rego compiler and evaluation benchmarks: compile time of a realistic capability policy
// (test/fixtures/rego/capability-policy.rego); evaluation through the opa-wasm SDK of a trivial
// policy and of that policy, beside the per-call JSON round trip the SDK does (the floor) and an
// equivalent hand-written JS function. Medians and ratios, measured side by side in one run.
import { readFileSync } from 'node:fs';
import { compile, loadCompiledPolicy } from '../src/rego/index.ts';
import { parseModule } from '../src/rego/syntax/index.ts';
import { checkModules } from '../src/rego/check/index.ts';
import { planPolicy } from '../src/rego/compiler/plan-policy.ts';
import { median } from './bench-stats.ts';

const CAPABILITY_SOURCE = readFileSync(new URL('../test/fixtures/rego/capability-policy.rego', import.meta.url), 'utf8');
const TRIVIAL_SOURCE = 'package trivial\n\nallow if input.call.capability == "kv.get"\n';

const data = {
  egress: { hosts: ['api.example.com'], wildcards: ['*.trusted.dev'] },
  restrictions: { readonly_prefixes: ['sys/'] },
  budgets: { default: 10, 'http.fetch': 3, total: 100 },
  settings: {},
};
const input = {
  workflow: { name: 'report', capabilities: ['http.fetch', 'kv.get', 'kv.put'] },
  call: { capability: 'http.fetch', args: { url: 'https://a.trusted.dev/v1/items' } },
  run: { calls: { 'http.fetch': 1, 'kv.put': 2 } },
};

type Input = typeof input;
type Data = typeof data;
const risk: Record<string, string> = { 'http.fetch': 'network', 'kv.get': 'storage', 'kv.put': 'storage', 'llm.complete': 'model', 'shell.exec': 'host' };

/** The capability policy written by hand in JS, for comparison. */
function decideJs(i: Input, d: Data): { allow: boolean; reasons: string[] } {
  const reasons = new Set<string>();
  const cap = i.call.capability;
  if (!i.workflow.capabilities.includes(cap)) reasons.add(`capability "${cap}" is not declared by workflow "${i.workflow.name}"`);
  if (!(cap in risk)) reasons.add(`capability "${cap}" is unknown`);
  if (risk[cap] === 'host' && !(d.settings as { allow_host?: boolean }).allow_host) reasons.add('host capabilities are disabled');
  const args = i.call.args as { url?: string; key?: string };
  if (cap === 'http.fetch' && args.url !== undefined) {
    if (!args.url.startsWith('https://')) reasons.add(`egress to "${args.url}" is not https`);
    const host = args.url.replace(/^https:\/\//, '').split('/')[0]!.split(':')[0]!;
    const ok = d.egress.hosts.includes(host) || d.egress.wildcards.some((w) => host.endsWith(w.slice(1)) && !host.slice(0, -w.length + 1).includes('.'));
    if (!ok) reasons.add(`egress to host "${host}" is not allow-listed`);
  }
  if (cap === 'kv.put' && args.key !== undefined) for (const p of d.restrictions.readonly_prefixes) if (args.key.startsWith(p)) reasons.add(`key "${args.key}" is read-only`);
  const calls = i.run.calls as Record<string, number>;
  const budget = (d.budgets as Record<string, number>)[cap] ?? d.budgets.default;
  if ((calls[cap] ?? 0) >= budget) reasons.add(`budget of ${budget} calls for "${cap}" exhausted`);
  if (Object.values(calls).reduce((a, b) => a + b, 0) >= d.budgets.total) reasons.add('run call budget exhausted');
  return { allow: reasons.size === 0, reasons: [...reasons].sort() };
}

/** Median time per call in microseconds, over `rounds` rounds of `batch` calls. */
function measure(fn: () => unknown, rounds = 31, batch = 200): number {
  for (let i = 0; i < batch * 3; i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push(((performance.now() - t) * 1000) / batch);
  }
  return median(samples);
}

export default async function (): Promise<void> {
  const lines = CAPABILITY_SOURCE.split('\n').length;
  const compileOnce = (): Uint8Array => {
    const r = compile({ modules: { 'capability.rego': CAPABILITY_SOURCE }, entrypoints: ['aiws/capability/decision'] });
    if (!r.wasm) throw new Error(`capability policy does not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    return r.wasm;
  };
  for (let i = 0; i < 3; i++) compileOnce();
  const compileSamples: number[] = [];
  let wasm = compileOnce();
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    wasm = compileOnce();
    compileSamples.push(performance.now() - t);
  }
  const frontSamples: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const module = parseModule(CAPABILITY_SOURCE, 'capability.rego').module!;
    checkModules([module]);
    planPolicy([module], [{ kind: 'path', name: 'aiws/capability/decision', path: ['aiws', 'capability', 'decision'] }]);
    frontSamples.push(performance.now() - t);
  }
  const trivial = compile({ modules: { 'trivial.rego': TRIVIAL_SOURCE }, entrypoints: ['trivial/allow'] });
  const trivialPolicy = await loadCompiledPolicy(trivial.wasm!);
  const capPolicy = await loadCompiledPolicy(wasm);
  capPolicy.setData(data);
  const expected = JSON.stringify(decideJs(input, data));
  const got = JSON.stringify((capPolicy.evaluate(input) as { result: unknown }[])[0]?.result);
  if (got !== expected) throw new Error(`policy and JS disagree: ${got} vs ${expected}`);

  const floor = measure(() => JSON.parse(JSON.stringify(input)));
  const js = measure(() => decideJs(input, data));
  const trivialEval = measure(() => trivialPolicy.evaluate(input));
  const capEval = measure(() => capPolicy.evaluate(input));

  console.log(`compile ${lines}-line capability policy: median ${median(compileSamples).toFixed(2)} ms (15 runs, warm)`);
  console.log(`  of which parse + check + plan: median ${median(frontSamples).toFixed(2)} ms (the rest is WASM code generation)`);
  console.log('');
  console.log('evaluation (median µs per call)          µs   × JSON floor   × JS');
  const row = (name: string, us: number): void => {
    console.log(`${name.padEnd(38)} ${us.toFixed(2).padStart(8)} ${(us / floor).toFixed(1).padStart(12)} ${(us / js).toFixed(1).padStart(6)}`);
  };
  row('JSON.parse(JSON.stringify(input))', floor);
  row('hand-written JS decision', js);
  row('SDK evaluate: trivial policy', trivialEval);
  row('SDK evaluate: capability policy', capEval);
}
