import { describe, expect, it } from 'vitest';
import type { Rule, Term } from '../../../../src/rego/compiler/core.ts';
import { s, v } from '../../../../src/rego/compiler/core.ts';
import { RuleTrie, stringPrefix } from '../../../../src/rego/compiler/rule-trie.ts';

const location = { file: 'x.rego', row: 1, col: 1 };
function rule(...path: (string | Term)[]): Rule {
  const ref = [v('data'), ...path.map((p) => (typeof p === 'string' ? s(p) : p))];
  return { ref, kind: 'single', args: null, key: null, value: { kind: 'boolean', value: true }, body: [], isDefault: false, else: null, location };
}

function add(trie: RuleTrie, r: Rule): void {
  const node = trie.lookupOrInsert(stringPrefix(r.ref));
  node.rules = [...node.descendantRules(), r];
  node.clearChildren();
}

describe('RuleTrie', () => {
  it('keys rules by the ground prefix of their head ref', () => {
    expect(stringPrefix([v('data'), s('a'), s('b'), v('x'), s('c')])).toEqual(['data', 'a', 'b']);
  });

  it('folds rules below a node that holds rules into that node', () => {
    const trie = new RuleTrie();
    const deep = rule('pkg', 'a', 'b');
    const wide = rule('pkg', 'a', v('k'));
    add(trie, deep);
    add(trie, wide);
    const node = trie.lookup(['data', 'pkg', 'a'])!;
    expect(node.getRules()).toEqual([deep, wide]);
    expect(trie.lookup(['data', 'pkg', 'a', 'b'])).toBeNull();
  });

  it('lists visible children in order and hides a shadowed subtree until it is restored', () => {
    const trie = new RuleTrie();
    add(trie, rule('pkg', 'z'));
    add(trie, rule('pkg', 'a'));
    const pkg = trie.lookup(['data', 'pkg'])!;
    expect(pkg.children()).toEqual(['a', 'z']);
    trie.push(['data', 'pkg', 'a']);
    expect(pkg.children()).toEqual(['z']);
    expect(trie.lookup(['data', 'pkg', 'a'])).toBeNull();
    trie.pop(['data', 'pkg', 'a']);
    expect(pkg.children()).toEqual(['a', 'z']);
  });
});
