/**
 * The parser's shared state: the token cursor, collected diagnostics, backtracking, the nesting guard,
 * the term memo and error recovery. The parse functions (`parse-rules.ts`, `parse-body.ts`,
 * `parse-terms.ts`, `parse-collections.ts`) all work over one `ParserState`.
 */
import type { CallTerm, InfixOperator, Position, Span, Term } from './ast.ts';
import { createDiagnostic, type Diagnostic, type DiagnosticExtras, type RegoDiagnosticCode } from '../diagnostics/index.ts';
import { infixBuiltinNames, operatorTerm } from './term-helpers.ts';
import { keywords, type Token, type TokenType } from './tokens.ts';

/** Nesting deeper than this is refused (REGO1020) rather than risking the JS stack. */
const maxDepth = 1000;

/** A cursor position to return to when an ambiguous parse is abandoned. */
export interface SavedState {
  readonly pos: number;
  readonly diagnostics: number;
  readonly lastEnd: Position;
}

/**
 * One parse's cursor over the tokens and its diagnostics. Like OPA's parser it backtracks in the few
 * ambiguous places (`save`/`restore`); diagnostics raised on an abandoned path are dropped with it.
 */
export class ParserState {
  readonly #tokens: readonly Token[];
  readonly #file: string;
  readonly #lexDiagnostics: readonly Diagnostic[];
  #diagnostics: Diagnostic[] = [];
  #pos = 0;
  #lastEnd: Position;
  #depth = 0;
  /**
   * Terms already parsed, by start token: backtracking (comprehension vs. `|`, set vs. body) re-parses
   * the same text, and without this nested brackets would cost time exponential in their depth.
   * A term's parse depends only on where it starts, and a successful one records no diagnostics.
   */
  readonly #termCache = new Map<number, { readonly term: Term; readonly end: number; readonly lastEnd: Position }>();

  constructor(tokens: readonly Token[], file: string, lexDiagnostics: readonly Diagnostic[]) {
    this.#tokens = tokens;
    this.#file = file;
    this.#lexDiagnostics = lexDiagnostics;
    this.#lastEnd = tokens[0]!.start;
  }

