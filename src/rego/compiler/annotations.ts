/**
 * Rego metadata annotations (`# METADATA` comment blocks, YAML) and the values of
 * `rego.metadata.rule()` / `rego.metadata.chain()`, which OPA's compiler also replaces by constants
 * before planning.
 *
 * A block attaches to the package or rule that follows it. Scopes: `rule` (the default before a
 * rule), `document` (every rule of that path), `package` (the default before a package) and
 * `subpackages` (the package and everything under it).
 */
import { parse as parseYaml } from 'yaml';
import type * as ast from '../syntax/index.ts';
import type { Term } from './core.ts';
import { s as str } from './core.ts';

/** An annotation: its scope and its (normalised) JSON fields. */
interface Annotation {
  readonly scope: string;
  readonly value: Record<string, unknown>;
}

/** The annotations of a set of modules, indexed for `rego.metadata.*`. */
export class Annotations {
  readonly #byRule = new Map<ast.Rule, Annotation>();
  /** Document-scope annotations by rule path (`pkg.a.p`). */
  readonly #byDocument = new Map<string, Annotation>();
  /** Package- and subpackages-scope annotations by package path (`a.b`). */
  readonly #byPackage = new Map<string, Annotation[]>();

  constructor(modules: readonly ast.Module[]) {
    for (const m of modules) this.#index(m);
  }

  /** `rego.metadata.rule()` for `rule` of package `pkg`. */
  ruleValue(rule: ast.Rule, pkg: readonly string[]): Term {
    const own = this.#byRule.get(rule) ?? this.#byDocument.get([...pkg, ...rulePath(rule)].join('.'));
    return toTerm(own?.value ?? {});
  }

  /** `rego.metadata.chain()` for `rule` of package `pkg`. */
  chainValue(rule: ast.Rule, pkg: readonly string[]): Term {
    const path = [...pkg, ...rulePath(rule)];
    const entries: unknown[] = [];
    const own = this.#byRule.get(rule);
    entries.push(own ? { path, annotations: own.value } : { path });
    const doc = this.#byDocument.get(path.join('.'));
    if (doc) entries.push({ path, annotations: doc.value });
    for (let n = pkg.length; n >= 0; n--) {
      const prefix = pkg.slice(0, n);
      for (const a of this.#byPackage.get(prefix.join('.')) ?? []) {
        if (a.scope === 'package' && n !== pkg.length) continue;
        entries.push({ path: prefix, annotations: a.value });
      }
    }
    return toTerm(entries);
  }

  #index(m: ast.Module): void {
    const blocks = metadataBlocks(m.comments);
    const targets: ({ kind: 'package'; line: number } | { kind: 'rule'; line: number; rule: ast.Rule })[] = [
      { kind: 'package', line: m.package.span.start.line },
      ...m.rules.map((rule) => ({ kind: 'rule' as const, line: rule.span.start.line, rule })),
    ];
    for (const b of blocks) {
      const target = targets.filter((t) => t.line > b.lastLine).sort((x, y) => x.line - y.line)[0];
      if (!target) continue;
      const scope = typeof b.value.scope === 'string' ? b.value.scope : target.kind === 'package' ? 'package' : 'rule';
      const value = normalise({ ...b.value, scope });
      if (target.kind === 'package') {
        const key = m.package.path.join('.');
        this.#byPackage.set(key, [...(this.#byPackage.get(key) ?? []), { scope, value }]);
      } else if (scope === 'document') {
        this.#byDocument.set([...m.package.path, ...rulePath(target.rule)].join('.'), { scope, value });
      } else {
        this.#byRule.set(target.rule, { scope, value });
      }
    }
  }
}

function rulePath(rule: ast.Rule): string[] {
  return [rule.head.name, ...rule.head.ref.path.flatMap((t) => (t.kind === 'string' ? [t.value] : []))];
}

function metadataBlocks(comments: readonly ast.Comment[]): { lastLine: number; value: Record<string, unknown> }[] {
  const out: { lastLine: number; value: Record<string, unknown> }[] = [];
  const sorted = [...comments].sort((a, b) => a.span.start.line - b.span.start.line);
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i]!.text.trim() !== 'METADATA') continue;
    const lines: string[] = [];
    let last = sorted[i]!.span.start.line;
    let j = i + 1;
    while (j < sorted.length && sorted[j]!.span.start.line === last + 1) {
      lines.push(sorted[j]!.text.replace(/^ /, ''));
      last = sorted[j]!.span.start.line;
      j++;
    }
    try {
      const value = parseYaml(lines.join('\n')) as unknown;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) out.push({ lastLine: last, value: value as Record<string, unknown> });
    } catch {
      // A malformed block is not an annotation; OPA reports it, the checks here do not.
    }
    i = j - 1;
  }
  return out;
}

/** OPA's JSON form: authors as `{ name, email }`, related resources as `{ ref }`. */
function normalise(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  if (Array.isArray(out.authors)) {
    out.authors = out.authors.map((a) => {
      if (typeof a !== 'string') return a;
      const m = /^(.*?)\s*<([^>]+)>$/.exec(a.trim());
      return m ? (m[1] ? { name: m[1], email: m[2] } : { email: m[2] }) : { name: a.trim() };
    });
  }
  if (Array.isArray(out.related_resources)) out.related_resources = out.related_resources.map((r) => (typeof r === 'string' ? { ref: r } : r));
  return out;
}

function toTerm(v: unknown): Term {
  if (v === null || v === undefined) return { kind: 'null' };
  if (typeof v === 'boolean') return { kind: 'boolean', value: v };
  if (typeof v === 'number' || typeof v === 'bigint') return { kind: 'number', text: String(v) };
  if (typeof v === 'string') return str(v);
  if (v instanceof Date) return str(v.toISOString());
  if (Array.isArray(v)) return { kind: 'array', items: v.map(toTerm) };
  return { kind: 'object', entries: Object.entries(v as Record<string, unknown>).map(([k, x]) => [str(k), toTerm(x)] as const) };
}
