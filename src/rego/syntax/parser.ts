/**
 * The Rego v1 parser: tokens to the AST of `ast.ts`, with diagnostics instead of exceptions.
 *
 * It is a recursive-descent parser that mirrors OPA's own (`v1/ast/parser.go`) decision for decision,
 * so that what `opa` 1.x accepts parses here to the same structure: operator precedence
 * (`in` < relations < `|` < `&` < `+ -` < `* / %`, all left-associative), comprehensions preferred over
 * `|` calls inside brackets, `p[x] if` as a single-value rule, bodiless rules (`p := 1`, `f(x) := 1`,
 * `a.b.c`), `else` chains, several bodies per head, `some`/`every`, `with`, template strings.
 * Like OPA it backtracks in the few ambiguous places; diagnostics raised on an abandoned path are
 * dropped with it. Unlike OPA it does not stop at the first error: after a broken statement it skips to
 * the next line that starts at the statement's indentation and goes on, so independent errors are
 * reported together.
 */
import type {
  ArrayTerm,
  AssignOperator,
  Body,
  CallTerm,
  Comment,
  ElseClause,
  EveryExpr,
  Expr,
  Import,
  InfixOperator,
  Module,
  ObjectItem,
  Package,
  Position,
  Query,
  RefTerm,
  Rule,
  RuleHead,
  RuleKind,
  SomeDeclExpr,
  SomeInExpr,
  Span,
  TemplateExpr,
  TemplateStringTerm,
  TemplateText,
  Term,
  VarTerm,
  WithModifier,
} from './ast.ts';
import { createDiagnostic, type Diagnostic, type DiagnosticExtras, type RegoDiagnosticCode } from '../diagnostics/index.ts';
import { tokenize } from './lexer.ts';
import { keywords, type Token, type TokenType } from './tokens.ts';

/** The result of `parseModule`. `module` is present only when there are no errors. */
export interface ParseModuleResult {
  readonly module?: Module;
  readonly diagnostics: Diagnostic[];
}

/** The result of `parseQuery`. `query` is present only when there are no errors. */
export interface ParseQueryResult {
  readonly query?: Query;
  readonly diagnostics: Diagnostic[];
}

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

/** Nesting deeper than this is refused (REGO1020) rather than risking the JS stack. */
const maxDepth = 1000;

const relationOps: readonly TokenType[] = ['==', '!=', '<', '>', '<=', '>='];
const headOperatorTokens: ReadonlySet<TokenType> = new Set(['+', '-', '*', '/', '%', '&', '|', '==', '!=', '<', '>', '<=', '>=']);
const rootDocuments: ReadonlySet<string> = new Set(['data', 'input']);
const importRoots: ReadonlySet<string> = new Set(['data', 'input', 'future', 'rego']);
const futureKeywords: ReadonlySet<string> = new Set(['in', 'every', 'contains', 'if']);

/**
 * Parses one Rego module (a `.rego` file).
 *
 * Never throws. Syntax errors become diagnostics (`REGO1xxx`); several independent errors are reported
 * in one pass. `file` names the source in spans and messages.
 */
export function parseModule(source: string, file: string): ParseModuleResult {
  const lexed = tokenize(source, file);
  const parser = new Parser(lexed.tokens, file, lexed.diagnostics);
  const module = parser.module(lexed.comments);
  const diagnostics = parser.diagnostics();
  return diagnostics.some((d) => d.severity === 'error') || module === undefined ? { diagnostics } : { module, diagnostics };
}

/**
 * Parses a query: a body such as `data.authz.allow = x` or `x := 1; y := x + 1` (expressions separated by
 * `;` or newlines), as `opa eval` accepts it. Never throws.
 */
export function parseQuery(source: string, file: string): ParseQueryResult {
  const lexed = tokenize(source, file);
  const parser = new Parser(lexed.tokens, file, lexed.diagnostics);
  const query = parser.query();
  const diagnostics = parser.diagnostics();
  return diagnostics.some((d) => d.severity === 'error') || query === undefined ? { diagnostics } : { query, diagnostics };
}

interface SavedState {
  readonly pos: number;
  readonly diagnostics: number;
  readonly lastEnd: Position;
}

