// canonicalJson against the examples of RFC 8785: number serialisation (Appendix B), key order by
// UTF-16 code units (3.2.3), the string escapes of the main example (3.2.2), and JSON.stringify parity.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/journal/index.ts';

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonicalJson', () => {
  describe('numbers', () => {
    const vectors: readonly [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
    ];
    it.each(vectors)('serialises the double 0x%s as %s (RFC 8785 appendix B)', (bits, expected) => {
      expect(canonicalJson(fromBits(bits))).toBe(expected);
    });

    it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('rejects %s', (value) => {
      expect(() => canonicalJson({ value })).toThrow(TypeError);
    });
  });

  describe('objects', () => {
    it('sorts keys by UTF-16 code units (RFC 8785 3.2.3)', () => {
      const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
      // Compared as text: JSON.parse would move the integer-like key "1" first again.
      const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
      expect(canonicalJson(input)).toBe(`{${order.map((key) => `${JSON.stringify(key)}:${JSON.stringify(input[key as keyof typeof input])}`).join(',')}}`);
      expect(canonicalJson(input).startsWith('{"\\r":"Carriage Return","1":"One","\u0080":')).toBe(true);
    });

    it('produces the main example of RFC 8785 3.2.2 byte for byte', () => {
      const input = JSON.parse('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}') as unknown;
      expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
    });

    it('drops undefined members, nulls undefined array items and honours toJSON like JSON.stringify', () => {
      const value = { b: undefined, a: [undefined, 1], when: new Date(0), nested: { z: 1, y: { x: 2 } } };
      expect(canonicalJson(value)).toBe('{"a":[null,1],"nested":{"y":{"x":2},"z":1},"when":"1970-01-01T00:00:00.000Z"}');
      expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value));
    });

    it('rejects a BigInt and a cycle', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
      expect(() => canonicalJson(cyclic)).toThrow(/cyclic/);
    });

    it('escapes a lone surrogate as JSON.stringify does, so it survives a round trip', () => {
      const value = { s: 'a\ud800b' };
      expect(canonicalJson(value)).toBe('{"s":"a\\ud800b"}');
      expect(canonicalJson(JSON.parse(canonicalJson(value)))).toBe(canonicalJson(value));
    });
  });
});
