/**
 * The Rego lexer: turns source text into tokens, comments and lexical diagnostics in one pass.
 *
 * It follows OPA's scanner (`v1/ast/internal/scanner`): JSON string escapes, backtick raw strings, numbers
 * as `digits[.digits][e[+-]digits]` (a sign is the parser's business), `#` comments, and template strings
 * (`$"…{expr}…"`, `` $`…{expr}…` ``). Template strings are lexed here rather than by the parser: a stack
 * of open templates counts braces so the `}` closing an interpolated expression resumes the literal text.
 * Each token records whether whitespace and whether a newline precede it, because Rego is layout
 * sensitive in two places: a ref or call continues only without a space (`f(x)` vs `f (x)`), and body
 * expressions are separated by newlines.
 */
import type { Comment, Position, Span } from './ast.ts';
import { createDiagnostic, type Diagnostic } from '../diagnostics/index.ts';
import type { Token, TokenType } from './tokens.ts';

/** The result of `tokenize`. The token list always ends with an `eof` token. */
export interface LexResult {
  readonly tokens: Token[];
  readonly comments: Comment[];
  readonly diagnostics: Diagnostic[];
}

const twoCharOps: ReadonlyMap<string, TokenType> = new Map([
  [':=', ':='], ['==', '=='], ['!=', '!='], ['<=', '<='], ['>=', '>='],
]);
const oneCharOps: ReadonlyMap<string, TokenType> = new Map([
  ['{', '{'], ['}', '}'], ['[', '['], [']', ']'], ['(', '('], [')', ')'], [',', ','], [':', ':'], [';', ';'], ['.', '.'],
  ['=', '='], ['<', '<'], ['>', '>'], ['+', '+'], ['-', '-'], ['*', '*'], ['/', '/'], ['%', '%'], ['&', '&'], ['|', '|'],
]);
const simpleEscapes: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