function isGround(term: Term): boolean {
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

class Parser {
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

  diagnostics(): Diagnostic[] {
    return [...this.#lexDiagnostics, ...this.#diagnostics].sort((a, b) => a.span.start.offset - b.span.start.offset);
  }

  // ------------------------------------------------------------------------------------------
  // Token helpers
  // ------------------------------------------------------------------------------------------

  get #tok(): Token {
    return this.#tokens[this.#pos]!;
  }

  #advance(): Token {
    const tok = this.#tok;
    if (tok.type !== 'eof') {
      this.#pos++;
      this.#lastEnd = tok.end;
    }
    return tok;
  }

  #is(type: TokenType): boolean {
    return this.#tok.type === type;
  }

  #isWord(word: string, tok: Token = this.#tok): boolean {
    return tok.type === 'ident' && tok.text === word;
  }

  /** True for `word` as a keyword here: a keyword directly followed by `.` or `[` starts a ref instead (`not.x`). */
  #isKeywordHere(word: string): boolean {
    return this.#isWord(word) && !this.#startsRefAt(this.#pos);
  }

  #startsRefAt(index: number): boolean {
    const next = this.#tokens[index + 1];
    return next !== undefined && (next.type === '.' || next.type === '[') && !next.spaceBefore;
  }

  #save(): SavedState {
    return { pos: this.#pos, diagnostics: this.#diagnostics.length, lastEnd: this.#lastEnd };
  }

  #restore(state: SavedState): void {
    this.#pos = state.pos;
    this.#diagnostics.length = state.diagnostics;
    this.#lastEnd = state.lastEnd;
  }

  #span(start: Position, end: Position = this.#lastEnd): Span {
    return { file: this.#file, start, end };
  }

  #error(code: RegoDiagnosticCode, span: Span, message: string, extras?: DiagnosticExtras): void {
    this.#diagnostics.push(createDiagnostic(code, span, message, extras));
  }

  #describe(tok: Token): string {
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

  /** Reports REGO1001 at the current token (unless the lexer already reported it as illegal). */
  #unexpected(expected: string, extras?: DiagnosticExtras): void {
    const tok = this.#tok;
    if (tok.type === 'illegal') return;
    this.#error('REGO1001', { file: this.#file, start: tok.start, end: tok.end }, `Unexpected ${this.#describe(tok)}: expected ${expected}`, extras);
  }

  #enter(): boolean {
    if (++this.#depth > maxDepth) {
      this.#depth--;
      const tok = this.#tok;
      if (!this.#diagnostics.some((d) => d.code === 'REGO1020')) {
        this.#error('REGO1020', { file: this.#file, start: tok.start, end: tok.end }, `Expression nested too deeply: more than ${maxDepth} levels`);
      }
      return false;
    }
    return true;
  }

  #leave(): void {
    this.#depth--;
  }

  // ------------------------------------------------------------------------------------------
  // Module and statements
  // ------------------------------------------------------------------------------------------

  module(comments: Comment[]): Module | undefined {
    const start = this.#tok.start;
    let pkg: Package | undefined;
    const imports: Import[] = [];
    const rules: Rule[] = [];
    let first = true;
    if (this.#is('eof')) {
      this.#error('REGO1021', this.#span(start, start), 'Empty module: expected "package <name>"');
      return undefined;
    }
    while (!this.#is('eof')) {
      const stmtStart = this.#tok;
      const before = this.#diagnostics.length;
      let ok: boolean;
      if (this.#isKeywordHere('package')) {
        const parsed = this.#package();
        ok = parsed !== undefined;
        if (parsed !== undefined) {
          if (pkg !== undefined || !first) this.#error('REGO1006', parsed.span, 'Unexpected package declaration: a module has exactly one, at the top');
          else pkg = parsed;
        }
      } else {
        if (first) {
          this.#error('REGO1006', { file: this.#file, start: stmtStart.start, end: stmtStart.end }, 'Missing package declaration: a module must start with "package <name>"');
        }
        if (this.#isKeywordHere('import')) {
          const parsed = this.#import();
          ok = parsed !== undefined;
          if (parsed !== undefined) imports.push(parsed);
        } else {
          const parsed = this.#rules();
          ok = parsed !== undefined;
          if (parsed !== undefined) rules.push(...parsed);
        }
      }
      first = false;
      if (!ok) {
        if (this.#diagnostics.length === before) this.#unexpected('a rule, an import or a package declaration');
        this.#sync(stmtStart);
      }
    }
    if (pkg === undefined) return undefined;
    return { kind: 'module', span: this.#span(start), package: pkg, imports, rules, comments };
  }

  /**
   * Skips past a broken statement: to the first token that starts a line at (or left of) the
   * statement's indentation outside any brackets opened within it, or at column 1.
   */
  #sync(stmtStart: Token): void {
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

  query(): Query | undefined {
    const start = this.#tok.start;
    if (this.#is('eof')) {
      this.#error('REGO1014', this.#span(start, start), 'Empty query: expected at least one expression');
      return undefined;
    }
    const body = this.#bodyUntil('eof');
    if (body === undefined) return undefined;
    return { kind: 'query', span: this.#span(start), body };
  }

  #package(): Package | undefined {
    const start = this.#advance().start;
    const tok = this.#tok;
    if (tok.type !== 'ident') {
      this.#unexpected('a package name such as "authz" or "aiws.capabilities"');
      return undefined;
    }
    const term = this.#term();
    if (term === undefined) return undefined;
    const path: string[] = [];
    if (term.kind === 'var') path.push(term.name);
    else if (term.kind === 'ref' && term.head.kind === 'var') {
      path.push(term.head.name);
      for (const element of term.path) {
        if (element.kind !== 'string') {
          this.#error('REGO1007', element.span, `Invalid package path: expected a name, found ${element.kind}`);
          return undefined;
        }
        path.push(element.value);
      }
    } else {
      this.#error('REGO1007', term.span, 'Invalid package path: expected a name such as "authz" or "aiws.capabilities"');
      return undefined;
    }
    return { kind: 'package', span: this.#span(start), path, ref: term.kind === 'var' ? term : (term as RefTerm) };
  }

  #import(): Import | undefined {
    const start = this.#advance().start;
    if (this.#tok.type !== 'ident') {
      this.#unexpected('an import path such as "data.lib" or "input.user"');
      return undefined;
    }
    const term = this.#term();
    if (term === undefined) return undefined;
    let path: RefTerm;
    if (term.kind === 'var') path = { kind: 'ref', span: term.span, head: term, path: [] };
    else if (term.kind === 'ref' && term.head.kind === 'var') path = term;
    else {
      this.#error('REGO1008', term.span, 'Invalid import: expected a path such as "data.lib" or "input.user"');
      return undefined;
    }
    for (const element of path.path) {
      if (element.kind !== 'string') {
        this.#error('REGO1008', element.span, `Invalid import path: expected a name, found ${element.kind}`);
        return undefined;
      }
    }
    const root = (path.head as VarTerm).name;
    if (!importRoots.has(root)) {
      this.#error('REGO1008', path.span, `Invalid import path: must begin with "data", "input", "future" or "rego", found "${root}"`);
      return undefined;
    }
    const names = path.path.map((element) => (element as { value: string }).value);
    if (root === 'rego' && !(names.length === 1 && names[0] === 'v1')) {
      this.#error('REGO1008', path.span, `Invalid import: "${refToString(path)}" is not supported, only "rego.v1"`);
      return undefined;
    }
    if (root === 'future' && (names[0] !== 'keywords' || names.length > 2 || (names.length === 2 && !futureKeywords.has(names[1]!)))) {
      this.#error('REGO1008', path.span, `Invalid import: unknown future keyword import "${refToString(path)}"`);
      return undefined;
    }
    if (this.#isKeywordHere('as')) {
      this.#advance();
      const alias = this.#tok;
      if (alias.type !== 'ident' || keywords.has(alias.text)) {
        this.#unexpected('an alias name after "as"');
        return undefined;
      }
      this.#advance();
      if (root === 'future' || root === 'rego') {
        this.#error('REGO1008', this.#span(start), `Invalid import: "${refToString(path)}" cannot be aliased`);
        return undefined;
      }
      return { kind: 'import', span: this.#span(start), path, alias: alias.text };
    }
    return { kind: 'import', span: this.#span(start), path };
  }

  // ------------------------------------------------------------------------------------------
  // Rules
  // ------------------------------------------------------------------------------------------

  /** Parses one rule statement; several bodies after one head give several rules. */
  #rules(): Rule[] | undefined {
    const start = this.#tok.start;
    let isDefault = false;
    if (this.#isKeywordHere('default')) {
      this.#advance();
      isDefault = true;
    }
    const nameTok = this.#tok;
    if (nameTok.type !== 'ident' || (keywords.has(nameTok.text) && nameTok.text !== 'contains' && !this.#startsRefAt(this.#pos))) {
      this.#unexpected(isDefault ? 'a rule name after "default"' : 'a rule, an import or a package declaration');
      return undefined;
    }
    const headStart = nameTok.start;
    const nameVar: VarTerm = { kind: 'var', span: { file: this.#file, start: nameTok.start, end: nameTok.end }, name: nameTok.text };
    this.#advance();
    if (headOperatorTokens.has(this.#tok.type)) {
      this.#unexpected('a rule head ("p := value", "p if { ... }", "p contains x", "f(x) := y")');
      return undefined;
    }
    let headTerm: Term = nameVar;
    if (this.#is('(') || this.#is('.') || this.#is('[')) {
      const ref = this.#ref(nameVar, headStart);
      if (ref === undefined) return undefined;
      headTerm = ref;
    }

    let ref: RefTerm;
    let args: readonly Term[] | undefined;
    if (headTerm.kind === 'var') ref = { kind: 'ref', span: headTerm.span, head: headTerm, path: [] };
    else if (headTerm.kind === 'ref') ref = headTerm;
    else if (headTerm.kind === 'call') {
      const op = headTerm.operator;
      ref = op.kind === 'var' ? { kind: 'ref', span: op.span, head: op, path: [] } : op;
      args = headTerm.args;
    } else {
      this.#error('REGO1009', headTerm.span, 'Invalid rule head: expected a rule name');
      return undefined;
    }
    if (ref.head.kind !== 'var') {
      this.#error('REGO1009', ref.span, 'Invalid rule head: a rule name must start with a name');
      return undefined;
    }
    const displayName = refToString(ref);

    let key: Term | undefined;
    let value: Term | undefined;
    let assign: AssignOperator | undefined;
    let usesContains = false;
    if (this.#isKeywordHere('contains')) {
      if (args !== undefined) {
        this.#unexpected(`a function body: "contains" is only for multi-value rules such as "${displayName} contains x if { ... }"`);
        return undefined;
      }
      usesContains = true;
      this.#advance();
      key = this.#termInfixCall();
      if (key === undefined) return undefined;
    } else if (this.#is('=') || this.#is(':=')) {
      assign = this.#advance().type as AssignOperator;
      value = this.#termInfixCall();
      if (value === undefined) return undefined;
    }
    const headEndAfterValue = this.#lastEnd;

    if (isDefault) return this.#defaultRule(start, headStart, ref, args, key, value, assign, usesContains);

    const refLen = 1 + ref.path.length;
    let valueImplicit = false;
    const trueAt = (span: Span): Term => ({ kind: 'boolean', span, value: true });
    if (value === undefined && key === undefined && (refLen !== 2 || args !== undefined)) {
      value = trueAt(this.#span(headStart, headEndAfterValue));
      valueImplicit = true;
    }
    const hasIf = this.#isKeywordHere('if');
    let legacySet = false;
    if (hasIf && !usesContains && refLen === 2 && args === undefined) {
      const last = ref.path[0]!;
      if (!isGround(last)) key = last;
      if (value === undefined) {
        value = trueAt(this.#span(headStart, headEndAfterValue));
        valueImplicit = true;
      }
    }
    if (!hasIf && !usesContains && args === undefined && refLen === 2 && value === undefined) {
      // `p[x] { ... }` or a bare `p[x]`: Rego v0's partial set syntax.
      legacySet = true;
      key = ref.path[0]!;
      ref = { kind: 'ref', span: ref.head.span, head: ref.head, path: [] };
    }

    let body: Body = [];
    let bodyless = false;
    if (hasIf) {
      this.#advance();
      const parsed = this.#ifBody();
      if (parsed === undefined) return undefined;
      body = parsed;
    } else if (this.#is('{')) {
      this.#error('REGO1010', { file: this.#file, start: this.#tok.start, end: this.#tok.end }, 'Missing "if" before the rule body', {
        hint: `write "${displayName} if { ... }" (Rego v1 requires "if")`,
      });
      this.#advance();
      const parsed = this.#bodyUntil('}');
      if (parsed === undefined) return undefined;
      body = parsed;
    } else {
      bodyless = true;
      if (!usesContains && !legacySet && value !== undefined && valueImplicit && args === undefined && refLen === 1) {
        this.#error('REGO1009', this.#span(headStart), `Incomplete rule "${displayName}": expected ":= value", "if" and a body, or "contains"`);
        return undefined;
      }
    }
    if (legacySet) {
      this.#error('REGO1011', this.#span(headStart, headEndAfterValue), `Missing "contains" in the multi-value rule "${refToString(ref)}"`, {
        hint: `write "${refToString(ref)} contains ${key === undefined ? 'x' : termText(key)} if { ... }"`,
      });
    }

    const ruleKind: RuleKind =
      args !== undefined ? 'function' : usesContains || legacySet ? 'partial-set' : ref.path.every(isGround) ? 'complete' : 'partial-object';
    if (ruleKind === 'partial-object' && key === undefined) key = ref.path.at(-1);
    const head: RuleHead = {
      kind: 'rule-head',
      span: this.#span(headStart, headEndAfterValue),
      ruleKind,
      name: (ref.head as VarTerm).name,
      ref,
      ...(args === undefined ? {} : { args }),
      ...(key === undefined || ruleKind === 'complete' || ruleKind === 'function' ? {} : { key }),
      ...(value === undefined || ruleKind === 'partial-set' ? {} : { value }),
      valueImplicit,
      ...(assign === undefined ? {} : { assign }),
      hasIf,
    };

    let elseClause: ElseClause | undefined;
    if (!bodyless && this.#isKeywordHere('else')) {
      if (refLen > 1 && !ref.path.every(isGround)) {
        this.#error('REGO1013', { file: this.#file, start: this.#tok.start, end: this.#tok.end }, `Invalid "else": rule "${displayName}" has variables in its head`);
        return undefined;
      }
      if (ruleKind === 'partial-set' || ruleKind === 'partial-object') {
        this.#error('REGO1013', { file: this.#file, start: this.#tok.start, end: this.#tok.end }, `Invalid "else": rule "${displayName}" is a multi-value or partial rule`);
        return undefined;
      }
      elseClause = this.#else();
      if (elseClause === undefined) return undefined;
    }

    const rules: Rule[] = [
      {
        kind: 'rule',
        span: this.#span(start),
        default: false,
        head,
        body,
        ...(elseClause === undefined ? {} : { else: elseClause }),
      },
    ];
    while (!bodyless && this.#is('{')) {
      if (elseClause !== undefined) {
        this.#unexpected('"else" before another body');
        return undefined;
      }
      const bodyStart = this.#advance().start;
      const extra = this.#bodyUntil('}');
      if (extra === undefined) return undefined;
      rules.push({ kind: 'rule', span: this.#span(bodyStart), default: false, head, body: extra });
    }
    return rules;
  }

  #defaultRule(
    start: Position,
    headStart: Position,
    ref: RefTerm,
    args: readonly Term[] | undefined,
    key: Term | undefined,
    value: Term | undefined,
    assign: AssignOperator | undefined,
    usesContains: boolean,
  ): Rule[] | undefined {
    const span = this.#span(start);
    const name = refToString(ref);
    if (value === undefined || usesContains || key !== undefined) {
      this.#error('REGO1012', span, `Invalid default rule "${name}": it must have a value, as in "default ${name} := false"`);
      return undefined;
    }
    const bad = findNonConstant(value);
    if (bad !== undefined) {
      this.#error('REGO1012', bad.span, `Invalid default rule "${name}": the value must be a constant, found ${describeKind(bad)}`);
      return undefined;
    }
    if (!ref.path.every(isGround)) {
      this.#error('REGO1012', ref.span, `Invalid default rule "${name}": its name cannot contain variables`);
      return undefined;
    }
    if (args !== undefined) {
      const seen = new Set<string>();
      for (const arg of args) {
        if (arg.kind !== 'var') {
          this.#error('REGO1012', arg.span, `Invalid default function "${name}": arguments must be variables, found ${describeKind(arg)}`);
          return undefined;
        }
        if (arg.name !== '_' && seen.has(arg.name)) {
          this.#error('REGO1012', arg.span, `Invalid default function "${name}": argument "${arg.name}" is repeated`);
          return undefined;
        }
        seen.add(arg.name);
      }
    }
    const head: RuleHead = {
      kind: 'rule-head',
      span: this.#span(headStart),
      ruleKind: args !== undefined ? 'function' : 'complete',
      name: (ref.head as VarTerm).name,
      ref,
      ...(args === undefined ? {} : { args }),
      value,
      valueImplicit: false,
      ...(assign === undefined ? {} : { assign }),
      hasIf: false,
    };
    return [{ kind: 'rule', span, default: true, head, body: [] }];
  }

  /** After `if`: a single literal, or `{ body }` (a set literal `{ x }` there means a body, as in OPA). */
  #ifBody(): Body | undefined {
    const saved = this.#save();
    if (!this.#is('eof')) {
      const expr = this.#literal();
      if (expr !== undefined && !(expr.kind === 'term-expr' && expr.term.kind === 'set' && !expr.negated && expr.with.length === 0)) return [expr];
    }
    this.#restore(saved);
    if (!this.#is('{')) {
      this.#unexpected('a rule body after "if"');
      return undefined;
    }
    this.#advance();
    return this.#bodyUntil('}');
  }

  #else(): ElseClause | undefined {
    const start = this.#advance().start;
    let value: Term | undefined;
    let valueImplicit = false;
    let assign: AssignOperator | undefined;
    if (this.#is('{') || this.#isKeywordHere('if')) {
      value = { kind: 'boolean', span: this.#span(start), value: true };
      valueImplicit = true;
    } else if (this.#is('=') || this.#is(':=')) {
      assign = this.#advance().type as AssignOperator;
      value = this.#termInfixCall();
      if (value === undefined) return undefined;
    } else {
      this.#unexpected('":= value" or a body after "else"');
      return undefined;
    }
    const hasIf = this.#isKeywordHere('if');
    let body: Body = [];
    if (hasIf) {
      this.#advance();
      const parsed = this.#ifBody();
      if (parsed === undefined) return undefined;
      body = parsed;
    } else if (this.#is('{')) {
      this.#error('REGO1010', { file: this.#file, start: this.#tok.start, end: this.#tok.end }, 'Missing "if" before the else body');
      this.#advance();
      const parsed = this.#bodyUntil('}');
      if (parsed === undefined) return undefined;
      body = parsed;
    }
    let next: ElseClause | undefined;
    if (this.#isKeywordHere('else')) {
      next = this.#else();
      if (next === undefined) return undefined;
    }
    return {
      kind: 'else',
      span: this.#span(start),
      value,
      valueImplicit,
      ...(assign === undefined ? {} : { assign }),
      hasIf,
      body,
      ...(next === undefined ? {} : { else: next }),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Bodies and expressions
  // ------------------------------------------------------------------------------------------

  /** Expressions up to `end` (consumed), separated by `;` or line breaks. */
  #bodyUntil(end: '}' | ']' | 'eof'): Body | undefined {
    if (!this.#enter()) return undefined;
    try {
      if (this.#is(end)) {
        this.#error('REGO1014', { file: this.#file, start: this.#tok.start, end: this.#tok.end }, 'Empty body: a body needs at least one expression', {
          hint: 'write "true" for a body that always holds',
        });
        return undefined;
      }
      const body: Expr[] = [];
      for (;;) {
        const expr = this.#literal();
        if (expr === undefined) return undefined;
        body.push(expr);
        if (this.#is(';')) {
          this.#advance();
          continue;
        }
        if (this.#is(end)) {
          this.#advance();
          return body;
        }
        if (!this.#tok.newlineBefore) {
          this.#unexpected(end === 'eof' ? 'a new line or ";"' : `a new line, ";" or "${end}"`);
          return undefined;
        }
        if (this.#is('eof')) {
          this.#unexpected(`"${end}"`);
          return undefined;
        }
      }
    } finally {
      this.#leave();
    }
  }

  /** One body expression: `some ...`, `every ...`, or `[not] expr [with ...]`. */
  #literal(): Expr | undefined {
    const start = this.#tok.start;
    let negated = false;
    if (this.#isKeywordHere('not')) {
      this.#advance();
      negated = true;
    }
    if (this.#isKeywordHere('some')) {
      if (negated) {
        this.#error('REGO1015', this.#span(start, this.#tok.end), 'Invalid "not some": a "some" declaration cannot be negated');
        return undefined;
      }
      return this.#some();
    }
    if (this.#isKeywordHere('every')) {
      if (negated) {
        this.#error('REGO1016', this.#span(start, this.#tok.end), 'Invalid "not every": an "every" expression cannot be negated', {
          hint: 'move the negation into a helper rule: "not all_ok" with "all_ok if every ..."',
        });
        return undefined;
      }
      return this.#every();
    }
    const exprStart = this.#tok.start;
    const lhs = this.#termInfixCall();
    if (lhs === undefined) return undefined;
    let expr: Expr;
    if (this.#is(':=') || this.#is('=')) {
      const opTok = this.#advance();
      const rhs = this.#termInfixCall();
      if (rhs === undefined) return undefined;
      const infix = opTok.type as InfixOperator;
      const call = this.#infixCall(infix, opTok, [lhs, rhs], exprStart);
      expr = { kind: 'call-expr', span: this.#span(start), negated, with: [], call };
    } else if (lhs.kind === 'call') {
      expr = { kind: 'call-expr', span: this.#span(start), negated, with: [], call: lhs };
    } else {
      expr = { kind: 'term-expr', span: this.#span(start), negated, with: [], term: lhs };
    }
    if (this.#isKeywordHere('with')) {
      const withs = this.#withs();
      if (withs === undefined) return undefined;
      expr = { ...expr, span: this.#span(start), with: withs };
    }
    return expr;
  }

  #withs(): WithModifier[] | undefined {
    const withs: WithModifier[] = [];
    while (this.#isKeywordHere('with')) {
      const start = this.#advance().start;
      if (this.#tok.type !== 'ident') {
        this.#unexpected('a target such as "input" or "data.x" after "with"');
        return undefined;
      }
      const target = this.#term();
      if (target === undefined) return undefined;
      if (target.kind !== 'ref' && target.kind !== 'var') {
        this.#error('REGO1017', target.span, 'Invalid "with" target: expected "input", "data" or a path under them, or a function name');
        return undefined;
      }
      if (!this.#isKeywordHere('as')) {
        this.#unexpected('"as" after the "with" target');
        return undefined;
      }
      this.#advance();
      const value = this.#termInfixCall();
      if (value === undefined) return undefined;
      withs.push({ kind: 'with', span: this.#span(start), target, value });
    }
    return withs;
  }

  #some(): Expr | undefined {
    const start = this.#advance().start;
    const saved = this.#save();
    const term = this.#termInfixCall();
    if (term !== undefined && term.kind === 'call') {
      if (term.name !== infixBuiltinNames.in && term.name !== memberWithKeyName) {
        this.#error('REGO1015', term.span, 'Invalid "some": expected "some x in xs" or "some k, v in xs"');
        return undefined;
      }
      const [a, b, c] = term.args;
      let expr: SomeInExpr =
        term.name === memberWithKeyName
          ? { kind: 'some-in', span: this.#span(start), negated: false, with: [], key: a!, value: b!, collection: c! }
          : { kind: 'some-in', span: this.#span(start), negated: false, with: [], value: a!, collection: b! };
      if (this.#isKeywordHere('with')) {
        const withs = this.#withs();
        if (withs === undefined) return undefined;
        expr = { ...expr, span: this.#span(start), with: withs };
      }
      return expr;
    }
    this.#restore(saved);
    const vars: VarTerm[] = [];
    for (;;) {
      const tok = this.#tok;
      if (tok.type !== 'ident' || keywords.has(tok.text)) {
        this.#unexpected(vars.length === 0 ? 'a variable name or "x in xs" after "some"' : 'a variable name after ","');
        return undefined;
      }
      this.#advance();
      vars.push({ kind: 'var', span: { file: this.#file, start: tok.start, end: tok.end }, name: tok.text });
      if (!this.#is(',')) break;
      this.#advance();
    }
    const decl: SomeDeclExpr = { kind: 'some-decl', span: this.#span(start), negated: false, with: [], vars };
    return decl;
  }

  #every(): Expr | undefined {
    const start = this.#advance().start;
    const term = this.#termInfixCall();
    if (term === undefined) return undefined;
    if (term.kind !== 'call' || (term.name !== infixBuiltinNames.in && term.name !== memberWithKeyName)) {
      this.#error('REGO1016', term.span, 'Invalid "every": expected "every x in xs { ... }" or "every k, v in xs { ... }"');
      return undefined;
    }
    const withKey = term.name === memberWithKeyName;
    const key = withKey ? term.args[0]! : undefined;
    const value = withKey ? term.args[1]! : term.args[0]!;
    const domain = withKey ? term.args[2]! : term.args[1]!;
    if (key !== undefined && key.kind !== 'var') {
      this.#error('REGO1016', key.span, 'Invalid "every": the key must be a variable');
      return undefined;
    }
    if (value.kind !== 'var') {
      this.#error('REGO1016', value.span, 'Invalid "every": the value must be a variable');
      return undefined;
    }
    if (!this.#is('{')) {
      this.#unexpected('"{" to open the body of "every"');
      return undefined;
    }
    this.#advance();
    const body = this.#bodyUntil('}');
    if (body === undefined) return undefined;
    let expr: EveryExpr = {
      kind: 'every',
      span: this.#span(start),
      negated: false,
      with: [],
      ...(key === undefined ? {} : { key }),
      value,
      domain,
      body,
    };
    if (this.#isKeywordHere('with')) {
      const withs = this.#withs();
      if (withs === undefined) return undefined;
      expr = { ...expr, span: this.#span(start), with: withs };
    }
    return expr;
  }

  // ------------------------------------------------------------------------------------------
  // Terms, from the loosest binding operator to the tightest
  // ------------------------------------------------------------------------------------------

  #infixCall(op: InfixOperator, opTok: Token, args: Term[], start: Position, name: string = infixBuiltinNames[op]): CallTerm {
    const opSpan: Span = { file: this.#file, start: opTok.start, end: opTok.end };
    return { kind: 'call', span: this.#span(start), name, operator: operatorTerm(name, opSpan), args, infix: op };
  }

  /** A term with infix operators; `k, v in xs` allowed (expression position). */
  #termInfixCall(): Term | undefined {
    return this.#termIn(true);
  }

  /** A term with infix operators inside a list, where `,` separates items. */
  #termInList(): Term | undefined {
    return this.#termIn(false);
  }

  #termIn(keyVal: boolean): Term | undefined {
    if (!this.#enter()) return undefined;
    try {
      const start = this.#tok.start;
      let lhs = this.#binary(0);
      if (lhs === undefined) return undefined;
      for (;;) {
        if (keyVal && this.#is(',')) {
          const saved = this.#save();
          this.#advance();
          const mhs = this.#binary(0);
          if (mhs !== undefined && this.#isKeywordHere('in')) {
            const opTok = this.#advance();
            const rhs = this.#binary(0);
            if (rhs !== undefined) {
              lhs = this.#infixCall('in', opTok, [lhs, mhs, rhs], start, memberWithKeyName);
              if (this.#isKeywordHere('in')) continue;
              return lhs;
            }
          }
          this.#restore(saved);
        }
        if (this.#isKeywordHere('in') && !this.#startsRefAt(this.#pos)) {
          const opTok = this.#advance();
          const rhs = this.#binary(0);
          if (rhs === undefined) return undefined;
          lhs = this.#infixCall('in', opTok, [lhs, rhs], start);
          continue;
        }
        return lhs;
      }
    } finally {
      this.#leave();
    }
  }

  /** Binary operator levels: relations, `|`, `&`, `+ -`, `* / %`. */
  static readonly #levels: readonly (readonly TokenType[])[] = [relationOps, ['|'], ['&'], ['+', '-'], ['*', '/', '%']];

  #binary(level: number): Term | undefined {
    if (level >= Parser.#levels.length) return this.#term();
    const ops = Parser.#levels[level]!;
    const start = this.#tok.start;
    let lhs = this.#binary(level + 1);
    if (lhs === undefined) return undefined;
    while (ops.includes(this.#tok.type)) {
      const opTok = this.#advance();
      const rhs = this.#binary(level + 1);
      if (rhs === undefined) return undefined;
      lhs = this.#infixCall(opTok.type as InfixOperator, opTok, [lhs, rhs], start);
    }
    return lhs;
  }

  /** One operand: a scalar, var, collection, comprehension, parenthesised expression, ref or call. */
  #term(): Term | undefined {
    const startPos = this.#pos;
    const cached = this.#termCache.get(startPos);
    if (cached !== undefined) {
      this.#pos = cached.end;
      this.#lastEnd = cached.lastEnd;
      return cached.term;
    }
    const term = this.#termUncached();
    if (term !== undefined) this.#termCache.set(startPos, { term, end: this.#pos, lastEnd: this.#lastEnd });
    return term;
  }

  #termUncached(): Term | undefined {
    if (!this.#enter()) return undefined;
    try {
      const tok = this.#tok;
      const start = tok.start;
      let term: Term | undefined;
      switch (tok.type) {
        case 'ident':
          term = this.#wordTerm();
          break;
        case 'number':
        case '-':
        case '.':
          term = this.#number();
          break;
        case 'string':
          this.#advance();
          term = { kind: 'string', span: this.#span(start), value: tok.value ?? '', raw: tok.raw ?? false };
          break;
        case 'template':
          term = this.#template();
          break;
        case '[':
          term = this.#array();
          break;
        case '{':
          term = this.#setOrObject();
          break;
        case '(': {
          this.#advance();
          const inner = this.#termInfixCall();
          if (inner === undefined) return undefined;
          if (!this.#is(')')) {
            this.#unexpected('")" to close the parenthesised expression');
            return undefined;
          }
          this.#advance();
          term = inner;
          break;
        }
        default:
          this.#unexpected('a term (a value, variable, reference or call)');
          return undefined;
      }
      if (term === undefined) return undefined;
      const next = this.#tok;
      if ((next.type === '.' || next.type === '[' || next.type === '(') && !next.spaceBefore) return this.#ref(term, start);
      if (term.kind === 'var' && rootDocuments.has(term.name)) return { kind: 'ref', span: term.span, head: term, path: [] };
      return term;
    } finally {
      this.#leave();
    }
  }

  #wordTerm(): Term | undefined {
    const tok = this.#tok;
    const span: Span = { file: this.#file, start: tok.start, end: tok.end };
    if (this.#startsRefAt(this.#pos)) {
      this.#advance();
      return { kind: 'var', span, name: tok.text };
    }
    switch (tok.text) {
      case 'null':
        this.#advance();
        return { kind: 'null', span };
      case 'true':
      case 'false':
        this.#advance();
        return { kind: 'boolean', span, value: tok.text === 'true' };
      default:
        if (keywords.has(tok.text) && tok.text !== 'contains') {
          this.#unexpected('a term (a value, variable, reference or call)');
          return undefined;
        }
        this.#advance();
        return { kind: 'var', span, name: tok.text };
    }
  }

  #number(): Term | undefined {
    const start = this.#tok.start;
    let prefix = '';
    if (this.#is('-')) {
      this.#advance();
      prefix = '-';
      if (!this.#is('number') && !this.#is('.')) {
        this.#unexpected('a number after "-" (negate an expression with "0 - x")');
        return undefined;
      }
    }
    if (this.#is('.')) {
      this.#advance();
      if (!this.#is('number')) {
        this.#unexpected('a number after "."');
        return undefined;
      }
      prefix += '0.';
    }
    const tok = this.#advance();
    const lit = tok.text;
    if (!prefix.endsWith('.') && lit.length > 1 && lit[0] === '0' && lit[1] !== '.' && lit[1] !== 'e' && lit[1] !== 'E') {
      this.#error('REGO1005', this.#span(start), `Invalid number "${prefix}${lit}": numbers must not have leading zeros`);
      return undefined;
    }
    return { kind: 'number', span: this.#span(start), text: prefix + lit };
  }

  #template(): TemplateStringTerm | undefined {
    const first = this.#tok;
    const start = first.start;
    const raw = first.raw ?? false;
    const parts: (TemplateText | TemplateExpr)[] = [];
    for (;;) {
      const tok = this.#tok;
      if (tok.type !== 'template') {
        this.#unexpected('the rest of the template string');
        return undefined;
      }
      this.#advance();
      if ((tok.value ?? '') !== '') parts.push({ kind: 'template-text', span: { file: this.#file, start: tok.start, end: tok.end }, value: tok.value ?? '' });
      if (tok.templateEnd) break;
      const exprStart = this.#tok.start;
      if (this.#is('}')) {
        this.#error('REGO1019', this.#span(exprStart, this.#tok.end), 'Invalid template string: empty "{}" (write "\\{" for a literal brace)');
        return undefined;
      }
      const expr = this.#literal();
      if (expr === undefined) return undefined;
      const problem =
        expr.negated ? 'a negation ("not")'
        : expr.kind === 'some-decl' || expr.kind === 'some-in' ? '"some"'
        : expr.kind === 'every' ? '"every"'
        : expr.kind === 'call-expr' && expr.call.infix === '=' ? 'a unification ("=")'
        : expr.kind === 'call-expr' && expr.call.infix === ':=' ? 'an assignment (":=")'
        : undefined;
      if (problem !== undefined) {
        this.#error('REGO1019', expr.span, `Invalid template string: unexpected ${problem} inside "{...}"`);
        return undefined;
      }
      parts.push({ kind: 'template-expr', span: expr.span, expr });
      if (!this.#is('}')) {
        this.#unexpected('"}" to end the template string expression');
        return undefined;
      }
      this.#advance();
    }
    return { kind: 'template-string', span: this.#span(start), parts, raw };
  }

  /** Ref and call continuations after `head`: `.name`, `[term]`, `(args)`. */
  #ref(head: Term, start: Position): Term | undefined {
    switch (head.kind) {
      case 'var':
      case 'array':
      case 'object':
      case 'set':
      case 'array-comprehension':
      case 'set-comprehension':
      case 'object-comprehension':
      case 'call':
        break;
      default:
        this.#error('REGO1018', head.span, `Invalid reference: a ${describeKind(head)} cannot be indexed or called`);
        return undefined;
    }
    const path: Term[] = [];
    let first = true;
    for (;;) {
      const tok = this.#tok;
      // In a rule head OPA allows space before the first continuation (`p [x]`); elsewhere the
      // caller only gets here without one, and later continuations must follow directly.
      const attached = first || !tok.spaceBefore;
      first = false;
      if (tok.type === '.' && attached) {
        this.#advance();
        const name = this.#tok;
        if (name.type !== 'ident' || name.spaceBefore) {
          this.#unexpected('a name after "."');
          return undefined;
        }
        this.#advance();
        path.push({ kind: 'string', span: { file: this.#file, start: name.start, end: name.end }, value: name.text, raw: false });
      } else if (tok.type === '[' && attached) {
        this.#advance();
        const element = this.#termInfixCall();
        if (element === undefined) return undefined;
        if (!this.#is(']')) {
          this.#unexpected('"]" to close the reference');
          return undefined;
        }
        this.#advance();
        path.push(element);
      } else if (tok.type === '(' && attached) {
        const operatorSpan = this.#span(start);
        const operator: RefTerm | VarTerm = path.length === 0 && head.kind === 'var' ? head : { kind: 'ref', span: operatorSpan, head, path: [...path] };
        if (operator.kind === 'ref' && (operator.head.kind !== 'var' || !operator.path.every((p) => p.kind === 'string'))) {
          if (operator.head.kind !== 'var') {
            this.#error('REGO1018', operator.span, `Invalid call: "${refToString(operator)}" is not a function name`);
            return undefined;
          }
        }
        this.#advance();
        const args = this.#termList(')');
        if (args === undefined) return undefined;
        const name = refToString(operator);
        let call: Term;
        if (name === 'set' && args.length === 0) call = { kind: 'set', span: this.#span(start), items: [] };
        else call = { kind: 'call', span: this.#span(start), name, operator, args };
        const next = this.#tok;
        if ((next.type === '.' || next.type === '[') && !next.spaceBefore) return this.#ref(call, start);
        return call;
      } else break;
    }
    if (path.length === 0) return head;
    return { kind: 'ref', span: this.#span(start), head, path };
  }

  /** Comma-separated terms up to `end` (consumed); a trailing comma is allowed. */
  #termList(end: ')' | ']' | '}', initial: Term[] = []): Term[] | undefined {
    const items = initial;
    if (this.#is(end)) {
      this.#advance();
      return items;
    }
    for (;;) {
      const term = this.#termInList();
      if (term === undefined) return undefined;
      items.push(term);
      if (this.#is(end)) {
        this.#advance();
        return items;
      }
      if (this.#is(',')) {
        this.#advance();
        if (this.#is(end)) {
          this.#advance();
          return items;
        }
        continue;
      }
      this.#unexpected(`"," or "${end}"`);
      return undefined;
    }
  }

  #array(): Term | undefined {
    const start = this.#advance().start;
    if (this.#is(']')) {
      this.#advance();
      return { kind: 'array', span: this.#span(start), items: [] };
    }
    let potentialComprehension = true;
    if (this.#is(',')) {
      potentialComprehension = false;
      this.#advance();
    }
    const saved = this.#save();
    // A single term first: `[x | body]` is a comprehension, never an array holding `or(x, body)`.
    const head = this.#term();
    if (head === undefined) return undefined;
    if (this.#is(']')) {
      this.#advance();
      return { kind: 'array', span: this.#span(start), items: [head] };
    }
    if (this.#is(',')) {
      this.#advance();
      const items = this.#termList(']', [head]);
      if (items === undefined) return undefined;
      return { kind: 'array', span: this.#span(start), items } satisfies ArrayTerm;
    }
    if (this.#is('|') && potentialComprehension) {
      this.#advance();
      const body = this.#bodyUntil(']');
      if (body !== undefined) return { kind: 'array-comprehension', span: this.#span(start), term: head, body };
      if (!this.#is(',')) return undefined;
    }
    this.#restore(saved);
    const items = this.#termList(']');
    if (items === undefined) return undefined;
    return { kind: 'array', span: this.#span(start), items };
  }

  #setOrObject(): Term | undefined {
    const start = this.#advance().start;
    if (this.#is('}')) {
      this.#advance();
      return { kind: 'object', span: this.#span(start), items: [] };
    }
    let potentialComprehension = true;
    if (this.#is(',')) {
      potentialComprehension = false;
      this.#advance();
    }
    const saved = this.#save();
    let head = this.#term();
    if (head === undefined) return undefined;
    if ((this.#is('|') && potentialComprehension) || this.#is('}') || this.#is(',')) return this.#set(start, saved, head, potentialComprehension);
    if (this.#is(':')) return this.#object(start, head, potentialComprehension);
    this.#restore(saved);
    head = this.#termInList();
    if (head === undefined) return undefined;
    if (this.#is('}') || this.#is(',')) return this.#set(start, saved, head, false);
    if (this.#is(':')) return this.#object(start, head, potentialComprehension);
    this.#unexpected('",", ":" or "}" in the set or object');
    return undefined;
  }

  #set(start: Position, saved: SavedState, head: Term, potentialComprehension: boolean): Term | undefined {
    if (this.#is('}')) {
      this.#advance();
      return { kind: 'set', span: this.#span(start), items: [head] };
    }
    if (this.#is(',')) {
      this.#advance();
      const items = this.#termList('}', [head]);
      if (items === undefined) return undefined;
      return { kind: 'set', span: this.#span(start), items };
    }
    if (this.#is('|') && potentialComprehension) {
      this.#advance();
      const body = this.#bodyUntil('}');
      if (body !== undefined) return { kind: 'set-comprehension', span: this.#span(start), term: head, body };
      if (!this.#is(',')) return undefined;
    }
    this.#restore(saved);
    const items = this.#termList('}');
    if (items === undefined) return undefined;
    return { kind: 'set', span: this.#span(start), items };
  }

  #object(start: Position, key: Term, potentialComprehension: boolean): Term | undefined {
    this.#advance();
    const saved = this.#save();
    const value = this.#term();
    if (value === undefined) return undefined;
    let potentialRelation = true;
    if (potentialComprehension && (this.#is('}') || this.#is(',') || this.#is('|'))) {
      if (!this.#is('|')) potentialRelation = false;
      const done = this.#objectFinish(start, key, value, true);
      if (done !== undefined) return done;
    }
    this.#restore(saved);
    if (potentialRelation) {
      const relValue = this.#termInList();
      if (relValue === undefined) return undefined;
      if (this.#is('}') || this.#is(',')) return this.#objectFinish(start, key, relValue, false);
    }
    this.#unexpected('",", "|" or "}" in the object');
    return undefined;
  }

  #objectFinish(start: Position, key: Term, value: Term, potentialComprehension: boolean): Term | undefined {
    const first: ObjectItem = { kind: 'object-item', span: { file: this.#file, start: key.span.start, end: value.span.end }, key, value };
    if (this.#is('}')) {
      this.#advance();
      return { kind: 'object', span: this.#span(start), items: [first] };
    }
    if (this.#is('|')) {
      if (!potentialComprehension) {
        this.#unexpected('"," or "}" in the object');
        return undefined;
      }
      this.#advance();
      const body = this.#bodyUntil('}');
      if (body === undefined) return undefined;
      return { kind: 'object-comprehension', span: this.#span(start), key, value, body };
    }
    if (this.#is(',')) {
      this.#advance();
      const items = this.#pairList([first]);
      if (items === undefined) return undefined;
      return { kind: 'object', span: this.#span(start), items };
    }
    return undefined;
  }

  #pairList(items: ObjectItem[]): ObjectItem[] | undefined {
    if (this.#is('}')) {
      this.#advance();
      return items;
    }
    for (;;) {
      const key = this.#termInList();
      if (key === undefined) return undefined;
      if (!this.#is(':')) {
        this.#unexpected('":" after the object key');
        return undefined;
      }
      this.#advance();
      const value = this.#termInList();
      if (value === undefined) return undefined;
      items.push({ kind: 'object-item', span: { file: this.#file, start: key.span.start, end: value.span.end }, key, value });
      if (this.#is('}')) {
        this.#advance();
        return items;
      }
      if (this.#is(',')) {
        this.#advance();
        if (this.#is('}')) {
          this.#advance();
          return items;
        }
        continue;
      }
      this.#unexpected('"," or "}" in the object');
      return undefined;
    }
  }
}

/** The operator of a builtin call as a term: `plus` → var, `internal.member_2` → ref. */
function operatorTerm(name: string, span: Span): RefTerm | VarTerm {
  const [head, ...rest] = name.split('.');
  const headVar: VarTerm = { kind: 'var', span, name: head! };
  if (rest.length === 0) return headVar;
  return { kind: 'ref', span, head: headVar, path: rest.map((value) => ({ kind: 'string', span, value, raw: false })) };
}

function describeKind(term: Term): string {
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

/** The first var, ref or call in a default value, ignoring comprehensions as OPA does. */
function findNonConstant(term: Term): Term | undefined {
  switch (term.kind) {
    case 'var':
    case 'ref':
    case 'call':
    case 'template-string':
      return term;
    case 'array':
    case 'set':
      for (const item of term.items) {
        const bad = findNonConstant(item);
        if (bad !== undefined) return bad;
      }
      return undefined;
    case 'object':
      for (const item of term.items) {
        const bad = findNonConstant(item.key) ?? findNonConstant(item.value);
        if (bad !== undefined) return bad;
      }
      return undefined;
    default:
      return undefined;
  }
}

function termText(term: Term): string {
  switch (term.kind) {
    case 'var':
      return term.name;
    case 'ref':
      return refToString(term);
    case 'string':
      return JSON.stringify(term.value);
    case 'number':
      return term.text;
    default:
      return 'x';
  }
}
