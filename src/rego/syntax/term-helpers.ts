/**
 * Small pure helpers over parsed terms that the parser modules share: the builtin names of infix
 * operators, the dotted spelling of refs, groundness, and term descriptions for messages.
 */
import type { InfixOperator, RefTerm, Span, Term, VarTerm } from './ast.ts';

/** OPA builtin names of the infix operators. */
export const infixBuiltinNames: Readonly<Record<InfixOperator, string>> = {
  '=': 'eq',
  ':=': 'assign',
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
  '+': 'plus',
  '-': 'minus',
  '*': 'mul',
  '/': 'div',
  '%': 'rem',
  '|': 'or',
  '&': 'and',
  in: 'internal.member_2',
};

/** The builtin name of `k, v in xs`. */
export const memberWithKeyName = 'internal.member_3';

/** True for scalars and collections of them: terms that need no evaluation. */
export function isGround(term: Term): boolean {
  switch (term.kind) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set':
      return term.items.every(isGround);
    case 'object':
      return term.items.every((item) => isGround(item.key) && isGround(item.value));
    default:
      return false;
  }
}

/** `a.b["c d"][x]` — the dotted spelling used for call names. */
export function refToString(term: Term): string {
  if (term.kind === 'var') return term.name;
  if (term.kind !== 'ref') return `<${term.kind}>`;
  let out = refToString(term.head);
  for (const element of term.path) {
    if (element.kind === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(element.value)) out += `.${element.value}`;
    else if (element.kind === 'string') out += `[${JSON.stringify(element.value)}]`;
    else if (element.kind === 'var') out += `[${element.name}]`;
    else if (element.kind === 'number') out += `[${element.text}]`;
    else out += `[<${element.kind}>]`;
  }
  return out;
}

/** The operator of a builtin call as a term: `plus` → var, `internal.member_2` → ref. */
export function operatorTerm(name: string, span: Span): RefTerm | VarTerm {
  const [head, ...rest] = name.split('.');
  const headVar: VarTerm = { kind: 'var', span, name: head! };
  if (rest.length === 0) return headVar;
  return { kind: 'ref', span, head: headVar, path: rest.map((value) => ({ kind: 'string', span, value, raw: false })) };
}

/** The term as a message names it: `the variable "x"`, `a call of "f"`, `a set comprehension`. */
export function describeKind(term: Term): string {
  switch (term.kind) {
    case 'var':
      return `the variable "${term.name}"`;
    case 'ref':
      return `the reference "${refToString(term)}"`;
    case 'call':
      return `a call of "${term.name}"`;
    case 'template-string':
      return 'a template string';
    default:
      return `a ${term.kind.replace('-', ' ')}`;
  }
}
