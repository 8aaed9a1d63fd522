// Unit tests of the Rego lexer: token kinds, positions, layout flags, numbers, strings and escapes,
// raw strings, template strings, comments and lexical errors.
import { describe, expect, it } from 'vitest';
import { tokenize, type Token } from '../../../../src/rego/syntax/index.ts';

const kinds = (source: string): string[] => tokenize(source, 't.rego').tokens.map((t) => `${t.type}:${t.text}`);
const only = (source: string): Token => {
  const { tokens } = tokenize(source, 't.rego');
  expect(tokens).toHaveLength(2);
  return tokens[0]!;
};

describe('tokenize', () => {
  describe('#tokens', () => {
    it('splits identifiers, keywords, operators and punctuation', () => {
      expect(kinds('allow if x := input.a[0] != 1')).toEqual([
        'ident:allow', 'ident:if', 'ident:x', ':=::=', 'ident:input', '.:.', 'ident:a', '[:[', 'number:0', ']:]', '!=:!=', 'number:1', 'eof:',
      ]);
    });

    it('prefers two-character operators', () => {
      expect(kinds('a==b<=c>=d:=e=f<g>h').filter((k) => !k.startsWith('ident'))).toEqual(['==:==', '<=:<=', '>=:>=', ':=::=', '=:=', '<:<', '>:>', 'eof:']);
    });

    it('records 1-based lines and columns and 0-based offsets', () => {
      const { tokens } = tokenize('package a\n  p := 1', 't.rego');
      const p = tokens.find((t) => t.text === 'p')!;
      expect(p.start).toEqual({ line: 2, col: 3, offset: 12 });
      expect(p.end).toEqual({ line: 2, col: 4, offset: 13 });
    });

    it('flags whitespace and line breaks before a token', () => {
      const { tokens } = tokenize('f(x) f (x)\ny', 't.rego');
      const parens = tokens.filter((t) => t.type === '(');
      expect(parens.map((t) => t.spaceBefore)).toEqual([false, true]);
      const y = tokens.find((t) => t.text === 'y')!;
      expect([y.spaceBefore, y.newlineBefore]).toEqual([true, true]);
    });

    it('skips a leading byte-order mark', () => {
      expect(kinds('\ufeffpackage a')[0]).toBe('ident:package');
    });
  });

  describe('#numbers', () => {
    it('keeps the exact text of big integers, decimals and exponents', () => {
      for (const text of ['0', '123456789012345678901234567890', '1.5', '0.000001', '1e300', '2.5E-3', '7e+2']) {
        expect(only(text)).toMatchObject({ type: 'number', text });
      }
    });

    it('leaves the sign to the parser', () => {
      expect(kinds('-1')).toEqual(['-:-', 'number:1', 'eof:']);
    });

    it('rejects a number running into letters', () => {
      const { tokens, diagnostics } = tokenize('12abc', 't.rego');
      expect(tokens[0]!.type).toBe('illegal');
      expect(diagnostics.map((d) => d.code)).toEqual(['REGO1005']);
    });

    it('rejects an exponent without digits', () => {
      expect(tokenize('1e', 't.rego').diagnostics.map((d) => d.code)).toEqual(['REGO1005']);
    });
  });

  describe('#strings', () => {
    it('decodes JSON escapes', () => {
      expect(only(String.raw`"a\"b\\c\/d\b\f\n\r\t"`).value).toBe('a"b\\c/d\b\f\n\r\t');
    });

    it('decodes \\u escapes including surrogate pairs', () => {
      expect(only(String.raw`"\u00e9\ud83d\ude00"`).value).toBe('é😀');
    });

    it('replaces a lone surrogate as OPA does', () => {
      expect(only(String.raw`"\ud800"`).value).toBe('\ufffd');
    });

    it('keeps raw strings verbatim across lines', () => {
      const token = only('`a\\n\n"b"`');
      expect(token).toMatchObject({ type: 'string', raw: true, value: 'a\\n\n"b"' });
    });

    it('reports an unterminated string at its start', () => {
      const { diagnostics } = tokenize('x := "abc\ny', 't.rego');
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({ code: 'REGO1002', span: { start: { line: 1, col: 6 } } });
    });

    it('reports an unterminated raw string', () => {
      expect(tokenize('`abc', 't.rego').diagnostics.map((d) => d.code)).toEqual(['REGO1002']);
    });

    it('reports an invalid escape at the backslash', () => {
      const { diagnostics, tokens } = tokenize(String.raw`"a\qb"`, 't.rego');
      expect(tokens[0]!.type).toBe('illegal');
      expect(diagnostics[0]).toMatchObject({ code: 'REGO1003', span: { start: { col: 3 } } });
    });
  });

  describe('#templates', () => {
    it('splits a template string around interpolations', () => {
      const { tokens } = tokenize('$"a{x}b{ {1} }c"', 't.rego');
      const parts = tokens.filter((t) => t.type === 'template').map((t) => [t.value, t.templateStart, t.templateEnd]);
      expect(parts).toEqual([['a', true, false], ['b', false, false], ['c', false, true]]);
      expect(tokens.map((t) => t.type)).toEqual(['template', 'ident', '}', 'template', '{', 'number', '}', '}', 'template', 'eof']);
    });

    it('turns \\{ into a literal brace', () => {
      expect(only(String.raw`$"\{x}"`).value).toBe('{x}');
      expect(only('$`\\{x}`')).toMatchObject({ value: '{x}', raw: true });
    });

    it('nests templates inside interpolations', () => {
      const { tokens, diagnostics } = tokenize('$"{$"{a}"}"', 't.rego');
      expect(diagnostics).toEqual([]);
      expect(tokens.filter((t) => t.type === 'template')).toHaveLength(4);
    });
  });

  describe('#comments', () => {
    it('collects comments with their text and span and treats them as space', () => {
      const { tokens, comments } = tokenize('a # note\r\nb', 't.rego');
      expect(comments).toEqual([{ kind: 'comment', text: ' note', span: { file: 't.rego', start: { line: 1, col: 3, offset: 2 }, end: { line: 1, col: 10, offset: 9 } } }]);
      expect(tokens.map((t) => t.text)).toEqual(['a', 'b', '']);
    });
  });

  describe('#errors', () => {
    it('reports characters that are not Rego and keeps going', () => {
      const { tokens, diagnostics } = tokenize('a @ b ! c', 't.rego');
      expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
        ['REGO1004', 'Unexpected character "@"'],
        ['REGO1004', 'Unexpected character "!"'],
      ]);
      expect(tokens.map((t) => t.type)).toEqual(['ident', 'illegal', 'ident', 'illegal', 'ident', 'eof']);
    });
  });
});
