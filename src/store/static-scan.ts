/**
 * A best-effort static scan of workflow code, run by `aiws workflow verify` next to the dynamic
 * checks. It finds capability names the code mentions (`ctx.call('x.y', …)` with a literal name, and
 * wrapper calls `ctx.<ns>.<fn>(…)`) and uses of APIs that make a run depend on something other than
 * its input and recorded call results (`Math.random`, `Date.now`, `new Date()`, `performance`).
 *
 * It reads the text with regular expressions, not a parser: a name built at run time, an aliased
 * `ctx` or a destructured `call` escape it (the dynamic check still sees every call the tests make),
 * and a mention inside a comment or string counts. docs/workflows.md says so.
 */

/** What the scan found. */
export interface StaticScanResult {
  /** Capability names the code mentions, sorted, unique. */
  readonly capabilities: readonly string[];
  /** Non-deterministic APIs used, with their line numbers. */
  readonly nondeterminism: readonly { readonly api: string; readonly line: number }[];
}

const literalCall = /\bctx\s*\.\s*call\s*\(\s*(['"`])([^'"`\s]+)\1/g;
const wrapperCall = /\bctx\s*\.\s*([a-z][a-zA-Z0-9]*)\s*\.\s*([a-z][a-zA-Z0-9]*)\s*\(/g;
const nondeterministic: readonly [string, RegExp][] = [
  ['Math.random', /\bMath\s*\.\s*random\b/g],
  ['Date.now', /\bDate\s*\.\s*now\b/g],
  ['new Date()', /\bnew\s+Date\s*\(\s*\)/g],
  ['performance', /\bperformance\s*\.\s*now\b/g],
];

/** Scans workflow source text. */
export function scanWorkflowCode(code: string): StaticScanResult {
  const names = new Set<string>();
  for (const match of code.matchAll(literalCall)) names.add(match[2]!);
  for (const match of code.matchAll(wrapperCall)) {
    // ctx.log.info(...) is logging, not a capability.
    if (match[1] !== 'log') names.add(`${match[1]}.${match[2]}`);
  }
  const found: { api: string; line: number }[] = [];
  for (const [api, pattern] of nondeterministic) {
    for (const match of code.matchAll(pattern)) found.push({ api, line: lineOf(code, match.index) });
  }
  found.sort((a, b) => a.line - b.line);
  return { capabilities: [...names].sort(), nondeterminism: found };
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
