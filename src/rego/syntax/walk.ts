/**
 * A generic pre-order walk over AST nodes, for passes that look for something anywhere (vars, calls,
 * refs) without spelling out every node kind.
 */
import type { Node } from './ast.ts';

/** Called for each node before its children; returning `false` skips the children. */
export type NodeVisitor = (node: Node, parent: Node | undefined) => boolean | void;

/** Visits `node` and its descendants in source order, except that a call's operator comes before its arguments. */
export function walkNode(node: Node, visit: NodeVisitor, parent?: Node): void {
  if (visit(node, parent) === false) return;
  for (const child of children(node)) walkNode(child, visit, node);
}

/** The direct children of a node, in source order. */
export function children(node: Node): readonly Node[] {
  switch (node.kind) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
    case 'var':
    case 'comment':
    case 'template-text':
      return [];
    case 'ref':
      return [node.head, ...node.path];
    case 'array':
    case 'set':
      return node.items;
    case 'object':
      return node.items;
    case 'object-item':
      return [node.key, node.value];
    case 'array-comprehension':
    case 'set-comprehension':
      return [node.term, ...node.body];
    case 'object-comprehension':
      return [node.key, node.value, ...node.body];
    case 'call':
      return [node.operator, ...node.args];
    case 'template-string':
      return node.parts;
    case 'template-expr':
      return [node.expr];
    case 'with':
      return [node.target, node.value];
    case 'term-expr':
      return [node.term, ...node.with];
    case 'call-expr':
      return [node.call, ...node.with];
    case 'some-decl':
      return [...node.vars, ...node.with];
    case 'some-in':
      return [...(node.key === undefined ? [] : [node.key]), node.value, node.collection, ...node.with];
    case 'every':
      return [...(node.key === undefined ? [] : [node.key]), node.value, node.domain, ...node.body, ...node.with];
    case 'rule-head':
      return [node.ref, ...(node.args ?? []), ...(node.key === undefined ? [] : [node.key]), ...(node.value === undefined ? [] : [node.value])];
    case 'else':
      return [node.value, ...node.body, ...(node.else === undefined ? [] : [node.else])];
    case 'rule':
      return [node.head, ...node.body, ...(node.else === undefined ? [] : [node.else])];
    case 'import':
      return [node.path];
    case 'package':
      return [node.ref];
    case 'module':
      return [node.package, ...node.imports, ...node.rules];
    case 'query':
      return node.body;
  }
}
