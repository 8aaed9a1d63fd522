/**
 * The index of every rule across all modules, by document path, plus per-module name resolution.
 *
 * The checks need to know what a name in a rule body stands for before they can judge it: a rule of the
 * same package (`p` means `data.pkg.p`), an import (`lib` after `import data.lib`), a root document
 * (`input`, `data`) or a local variable. This module builds that knowledge once for all checks.
 */
import type { Module, Rule, Term, VarTerm } from '../syntax/index.ts';

/** All rules that define one document path (the ground prefix of their head refs). */
export interface RuleGroup {
  /** `data.a.b.p` */
  readonly path: string;
  readonly segments: readonly string[];
  readonly rules: { readonly rule: Rule; readonly module: Module }[];
}

/** Rules of all modules by path, and which names each module can resolve. */
export interface RuleIndex {
  readonly groups: ReadonlyMap<string, RuleGroup>;
  /** The group a rule belongs to. */
  readonly groupOf: ReadonlyMap<Rule, RuleGroup>;
  /** Names a body of `module` may use without binding them (rule roots, imports, `input`, `data`). */
  globalNames(module: Module): ReadonlySet<string>;
  /** Resolves the first segment of a name used in `module` to an absolute path (`['data', 'pkg', 'p']`). */
  resolveRoot(module: Module, name: string): readonly string[] | undefined;
}

/** `data.a["b"].c` — path elements up to the first one that is not a string. */
export function groundSegments(path: readonly Term[]): string[] {
  const out: string[] = [];
  for (const element of path) {
    if (element.kind !== 'string') break;
    out.push(element.value);
  }
  return out;
}

/** The absolute path segments of a rule: `['data', ...package, name, ...ground ref prefix]`. */
export function rulePathSegments(module: Module, rule: Rule): string[] {
  return ['data', ...module.package.path, rule.head.name, ...groundSegments(rule.head.ref.path)];
}

/** The name an import binds: its alias, or the last segment of its path. */
export function importName(path: Term, alias: string | undefined): string {
  if (alias !== undefined) return alias;
  if (path.kind === 'var') return path.name;
  if (path.kind === 'ref') {
    const last = path.path.at(-1);
    if (last?.kind === 'string') return last.value;
    if (last === undefined && path.head.kind === 'var') return path.head.name;
  }
  return '';
}

/** Builds the index of all modules. */
export function buildRuleIndex(modules: readonly Module[]): RuleIndex {
  const groups = new Map<string, RuleGroup>();
  const groupOf = new Map<Rule, RuleGroup>();
  const rootsByPackage = new Map<string, Set<string>>();
  for (const module of modules) {
    const pkgKey = module.package.path.join('.');
    let roots = rootsByPackage.get(pkgKey);
    if (roots === undefined) rootsByPackage.set(pkgKey, (roots = new Set()));
    for (const rule of module.rules) {
      roots.add(rule.head.name);
      const segments = rulePathSegments(module, rule);
      const path = segments.join('.');
      let group = groups.get(path);
      if (group === undefined) groups.set(path, (group = { path, segments, rules: [] }));
      group.rules.push({ rule, module });
      groupOf.set(rule, group);
    }
  }

  const importsOf = new Map<Module, Map<string, readonly string[]>>();
  const importMap = (module: Module): Map<string, readonly string[]> => {
    let map = importsOf.get(module);
    if (map !== undefined) return map;
    map = new Map();
    for (const imp of module.imports) {
      const path = imp.path;
      if (path.kind !== 'ref' || path.head.kind !== 'var') continue;
      const root = path.head.name;
      if (root !== 'data' && root !== 'input') continue;
      map.set(importName(path, imp.alias), [root, ...groundSegments(path.path)]);
    }
    importsOf.set(module, map);
    return map;
  };

  const globalsOf = new Map<Module, Set<string>>();
  return {
    groups,
    groupOf,
    globalNames(module) {
      let set = globalsOf.get(module);
      if (set !== undefined) return set;
      set = new Set(['input', 'data', ...(rootsByPackage.get(module.package.path.join('.')) ?? []), ...importMap(module).keys()]);
      globalsOf.set(module, set);
      return set;
    },
    resolveRoot(module, name) {
      if (name === 'data') return ['data'];
      if (name === 'input') return ['input'];
      const imported = importMap(module).get(name);
      if (imported !== undefined) return imported;
      if (rootsByPackage.get(module.package.path.join('.'))?.has(name)) return ['data', ...module.package.path, name];
      return undefined;
    },
  };
}

/** The key a var is tracked by: `_` occurrences are each distinct, like OPA's generated `$n` vars. */
export function varKey(v: VarTerm): string {
  return v.name === '_' ? `_@${v.span.start.offset}` : v.name;
}