  /** Lexer and parser diagnostics together, in source order. */
  diagnostics(): Diagnostic[] {
    return [...this.#lexDiagnostics, ...this.#diagnostics].sort((a, b) => a.span.start.offset - b.span.start.offset);
  }

  /** How many parser diagnostics there are so far: a parse that failed without adding one gets a generic one. */
  get diagnosticCount(): number {
    return this.#diagnostics.length;
  }

  /** The source name used in spans. */
  get file(): string {
    return this.#file;
  }

  /** The index of the current token. */
  get pos(): number {
    return this.#pos;
  }

  /** The end of the last consumed token: where a node that ends here ends. */
  get lastEnd(): Position {
    return this.#lastEnd;
  }

  /** The current token. */
  get tok(): Token {
    return this.#tokens[this.#pos]!;
  }

  /** The current token's span. */
  tokSpan(): Span {
    const tok = this.tok;
    return { file: this.#file, start: tok.start, end: tok.end };
  }

  /** Consumes and returns the current token; at end of file it stays there. */
  advance(): Token {
    const tok = this.tok;
    if (tok.type !== 'eof') {
      this.#pos++;
      this.#lastEnd = tok.end;
    }
    return tok;
  }

  is(type: TokenType): boolean {
    return this.tok.type === type;
  }

  isWord(word: string, tok: Token = this.tok): boolean {
    return tok.type === 'ident' && tok.text === word;
  }

  /** True for `word` as a keyword here: a keyword directly followed by `.` or `[` starts a ref instead (`not.x`). */
  isKeywordHere(word: string): boolean {
    return this.isWord(word) && !this.startsRefAt(this.#pos);
  }

  startsRefAt(index: number): boolean {
    const next = this.#tokens[index + 1];
    return next !== undefined && (next.type === '.' || next.type === '[') && !next.spaceBefore;
  }

  save(): SavedState {
    return { pos: this.#pos, diagnostics: this.#diagnostics.length, lastEnd: this.#lastEnd };
  }

  restore(state: SavedState): void {
    this.#pos = state.pos;
    this.#diagnostics.length = state.diagnostics;
    this.#lastEnd = state.lastEnd;
  }

  /** A span from `start` to the end of the last consumed token. */
  span(start: Position, end: Position = this.#lastEnd): Span {
    return { file: this.#file, start, end };
  }

  error(code: RegoDiagnosticCode, span: Span, message: string, extras?: DiagnosticExtras): void {
    this.#diagnostics.push(createDiagnostic(code, span, message, extras));
  }

  /** Consumes a `type` token; otherwise reports REGO1001 (`expected`) and returns false. */
  expect(type: TokenType, expected: string): boolean {
    if (!this.is(type)) {
      this.unexpected(expected);
      return false;
    }
    this.advance();
    return true;
  }

  /** Reports REGO1001 at the current token (unless the lexer already reported it as illegal). */
  unexpected(expected: string, extras?: DiagnosticExtras): void {
    const tok = this.tok;
    if (tok.type === 'illegal') return;
    this.error('REGO1001', this.tokSpan(), `Unexpected ${describeToken(tok)}: expected ${expected}`, extras);
  }

  /** Enters one nesting level; false (after reporting REGO1020 once) when nesting is too deep. */
  enter(): boolean {
    if (++this.#depth > maxDepth) {
      this.#depth--;
      if (!this.#diagnostics.some((d) => d.code === 'REGO1020')) {
        this.error('REGO1020', this.tokSpan(), `Expression nested too deeply: more than ${maxDepth} levels`);
      }
      return false;
    }
    return true;
  }

  leave(): void {
    this.#depth--;
  }

  /** Parses a term with `parse`, or replays the term already parsed at this token. */
  memoTerm(parse: () => Term | undefined): Term | undefined {
    const startPos = this.#pos;
    const cached = this.#termCache.get(startPos);
    if (cached !== undefined) {
      this.#pos = cached.end;
      this.#lastEnd = cached.lastEnd;
      return cached.term;
    }
    const term = parse();
    if (term !== undefined) this.#termCache.set(startPos, { term, end: this.#pos, lastEnd: this.#lastEnd });
    return term;
  }

  /** The call node of an infix operator, spanning from `start` to the last consumed token. */
  infixCall(op: InfixOperator, opTok: Token, args: Term[], start: Position, name: string = infixBuiltinNames[op]): CallTerm {
    const opSpan: Span = { file: this.#file, start: opTok.start, end: opTok.end };
    return { kind: 'call', span: this.span(start), name, operator: operatorTerm(name, opSpan), args, infix: op };
  }

  /**
   * Skips past a broken statement: to the first token that starts a line at (or left of) the
   * statement's indentation outside any brackets opened within it, or at column 1.
   */
  sync(stmtStart: Token): void {
    const from = this.#tokens.indexOf(stmtStart);
    let index = from + 1;
    let depth = stmtStart.type === '{' || stmtStart.type === '[' || stmtStart.type === '(' ? 1 : 0;
    for (; index < this.#tokens.length; index++) {
      const tok = this.#tokens[index]!;
      if (tok.type === 'eof') break;
      if (tok.newlineBefore && tok.type === 'ident' && (tok.start.col === 1 || (depth <= 0 && tok.start.col <= stmtStart.start.col))) break;
      if (tok.type === '{' || tok.type === '[' || tok.type === '(') depth++;
      else if (tok.type === '}' || tok.type === ']' || tok.type === ')') depth--;
    }
    // Moving back to a line the statement ran over is fine (and recovers from a missing "}"): the
    // sync point is always past the statement's first token, so parsing makes progress.
    this.#pos = index;
    this.#lastEnd = this.#tokens[index - 1]!.end;
  }
}

function describeToken(tok: Token): string {
  switch (tok.type) {
    case 'eof':
      return 'end of file';
    case 'ident':
      return keywords.has(tok.text) ? `keyword "${tok.text}"` : `name "${tok.text}"`;
    case 'string':
      return `string ${tok.text.length > 24 ? `${tok.text.slice(0, 21)}...` : tok.text}`;
    case 'number':
      return `number ${tok.text}`;
    case 'template':
      return 'template string';
    default:
      return `"${tok.text}"`;
  }
}
