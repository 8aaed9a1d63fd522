// Unit tests of the generic AST walk: source order, parents, and pruning.
import { describe, expect, it } from 'vitest';
import { children, parseModule, walkNode, type Node } from '../../../../src/rego/syntax/index.ts';

const module = parseModule('package t\np contains x if {\n  some x in input.xs\n  count([y | y := x]) > 1\n}\nf(a) := a * 2', 't.rego').module!;

describe('walkNode', () => {
  it('visits every node once, in source order with call operators before their arguments', () => {
    const vars: string[] = [];
    walkNode(module, (node) => {
      if (node.kind === 'var') vars.push(node.name);
    });
    expect(vars).toEqual(['t', 'p', 'x', 'x', 'input', 'gt', 'count', 'y', 'assign', 'y', 'x', 'f', 'a', 'mul', 'a']);
  });

  it('passes each node its parent', () => {
    const parents = new Map<Node, Node | undefined>();
    walkNode(module, (node, parent) => {
      parents.set(node, parent);
    });
    expect(parents.get(module)).toBeUndefined();
    expect(parents.get(module.rules[0]!)).toBe(module);
    expect(parents.get(module.rules[0]!.body[0]!)).toBe(module.rules[0]);
  });

  it('skips the children of a node when the visitor returns false', () => {
    const kinds: string[] = [];
    walkNode(module, (node) => {
      kinds.push(node.kind);
      return node.kind !== 'array-comprehension';
    });
    expect(kinds).toContain('array-comprehension');
    expect(kinds.filter((k) => k === 'call-expr')).toHaveLength(1);
  });
});

describe('children', () => {
  it('lists the head, body and else of a rule', () => {
    const rule = parseModule('package t\np := 1 if { true } else := 2', 't.rego').module!.rules[0]!;
    expect(children(rule).map((n) => n.kind)).toEqual(['rule-head', 'term-expr', 'else']);
  });
});