const isLetter = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDecimal = (c: string): boolean => c >= '0' && c <= '9';
const isHex = (c: string): boolean => isDecimal(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

/**
 * Splits Rego source into tokens. Never throws: problems become diagnostics (REGO1002 unterminated
 * string, REGO1003 invalid escape, REGO1004 invalid character, REGO1005 invalid number) and the
 * offending text becomes an `illegal` token, so the parser stops there without repeating the complaint.
 */
export function tokenize(source: string, file: string): LexResult {
  return new Lexer(source, file).run();
}

interface TemplateFrame {
  readonly raw: boolean;
  depth: number;
}

class Lexer {
  readonly #src: string;
  readonly #file: string;
  #i = 0;
  #line = 1;
  #lineStart = 0;
  readonly #tokens: Token[] = [];
  readonly #comments: Comment[] = [];
  readonly #diagnostics: Diagnostic[] = [];
  readonly #templates: TemplateFrame[] = [];
  #space = false;
  #newline = false;

  constructor(source: string, file: string) {
    this.#src = source;
    this.#file = file;
  }

  run(): LexResult {
    if (this.#src.charCodeAt(0) === 0xfeff) this.#i = 1;
    for (;;) {
      const done = this.#next();
      if (done) break;
    }
    return { tokens: this.#tokens, comments: this.#comments, diagnostics: this.#diagnostics };
  }

  #pos(): Position {
    return { line: this.#line, col: this.#i - this.#lineStart + 1, offset: this.#i };
  }

  #span(start: Position, end: Position = this.#pos()): Span {
    return { file: this.#file, start, end };
  }

  #advance(): string {
    const c = this.#src[this.#i++] ?? '';
    if (c === '\n') {
      this.#line++;
      this.#lineStart = this.#i;
    }
    return c;
  }

  #push(type: TokenType, start: Position, extra: Partial<Token> = {}): void {
    const end = this.#pos();
    this.#tokens.push({
      type,
      text: this.#src.slice(start.offset, end.offset),
      start,
      end,
      spaceBefore: this.#space,
      newlineBefore: this.#newline,
      ...extra,
    });
    this.#space = false;
    this.#newline = false;
  }

  #error(code: 'REGO1002' | 'REGO1003' | 'REGO1004' | 'REGO1005', start: Position, message: string, end?: Position): void {
    this.#diagnostics.push(createDiagnostic(code, this.#span(start, end), message));
  }

  /** Scans one token (or skips whitespace / a comment). Returns true at the end of input. */
  #next(): boolean {
    const src = this.#src;
    const c = src[this.#i];
    if (c === undefined) {
      this.#push('eof', this.#pos());
      return true;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      this.#space = true;
      if (c === '\n') this.#newline = true;
      this.#advance();
      return false;
    }
    const start = this.#pos();
    if (c === '#') {
      while (this.#i < src.length && src[this.#i] !== '\n') this.#advance();
      const text = src.slice(start.offset + 1, this.#i).replace(/\r$/, '');
      this.#comments.push({ kind: 'comment', text, span: this.#span(start) });
      this.#space = true;
      return false;
    }
    if (isLetter(c)) {
      while (this.#i < src.length && (isLetter(src[this.#i]!) || isDecimal(src[this.#i]!))) this.#advance();
      this.#push('ident', start);
      return false;
    }
    if (isDecimal(c)) {
      this.#number(start);
      return false;
    }
    if (c === '"') {
      this.#advance();
      this.#string(start);
      return false;
    }
    if (c === '`') {
      this.#advance();
      this.#rawString(start);
      return false;
    }
    if (c === '$' && (src[this.#i + 1] === '"' || src[this.#i + 1] === '`')) {
      this.#advance();
      const raw = this.#advance() === '`';
      this.#template(start, raw, true);
      return false;
    }
    const two = twoCharOps.get(src.slice(this.#i, this.#i + 2));
    if (two !== undefined) {
      this.#advance();
      this.#advance();
      this.#push(two, start);
      return false;
    }
    const one = oneCharOps.get(c);
    if (one !== undefined) {
      this.#advance();
      this.#push(one, start);
      this.#trackBraces(one);
      return false;
    }
    // Anything else is not Rego; report one character (a whole code point) and carry on.
    const cp = String.fromCodePoint(src.codePointAt(this.#i)!);
    for (let k = 0; k < cp.length; k++) this.#advance();
    this.#error('REGO1004', start, `Unexpected character ${JSON.stringify(cp)}`);
    this.#push('illegal', start);
    return false;
  }

  /** Keeps the template stack in step with braces; a `}` closing an interpolation resumes the template. */
  #trackBraces(type: TokenType): void {
    const frame = this.#templates.at(-1);
    if (frame === undefined) return;
    if (type === '{') frame.depth++;
    else if (type === '}') {
      if (frame.depth > 0) frame.depth--;
      else {
        this.#templates.pop();
        this.#template(this.#pos(), frame.raw, false);
      }
    }
  }

  #number(start: Position): void {
    const src = this.#src;
    let ok = true;
    while (isDecimal(src[this.#i] ?? '')) this.#advance();
    if (src[this.#i] === '.' && isDecimal(src[this.#i + 1] ?? '')) {
      this.#advance();
      while (isDecimal(src[this.#i] ?? '')) this.#advance();
    }
    const e = src[this.#i];
    if (e === 'e' || e === 'E') {
      this.#advance();
      if (src[this.#i] === '+' || src[this.#i] === '-') this.#advance();
      if (!isDecimal(src[this.#i] ?? '')) ok = false;
      while (isDecimal(src[this.#i] ?? '')) this.#advance();
    }
    if (isLetter(src[this.#i] ?? '')) {
      ok = false;
      while (isLetter(src[this.#i] ?? '') || isDecimal(src[this.#i] ?? '')) this.#advance();
    }
    if (!ok) {
      this.#error('REGO1005', start, `Invalid number ${JSON.stringify(src.slice(start.offset, this.#i))}`, this.#pos());
      this.#push('illegal', start);
      return;
    }
    this.#push('number', start);
  }

  /** Decodes one escape after a backslash into `out`; returns false (and reports) if it is invalid. */
  #escape(out: string[], allowBrace: boolean): boolean {
    const at = this.#pos();
    const c = this.#src[this.#i] ?? '';
    const simple = simpleEscapes[c];
    if (simple !== undefined) {
      this.#advance();
      out.push(simple);
      return true;
    }
    if (allowBrace && c === '{') {
      this.#advance();
      out.push('{');
      return true;
    }
    if (c === 'u') {
      const hex = this.#src.slice(this.#i + 1, this.#i + 5);
      if (hex.length === 4 && [...hex].every(isHex)) {
        for (let k = 0; k < 5; k++) this.#advance();
        out.push(String.fromCharCode(parseInt(hex, 16)));
        return true;
      }
    }
    const bad = { line: at.line, col: at.col - 1, offset: at.offset - 1 };
    this.#error('REGO1003', bad, `Invalid escape sequence "\\${c === '\n' ? '' : c}" in string`, this.#pos());
    return false;
  }

  #string(start: Position): void {
    const src = this.#src;
    const out: string[] = [];
    let valid = true;
    for (;;) {
      const c = src[this.#i];
      if (c === undefined || c === '\n') {
        this.#error('REGO1002', start, 'Unterminated string: a string must close with " on the same line');
        this.#push('illegal', start);
        return;
      }
      this.#advance();
      if (c === '"') break;
      if (c === '\\') {
        if (!this.#escape(out, false)) valid = false;
      } else out.push(c);
    }
    if (!valid) {
      this.#push('illegal', start);
      return;
    }
    this.#push('string', start, { value: out.join('').toWellFormed(), raw: false });
  }

  #rawString(start: Position): void {
    const src = this.#src;
    const close = src.indexOf('`', this.#i);
    if (close < 0) {
      while (this.#i < src.length) this.#advance();
      this.#error('REGO1002', start, 'Unterminated raw string: missing closing "`"');
      this.#push('illegal', start);
      return;
    }
    while (this.#i <= close) this.#advance();
    this.#push('string', start, { value: src.slice(start.offset + 1, close), raw: true });
  }

  /** Scans template text up to `{` (an interpolation opens) or the closing delimiter. */
  #template(start: Position, raw: boolean, first: boolean): void {
    const src = this.#src;
    const out: string[] = [];
    let valid = true;
    for (;;) {
      const c = src[this.#i];
      if (c === undefined || (!raw && c === '\n')) {
        this.#error('REGO1002', start, `Unterminated template string: missing closing ${raw ? '"`"' : "'\"'"}`);
        this.#push('illegal', start);
        return;
      }
      this.#advance();
      if (c === (raw ? '`' : '"')) {
        this.#pushTemplate(start, out, raw, first, true, valid);
        return;
      }
      if (c === '{') {
        this.#pushTemplate(start, out, raw, first, false, valid);
        this.#templates.push({ raw, depth: 0 });
        return;
      }
      if (c === '\\') {
        if (raw) {
          if (src[this.#i] === '{') {
            this.#advance();
            out.push('{');
          } else out.push('\\');
        } else if (!this.#escape(out, true)) valid = false;
      } else out.push(c);
    }
  }

  #pushTemplate(start: Position, out: string[], raw: boolean, first: boolean, end: boolean, valid: boolean): void {
    if (!valid) {
      this.#push('illegal', start);
      return;
    }
    // The `}` that resumed this part was already pushed: the part itself follows it directly.
    const space = first ? this.#space : false;
    const newline = first ? this.#newline : false;
    this.#space = space;
    this.#newline = newline;
    this.#push('template', start, { value: out.join('').toWellFormed(), raw, templateStart: first, templateEnd: end });
  }
}
