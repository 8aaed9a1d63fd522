import { describe, expect, it } from 'vitest';
import type { Body, Expr, Term } from '../../../../src/rego/compiler/core.ts';
import { v } from '../../../../src/rego/compiler/core.ts';
import { reorderBody, UnsafeError } from '../../../../src/rego/compiler/safety.ts';

const location = { file: 'x.rego', row: 1, col: 1 };
const eq = (a: Term, b: Term): Expr => ({ value: { kind: 'call', operator: 'eq', path: null, args: [a, b] }, negated: false, with: [], location });
const call = (operator: string, ...args: Term[]): Expr => ({ value: { kind: 'call', operator, path: null, args }, negated: false, with: [], location });
const ref = (...terms: Term[]): Term => ({ kind: 'ref', terms });
const num = (text: string): Term => ({ kind: 'number', text });
const arity = (op: string): number | undefined => ({ plus: 2, gt: 2 })[op];

function order(body: Body): string[] {
  return body.map((e) => (e.value.kind === 'call' ? `${e.value.operator}:${e.value.args.map((a) => (a.kind === 'var' ? a.name : a.kind)).join(',')}` : e.value.kind));
}

describe('reorderBody', () => {
  it('keeps a body that is already safe in written order', () => {
    const body = [eq(v('x'), num('1')), call('gt', v('x'), num('0'))];
    expect(order(reorderBody(body, new Set(), arity))).toEqual(['eq:x,number', 'gt:x,number']);
  });

  it('moves a use after the expression that binds it', () => {
    const body = [call('plus', v('x'), num('1'), v('y')), eq(v('x'), ref(v('input'), { kind: 'string', value: 'n' }))];
    expect(order(reorderBody(body, new Set(['input']), arity))).toEqual(['eq:x,ref', 'plus:x,number,y']);
  });

  it('binds variables through array patterns on either side', () => {
    const arr: Term = { kind: 'array', items: [v('a'), v('b')] };
    const body = [call('gt', v('a'), v('b')), eq(arr, ref(v('input')))];
    expect(order(reorderBody(body, new Set(['input']), arity))).toEqual(['eq:array,ref', 'gt:a,b']);
  });

  it('waits for outer variables a negation shares with the body', () => {
    const negated: Expr = { ...call('gt', v('x'), num('1')), negated: true };
    const body = [negated, eq(v('x'), num('2'))];
    expect(order(reorderBody(body, new Set(), arity))).toEqual(['eq:x,number', 'gt:x,number']);
  });

  it('throws UnsafeError naming a variable nothing binds', () => {
    expect(() => reorderBody([call('gt', v('z'), num('1'))], new Set(), arity)).toThrow(UnsafeError);
    expect(() => reorderBody([call('gt', v('z'), num('1'))], new Set(), arity)).toThrow(/"z"/);
  });
});
