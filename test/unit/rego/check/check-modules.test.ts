// Unit tests of the static checks: each error kind, several errors reported together, valid policies
// producing none, and the options.
import { describe, expect, it } from 'vitest';
import { checkModules, checkQuery } from '../../../../src/rego/check/index.ts';
import type { Diagnostic } from '../../../../src/rego/diagnostics/index.ts';
import { parseModule, parseQuery, type Module } from '../../../../src/rego/syntax/index.ts';

function parse(source: string, file = 't.rego'): Module {
  const result = parseModule(source, file);
  expect(result.diagnostics).toEqual([]);
  return result.module!;
}

const check = (body: string, options = {}): Diagnostic[] => checkModules([parse(`package t\n${body}`)], options);
/** `code@line:col "quoted"` — the first quoted name of the message, enough to tell which variable. */
const brief = (ds: Diagnostic[]): string[] => ds.map((d) => `${d.code}@${d.span.start.line}:${d.span.start.col} ${d.message.match(/"[^"]*"/)?.[0] ?? ''}`);

describe('checkModules', () => {
  describe('#valid policies', () => {
    it('accepts a realistic policy without diagnostics', () => {
      const ds = check(`
import data.lib.hosts as allowed_hosts

default allow := false

allow if {
  input.capability == "http.fetch"
  host := lower(input.request.host)
  host in allowed_hosts
  not blocked[host]
  count(violations) == 0
}

blocked contains h if { some h in input.blocklist }

violations contains msg if {
  some i, req in input.history
  req.bytes > budget(req.kind)
  msg := sprintf("request %d over budget", [i])
}

budget(kind) := 1024 if kind == "small" else := 4096

limits[name] := n if {
  some name, n in input.limits
  n > 0
}

summary := {k: count(v) | some k, v in input.groups}
every_ok if { every x in input.xs { x.ok == true } }
pattern_ok if {
  [a, {"b": b}] = input.pair
  a < b
  sum([a, b], total)
  total > 0
}
`);
      expect(ds).toEqual([]);
    });

    it('orders expressions for safety like OPA: a later binding makes an earlier use safe', () => {
      expect(check('p if { x > 1; x := input.n }')).toEqual([]);
      expect(check('q := y if { not input.deny[y]; y := "a" }')).toEqual([]);
    });

    it('binds variables by iterating refs, nested calls and output arguments', () => {
      expect(check('p contains i if { input.xs[i] == count(input.ys[j]) }')).toEqual([]);
      expect(check('q contains x if { split("a,b", ",", parts); x := parts[_] }')).toEqual([]);
    });

    it('treats same-package rule names and imports as documents, not variables', () => {
      const ds = checkModules([
        parse('package t\nimport data.other.v\nimport input.user\np if { q; v; user.admin }\nq := 1'),
        parse('package other\nv := 2', 'o.rego'),
      ]);
      expect(ds).toEqual([]);
    });
  });

  describe('#unsafe variables', () => {
    it('reports a variable used only in a negated expression', () => {
      expect(brief(check('p if { not input.deny[x] }'))).toEqual(['REGO2001@2:23 "x"']);
    });

    it('reports a head variable the body never binds', () => {
      expect(brief(check('p contains y if { x := 1 }'))).toEqual(['REGO2001@2:12 "y"']);
      expect(brief(check('q[k] := 1 if { true }'))).toEqual(['REGO2001@2:3 "k"']);
    });

    it('reports the input of a builtin call that nothing binds', () => {
      expect(brief(check('p if { startswith(name, "a") }'))).toEqual(['REGO2001@2:19 "name"']);
    });

    it('reports variables a comprehension uses but nothing binds', () => {
      expect(brief(check('p := [x | x := y + 1]'))).toEqual(['REGO2001@2:16 "y"']);
    });

    it('reports unbound variables inside every bodies', () => {
      expect(brief(check('p if { every x in input.xs { x == z } }'))).toEqual(['REGO2001@2:35 "z"']);
    });

    it('reports a wildcard in a negated expression as an unsafe expression', () => {
      const ds = check('p if { not input.xs[_].bad }');
      expect(ds.map((d) => d.message)).toEqual(['Unsafe expression: a "_" here never gets a value']);
    });

    it('does not cascade from the cause to the variables depending on it', () => {
      expect(brief(check('p := x if { x := [y | y := z] }'))).toEqual(['REGO2001@2:28 "z"']);
    });
  });

  describe('#functions', () => {
    it('reports unknown functions and deprecated builtins', () => {
      expect(brief(check('p := foo(1)\nq := any([true])'))).toEqual(['REGO2002@2:6 "foo"', 'REGO2002@3:6 "any"']);
    });

    it('suggests the closest builtin or function name', () => {
      const ds = check('f(x) := x\np := strtswith("a", "b")\nq := data.t.ff(1)\nr := g(1)');
      expect(ds.map((d) => d.hint)).toEqual(['did you mean "startswith"?', 'did you mean "data.t.f"?', undefined]);
    });

    it('reports calling a rule as a function', () => {
      expect(brief(check('r := 1\np := r(1)'))).toEqual(['REGO2002@3:6 "data.t.r"']);
    });

    it('reports wrong arity, allowing one extra output argument only at the top level', () => {
      expect(check('p if { count(input.xs, n); n > 1 }')).toEqual([]);
      expect(brief(check('p := count(1, 2)'))).toEqual(['REGO2003@2:6 "count"']);
      expect(brief(check('p if { count(input.xs, n, m) }'))).toEqual(['REGO2003@2:8 "count"']);
    });

    it('checks user functions by path across modules and imports', () => {
      const ds = checkModules([
        parse('package t\nimport data.lib\np := lib.double(2)\nq := data.lib.double(1, 2)\nr := lib.nope(1)'),
        parse('package lib\ndouble(x) := x * 2', 'lib.rego'),
      ]);
      expect(brief(ds)).toEqual(['REGO2003@4:6 "data.lib.double"', 'REGO2002@5:6 "data.lib.nope"']);
    });

    it('resolves bare function names across files of one package', () => {
      const ds = checkModules([parse('package t\np := helper(1, 2)'), parse('package t\nhelper(a, b) := a + b', 'h.rego')]);
      expect(ds).toEqual([]);
      expect(brief(checkModules([parse('package t\np := helper(1)'), parse('package t\nhelper(a, b) := a + b', 'h.rego')]))).toEqual(['REGO2003@2:6 "data.t.helper"']);
    });

    it('accepts custom builtins and test-only builtins only when allowed', () => {
      expect(brief(check('p := aiws.host(1)'))).toEqual(['REGO2002@2:6 "aiws.host"']);
      expect(check('p := aiws.host(1)', { customBuiltins: { 'aiws.host': { arity: 1 } } })).toEqual([]);
      expect(brief(check('p := test.sleep("1ms")'))).toEqual(['REGO2002@2:6 "test.sleep"']);
      expect(check('p := test.sleep("1ms")', { allowTestBuiltins: true })).toEqual([]);
    });
  });

  describe('#conflicts', () => {
    it('reports a path defined as a function and as a rule', () => {
      expect(brief(check('f(x) := x\nf := 1'))).toEqual(['REGO2004@3:1 "data.t.f"']);
    });

    it('reports single-value and multi-value rules on one path', () => {
      const ds = checkModules([parse('package t\np := 1'), parse('package t\np contains 2', 'b.rego')]);
      expect(ds.map((d) => [d.code, d.span.file, d.related?.[0]?.span.file])).toEqual([['REGO2004', 'b.rego', 't.rego']]);
    });

    it('reports functions with different arities', () => {
      expect(brief(check('f(x) := 1\nf(x, y) := 2'))).toEqual(['REGO2006@3:1 "data.t.f"']);
    });

    it('reports more than one default', () => {
      expect(brief(check('default p := 1\ndefault p := 2'))).toEqual(['REGO2005@3:1 "data.t.p"']);
    });

    it('reports a rule and a package defining the same document', () => {
      const ds = checkModules([parse('package a\np := 1'), parse('package a.p.q\nr := 2', 'q.rego')]);
      expect(ds.map((d) => [d.code, d.span.file, d.message])).toEqual([
        ['REGO2004', 'q.rego', 'Package "a.p.q" conflicts with rule "p" of package "a": both define "data.a.p"'],
      ]);
      expect(checkModules([parse('package a\np := 1'), parse('package a.pq\nr := 2', 'q.rego')])).toEqual([]);
    });

    it('accepts several definitions of one kind', () => {
      expect(check('default p := 0\np := 1 if input.a\np := 2 if input.b\nf(1) := "a"\nf(2) := "b"\ns contains 1\ns contains 2')).toEqual([]);
    });
  });

  describe('#recursion', () => {
    it('reports a rule that refers to itself', () => {
      expect(check('p if { p }').map((d) => d.message)).toEqual(['Recursive rule "data.t.p": it refers to itself']);
    });

    it('names the cycle through several rules and modules', () => {
      const ds = checkModules([parse('package a\np if data.b.q'), parse('package b\nq if data.a.p', 'b.rego')]);
      expect(ds.map((d) => d.message)).toEqual(['Recursive rules: "data.a.p" → "data.b.q" → "data.a.p"']);
    });

    it('reports recursion through functions and through the package document', () => {
      expect(brief(check('f(x) := g(x)\ng(x) := f(x)'))).toEqual(['REGO2007@2:1 "data.t.f"']);
      expect(brief(check('p := count(data.t)'))).toEqual(['REGO2007@2:1 "data.t.p"']);
    });

    it('follows dynamic refs like OPA: a variable matches any name, a number none', () => {
      expect(brief(check('pkg := "t"\nfoo[x] if { data[pkg]["foo"][x] }'))).toEqual(['REGO2007@3:1 "data.t.foo"']);
      expect(brief(check('dataref if { data }'))).toEqual(['REGO2007@2:1 "data.t.dataref"']);
      expect(check('p := data[2]\nq := data[y].other if y := "t"')).toEqual([]);
    });

    it('does not mistake a local variable named like a rule for a reference', () => {
      expect(check('p if { some p in input.xs; p > 1 }')).toEqual([]);
    });
  });

  describe('#declarations', () => {
    it('reports a variable assigned twice in one body', () => {
      const ds = check('p if { x := 1; x := 2 }');
      expect(brief(ds)).toEqual(['REGO2008@2:16 "x"']);
      expect(ds[0]!.related?.[0]?.span.start.col).toBe(8);
    });

    it('allows the same name in a nested comprehension', () => {
      expect(check('p if { x := 1; y := [x | some x in input.xs] }')).toEqual([]);
    });

    it('reports assignment to a ref or a call', () => {
      expect(brief(check('p if { input.x := 1 }\nq if { count(x) := 1 }'))).toEqual(['REGO2009@2:8 "input.x"', 'REGO2009@3:8 "count"']);
    });
  });

  it('reports every kind of problem together, sorted by position', () => {
    const ds = checkModules([
      parse('package t\np if { not q[x] }\nq := foo(1)\nr := count(1, 2)\ndefault s := 1\ndefault s := 2\nu if u'),
    ]);
    expect(ds.map((d) => d.code)).toEqual(['REGO2001', 'REGO2002', 'REGO2003', 'REGO2005', 'REGO2007']);
  });
});

