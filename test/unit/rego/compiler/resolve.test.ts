import { describe, expect, it } from 'vitest';
import { parseModule, parseQuery } from '../../../../src/rego/syntax/index.ts';
import { Resolver } from '../../../../src/rego/compiler/resolve.ts';
import type { Expr, Rule, Term } from '../../../../src/rego/compiler/core.ts';
import { termToString } from '../../../../src/rego/compiler/core.ts';
import { getBuiltin } from '../../../../src/rego/builtins/index.ts';

const options = { builtinArity: (name: string) => getBuiltin(name)?.arity };

function resolveRules(...sources: string[]): Rule[] {
  const modules = sources.map((src, i) => {
    const parsed = parseModule(src, `m${i}.rego`);
    expect(parsed.diagnostics).toEqual([]);
    return parsed.module!;
  });
  const resolver = new Resolver(modules, options);
  return modules.flatMap((m) => resolver.module(m).rules);
}

function show(e: Expr): string {
  const v = e.value;
  const text = v.kind === 'term' ? termToString(v.term) : v.kind === 'call' ? `${v.operator}(${v.args.map(termToString).join(', ')})` : v.kind;
  return `${e.negated ? 'not ' : ''}${text}`;
}

describe('Resolver', () => {
  it('turns references to rules and imports into data refs', () => {
    const [rule] = resolveRules('package a\nimport data.lib.util\np if { q; util.x == 1 }\nq := true');
    expect(rule!.body.map(show)).toEqual(['data.a.q', 'equal(data.lib.util.x, 1)']);
    expect(rule!.ref.map(termToString)).toEqual(['data', '"a"', '"p"']);
  });

  it('hoists nested calls into their own expressions', () => {
    const [rule] = resolveRules('package a\np := y if y := upper(lower(input.s))');
    const shown = rule!.body.map(show);
    expect(shown[0]).toMatch(/^lower\(input\.s, \$t\d+\)$/);
    expect(shown[1]).toMatch(/^upper\(\$t\d+, \$t\d+\)$/);
    expect(shown[2]).toMatch(/^eq\(\$y_\d+, \$t\d+\)$/);
  });

  it('renames declared locals apart and gives each wildcard its own variable', () => {
    const [rule] = resolveRules('package a\np if { x := 1; y := [x | x := 2]; input[_] == input[_] }');
    const names = new Set<string>();
    const collect = (t: Term): void => {
      if (t.kind === 'var') names.add(t.name);
      if (t.kind === 'ref') t.terms.forEach(collect);
      if (t.kind === 'arrayCompr') {
        collect(t.term);
        for (const e of t.body) if (e.value.kind === 'call') e.value.args.forEach(collect);
      }
    };
    for (const e of rule!.body) if (e.value.kind === 'call') e.value.args.forEach(collect);
    const xs = [...names].filter((n) => n.startsWith('$x_'));
    const wild = [...names].filter((n) => n.startsWith('$_'));
    expect(xs).toHaveLength(2);
    expect(wild).toHaveLength(2);
  });

  it('rewrites some-in as a scan of the collection', () => {
    const [rule] = resolveRules('package a\np if { some k, v in input.m; v > 1 }');
    expect(show(rule!.body[0]!)).toMatch(/^eq\(\$v_\d+, input\.m\[\$k_\d+\]\)$/);
  });

  it('resolves a query, keeping the names it binds for the result set', () => {
    const parsed = parseQuery('x := 1; y = x', '<query>');
    const resolver = new Resolver([], options);
    const q = resolver.query(parsed.query!, 'q');
    expect([...q.resultVars.values()].sort()).toEqual(['x', 'y']);
  });

  it('replaces rego.metadata.rule() by the rule annotations', () => {
    const [rule] = resolveRules('package a\n\n# METADATA\n# title: T\n# authors:\n# - Jane <jane@example.com>\np := rego.metadata.rule()');
    expect(termToString(rule!.value!)).toBe('{"title": "T", "authors": [{"name": "Jane", "email": "jane@example.com"}], "scope": "rule"}');
  });
});
