/**
 * Rule conflicts that are visible without evaluating anything: one document path defined both as a
 * function and as a rule, or by single-value and multi-value rules; functions of one name with different
 * numbers of arguments; more than one `default` for a rule.
 * (Conflicts between values — two complete rules producing different outputs — happen at evaluation.)
 */
import { createDiagnostic, type Diagnostic, type RelatedLocation } from '../diagnostics/index.ts';
import type { Module, Rule } from '../syntax/index.ts';
import type { RuleIndex } from './rule-index.ts';

type RuleClass = 'function' | 'multi-value' | 'single-value';

function classOf(rule: Rule): RuleClass {
  if (rule.head.args !== undefined) return 'function';
  return rule.head.ruleKind === 'partial-set' ? 'multi-value' : 'single-value';
}

const classWords: Readonly<Record<RuleClass, string>> = {
  function: 'a function',
  'multi-value': 'a multi-value rule ("contains")',
  'single-value': 'a single-value rule',
};

/**
 * REGO2004 for a rule whose name is also the next segment of another package (`p` in package `a`
 * and `package a.p`): both would define `data.a.p`, as OPA's module tree check reports.
 */
export function checkPackageConflicts(modules: readonly Module[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const packages = new Map<string, Module>();
  for (const module of modules) if (!packages.has(module.package.path.join('.'))) packages.set(module.package.path.join('.'), module);
  for (const module of modules) {
    const seen = new Set<string>();
    for (const rule of module.rules) {
      if (seen.has(rule.head.name)) continue;
      seen.add(rule.head.name);
      const prefix = [...module.package.path, rule.head.name].join('.');
      for (const [path, other] of packages) {
        if (path !== prefix && !path.startsWith(`${prefix}.`)) continue;
        out.push(
          createDiagnostic('REGO2004', other.package.span, `Package "${path}" conflicts with rule "${rule.head.name}" of package "${module.package.path.join('.')}": both define "data.${prefix}"`, {
            related: [{ message: 'the rule is defined here', span: rule.head.span }],
          }),
        );
        break;
      }
    }
  }
  return out;
}

/** Reports REGO2004, REGO2005 and REGO2006 for every path of the index. */
export function checkConflicts(index: RuleIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const group of index.groups.values()) {
    const rules = group.rules.map((r) => r.rule);
    if (rules.length < 2) continue;
    const first = rules[0]!;
    const related = (rule: Rule, message: string): RelatedLocation => ({ message, span: rule.head.span });

    const classes = new Map<RuleClass, Rule>();
    for (const rule of rules) if (!classes.has(classOf(rule))) classes.set(classOf(rule), rule);
    if (classes.size > 1) {
      const [[classA, ruleA], [classB, ruleB]] = [...classes] as [[RuleClass, Rule], [RuleClass, Rule]];
      out.push(
        createDiagnostic('REGO2004', ruleB.head.span, `Conflicting definitions of "${group.path}": it is defined as ${classWords[classA]} and as ${classWords[classB]}`, {
          related: [related(ruleA, `defined as ${classWords[classA]} here`)],
        }),
      );
      continue;
    }

    if (classOf(first) === 'function') {
      const arity = first.head.args!.length;
      const other = rules.find((r) => r.head.args!.length !== arity);
      if (other !== undefined) {
        out.push(
          createDiagnostic('REGO2006', other.head.span, `Conflicting definitions of function "${group.path}": it takes ${arity} argument${arity === 1 ? '' : 's'} here and ${other.head.args!.length} there`, {
            related: [related(first, `defined with ${arity} argument${arity === 1 ? '' : 's'} here`)],
          }),
        );
        continue;
      }
    }

    const defaults = rules.filter((r) => r.default);
    if (defaults.length > 1) {
      out.push(
        createDiagnostic('REGO2005', defaults[1]!.span, `Multiple default rules for "${group.path}": a rule has at most one default`, {
          related: [related(defaults[0]!, 'first default here')],
        }),
      );
      continue;
    }

  }
  return out;
}