describe('checkQuery', () => {
  it('accepts queries that bind their variables', () => {
    const q = parseQuery('data.t.p = x; y := x + 1', 'q').query!;
    expect(checkQuery(q, [parse('package t\np := 1')])).toEqual([]);
  });

  it('reports unsafe variables and unknown functions in queries', () => {
    const q = parseQuery('not input.a[x]; y := nope(1)', 'q').query!;
    expect(brief(checkQuery(q, []))).toEqual(['REGO2001@1:13 "x"', 'REGO2002@1:22 "nope"']);
  });
});

describe('checkModules v1 rules', () => {
  it('reports duplicate imports', () => {
    expect(brief(check('import data.a.x\nimport data.b.x\np := x'))).toEqual(['REGO2010@3:1 "x"']);
  });

  it('reports rules and variables shadowing input or data', () => {
    expect(brief(check('input := 1\np if { data := 2; data > 1 }'))).toEqual(['REGO2012@2:1 "input"', 'REGO2012@3:8 "data"']);
  });

  it('accepts with targets under input and data and functions to replace, and rejects others', () => {
    expect(check('f(x) := x\nq := 1\np if { q with input.a as 1 with data.t.q as 2 with count as 3 with f as 4 with time.now_ns as 5 }')).toEqual([]);
    expect(brief(check('q := 1\np if { q with foo as 1 }'))).toEqual(['REGO2011@3:15 "foo"']);
  });
});

describe('golden policies', () => {
  it('pass the static checks', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join, resolve } = await import('node:path');
    const dir = resolve(import.meta.dirname, '../../../golden/rego/parser');
    const files = readdirSync(dir).filter((f) => f.endsWith('.rego') && f !== 'syntax-errors.rego');
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect(checkModules([parse(readFileSync(join(dir, file), 'utf8'), file)])).toEqual([]);
  });
});
