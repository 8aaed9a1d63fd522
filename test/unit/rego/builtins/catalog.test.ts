import { describe, expect, it } from 'vitest';
import { builtinCatalog, getBuiltin, infixBuiltins, isValidArity, jsBuiltins, typeKinds } from '../../../../src/rego/builtins/index.ts';

describe('builtin catalogue', () => {
  describe('#getBuiltin', () => {
    it('describes a builtin with its arity, argument types and flags', () => {
      expect(getBuiltin('object.get')).toMatchObject({ name: 'object.get', arity: 3, args: ['object', 'any', 'any'], result: 'any' });
      expect(getBuiltin('startswith')).toMatchObject({ arity: 2, returnsBoolean: true });
      expect(getBuiltin('time.now_ns')).toMatchObject({ arity: 0, nondeterministic: true });
      expect(getBuiltin('walk')).toMatchObject({ relation: true });
      expect(getBuiltin('re_match')).toMatchObject({ deprecated: true });
      expect(getBuiltin('print')).toMatchObject({ variadic: true, result: null });
    });

    it('returns undefined for names OPA does not define', () => {
      expect(getBuiltin('strings.frobnicate')).toBeUndefined();
      expect(getBuiltin('')).toBeUndefined();
    });
  });

  describe('#infixBuiltins', () => {
    it('maps every operator to its builtin', () => {
      expect(Object.fromEntries(infixBuiltins)).toEqual({
        '&': 'and', ':=': 'assign', '/': 'div', '=': 'eq', '==': 'equal', '>': 'gt', '>=': 'gte', in: 'internal.member_2',
        '<': 'lt', '<=': 'lte', '-': 'minus', '*': 'mul', '!=': 'neq', '|': 'or', '+': 'plus', '%': 'rem',
      });
    });
  });

  describe('#isValidArity', () => {
    it('accepts the declared arity and one more for the output variable', () => {
      const spec = getBuiltin('concat')!;
      expect([1, 2, 3, 4].map((n) => isValidArity(spec, n))).toEqual([false, true, true, false]);
      expect(isValidArity(getBuiltin('print')!, 5)).toBe(true);
    });
  });

  describe('#typeKinds', () => {
    it('splits unions and leaves any open', () => {
      expect(typeKinds('array|set')).toEqual(['array', 'set']);
      expect(typeKinds('any')).toBeUndefined();
    });
  });

  it('has an entry for every JS builtin, with the same arity', () => {
    for (const [name, fn] of Object.entries(jsBuiltins)) {
      const spec = builtinCatalog.get(name);
      expect(spec, name).toBeDefined();
      expect(fn.name).toBe(name);
    }
  });

  it('lists the builtins the issue names for capability policies', () => {
    const wanted = 'count sum product max min sort concat startswith endswith contains lower upper split trim trim_prefix trim_suffix trim_space replace substring indexof sprintf format_int to_number regex.match glob.match object.get object.keys object.union object.remove array.concat array.slice is_string is_number is_boolean is_array is_object is_set is_null type_name net.cidr_contains json.marshal json.unmarshal base64.encode base64.decode time.now_ns union intersection abs round ceil floor numbers.range';
    for (const name of wanted.split(' ')) expect(getBuiltin(name), name).toBeDefined();
  });
});
