/**
 * The safety check: every variable must get a value from a positive expression before it is used where
 * a value is required (in a negated expression, as an input of a builtin or function call, in a rule
 * head, captured by a comprehension or `every`). It follows OPA's algorithm (`reorderBodyForSafety`):
 * expressions may appear in any order, so it repeatedly places the first expression whose inputs are
 * bound and adds what that expression binds — by unification (`=`, `:=`), by iteration over refs with
 * variables (`xs[i]`), by `some ... in`, and by the output argument of a call (`f(x, y)` binds `y`).
 * What cannot be placed is reported. It also checks declarations: `:=` and `some` may not redeclare a
 * variable of the same body, and `:=` needs a variable (or a pattern of them) on its left.
 */
import { refToString, type Body, type CallTerm, type ElseClause, type Expr, type Rule, type Term, type VarTerm } from '../syntax/index.ts';
import { createDiagnostic, type Diagnostic } from '../diagnostics/index.ts';
import { varKey } from './rule-index.ts';
import { capturedVars, declaredNames, exprClosures, exprVars, termClosures, termVars, type Closure, type VarOptions } from './vars.ts';

/** How the safety check learns the arity of a call: a number, or why it cannot tell. */
export type ArityOf = (call: CallTerm) => number | 'unknown' | 'variadic';

/** What the safety check needs from its caller for one rule. */
export interface SafetyContext {
  /** True when `name` resolves to a document in this module (rule, import, `input`, `data`). */
  readonly isGlobalName: (name: string) => boolean;
  readonly arityOf: ArityOf;
  readonly report: (diagnostic: Diagnostic) => void;
}

/** Checks a rule (body, head, else chain). */
export function checkRuleSafety(rule: Rule, context: SafetyContext): void {
  new RuleSafety(rule, context).run();
}

/** Checks a query body: only `input`, `data` and `isGlobalName` names are bound from the start. */
export function checkBodySafety(body: Body, context: SafetyContext): void {
  const checker = new RuleSafety(undefined, context);
  checker.body(body, new Set());
}

const inputOptions = (isGlobal: (name: string) => boolean): VarOptions => ({ isGlobal, skipSetsAndKeys: true, skipRefHead: true });

class RuleSafety {
  readonly #rule: Rule | undefined;
  readonly #context: SafetyContext;
  readonly #options: VarOptions;
  readonly #reported = new Set<string>();
  #reports = 0;

  constructor(rule: Rule | undefined, context: SafetyContext) {
    this.#rule = rule;
    this.#context = context;
    const declared = new Set<string>();
    if (rule !== undefined) {
      for (const arg of rule.head.args ?? []) for (const v of termVars(arg, { isGlobal: () => false }).values()) declared.add(v.name);
      const visitBody = (body: Body): void => {
        for (const expr of body) {
          for (const name of declaredNames(expr)) declared.add(name);
          for (const closure of exprClosures(expr)) {
            if (closure.kind === 'every') {
              if (closure.key !== undefined) declared.add(closure.key.name);
              declared.add(closure.value.name);
            }
            visitBody(closure.body);
          }
        }
      };
      visitBody(rule.body);
      for (let e: ElseClause | undefined = rule.else; e !== undefined; e = e.else) visitBody(e.body);
    }
    // A name declared anywhere in the rule is a local variable there, even if a rule has that name.
    this.#options = {
      isGlobal: (name) => !declared.has(name) && context.isGlobalName(name),
      withValueIsFunction: (name) => !declared.has(name),
    };
  }

  run(): void {
    const rule = this.#rule!;
    if (rule.default) return;
    const initial = new Set<string>();
    for (const arg of rule.head.args ?? []) for (const key of termVars(arg, this.#options).keys()) initial.add(key);
    const bound = this.#bodyForHead(rule.body, initial);
    const head = rule.head;
    const headTerms: Term[] = [...head.ref.path];
    if (head.key !== undefined && !head.ref.path.includes(head.key)) headTerms.push(head.key);
    if (head.value !== undefined && !head.valueImplicit) headTerms.push(head.value);
    this.#checkTerms(headTerms, bound, `the head of rule "${head.name}"`);
    for (let e: ElseClause | undefined = rule.else; e !== undefined; e = e.else) {
      const elseBound = this.#bodyForHead(e.body, initial);
      if (!e.valueImplicit) this.#checkTerms([e.value], elseBound, `the "else" value of rule "${head.name}"`);
    }
  }

  /**
   * Checks a body whose bindings a head then uses. When the body has unsafe variables, every variable
   * it mentions counts as bound for the head (as in OPA), so one mistake is not reported twice.
   */
  #bodyForHead(body: Body, initial: ReadonlySet<string>): Set<string> {
    const before = this.#reports;
    const bound = this.body(body, initial);
    if (this.#reports !== before) for (const expr of body) for (const key of exprVars(expr, this.#options).keys()) bound.add(key);
    return bound;
  }

  /** Terms evaluated after a body (rule heads, comprehension heads): their variables must be bound. */
  #checkTerms(terms: readonly Term[], bound: ReadonlySet<string>, where: string): void {
    for (const term of terms) {
      // OPA moves calls and refs out of heads into the body, so refs there still bind by iteration.
      const out = this.#refOutputs([term], bound);
      for (const [key, v] of termVars(term, this.#options)) {
        if (!bound.has(key) && !out.has(key)) this.#unsafe(v, `Unsafe variable "${v.name}" in ${where}: it is not bound by the body`);
      }
      for (const closure of termClosures(term)) this.#closure(closure, bound);
    }
  }

  /** Places the expressions of a body in a safe order; returns the variables bound at its end. */
  body(body: Body, safeIn: ReadonlySet<string>): Set<string> {
    const safe = new Set(safeIn);
    this.#declarations(body);
    const outside = new Set<string>();
    for (const expr of body) for (const key of exprVars(expr, this.#options).keys()) outside.add(key);
    // A closure sees a name of the enclosing body only if it is not declared (`:=`, `some`) there later:
    // OPA renames declarations in order, so `y := {x | xs[x]}; x := 1` has two different `x`.
    const declaredAt = new Map<string, number>();
    body.forEach((expr, i) => {
      for (const name of declaredNames(expr)) if (!declaredAt.has(name)) declaredAt.set(name, i);
    });
    const capturable = (i: number): ((key: string) => boolean) => (key) => outside.has(key) && !((declaredAt.get(key) ?? Infinity) >= i);
    const pending = body.map((expr, i) => ({ expr, i }));
    let progress = true;
    while (progress && pending.length > 0) {
      progress = false;
      for (let j = 0; j < pending.length; j++) {
        const { expr, i } = pending[j]!;
        const out = this.#outputs(expr, safe);
        const unsafe = this.#unsafeVars(expr, safe, out, capturable(i));
        if (unsafe.length > 0) continue;
        const closureSafe = new Set([...safe, ...out]);
        for (const key of out) safe.add(key);
        pending.splice(j, 1);
        j--;
        progress = true;
        for (const closure of exprClosures(expr)) this.#closure(closure, closureSafe);
      }
    }
    for (const { expr, i } of pending) {
      const out = this.#outputs(expr, safe);
      let unsafe = this.#unsafeVars(expr, safe, out, capturable(i));
      // In `x := <expr>` the target is unbound only because the right side is: report the cause.
      if (expr.kind === 'call-expr' && expr.call.infix === ':=') {
        const targets = new Set(termVars(expr.call.args[0]!, this.#options).keys());
        const causes = unsafe.filter((v) => !targets.has(varKey(v)));
        if (causes.length > 0) unsafe = causes;
      }
      for (const v of unsafe) {
        if (v.name === '_') {
          this.#unsafe(v, 'Unsafe expression: a "_" here never gets a value', expr.negated ? 'a negated expression cannot bind variables; bind them in an earlier positive expression or a helper rule' : undefined);
        } else if (expr.negated) {
          this.#unsafe(v, `Unsafe variable "${v.name}": it is used in a negated expression but never bound`, 'bind it in a positive expression of the same body first');
        } else {
          this.#unsafe(v, `Unsafe variable "${v.name}": it is never bound`, `bind it first, for example with "some ${v.name} in ..." or "${v.name} := ..."`);
        }
      }
    }
    return safe;
  }

  #unsafe(v: VarTerm, message: string, hint?: string): void {
    const key = varKey(v);
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#reports++;
    this.#context.report(createDiagnostic('REGO2001', v.span, message, hint === undefined ? {} : { hint }));
  }

  #unsafeVars(expr: Expr, safe: ReadonlySet<string>, out: ReadonlySet<string>, captures: (key: string) => boolean): VarTerm[] {
    const need = exprVars(expr, this.#options);
    for (const closure of exprClosures(expr)) {
      for (const [key, v] of capturedVars(closure, this.#options)) if (captures(key) && !need.has(key)) need.set(key, v);
    }
    const unsafe: VarTerm[] = [];
    for (const [key, v] of need) if (!safe.has(key) && !out.has(key)) unsafe.push(v);
    return unsafe;
  }

  #closure(closure: Closure, safe: ReadonlySet<string>): void {
    switch (closure.kind) {
      case 'array-comprehension':
      case 'set-comprehension': {
        const bound = this.#bodyForHead(closure.body, safe);
        this.#checkTerms([closure.term], bound, 'the comprehension');
        break;
      }
      case 'object-comprehension': {
        const bound = this.#bodyForHead(closure.body, safe);
        this.#checkTerms([closure.key, closure.value], bound, 'the comprehension');
        break;
      }
      case 'every': {
        const inner = new Set(safe);
        if (closure.key !== undefined) inner.add(varKey(closure.key));
        inner.add(varKey(closure.value));
        this.body(closure.body, inner);
        break;
      }
    }
  }

  /** REGO2008 and REGO2009: redeclaration and bad assignment targets, per body. */
  #declarations(body: Body): void {
    const declared = new Map<string, VarTerm>();
    const declare = (v: VarTerm, how: string): void => {
      if (v.name === '_') return;
      const previous = declared.get(v.name);
      if (previous !== undefined) {
        this.#context.report(
          createDiagnostic('REGO2008', v.span, `Variable "${v.name}" ${how} again: it was already declared in this body`, {
            related: [{ message: `"${v.name}" first declared here`, span: previous.span }],
            hint: `use "=" to compare or unify with the existing "${v.name}", or pick a new name`,
          }),
        );
      } else declared.set(v.name, v);
    };
    for (const expr of body) {
      if (expr.kind === 'some-decl') for (const v of expr.vars) declare(v, 'declared');
      else if (expr.kind === 'some-in') {
        for (const term of expr.key === undefined ? [expr.value] : [expr.key, expr.value]) for (const v of termVars(term, { isGlobal: () => false }).values()) declare(v, 'declared');
      } else if (expr.kind === 'call-expr' && expr.call.infix === ':=') {
        const lhs = expr.call.args[0]!;
        const bad = badAssignTarget(lhs);
        if (bad !== undefined) {
          this.#context.report(createDiagnostic('REGO2009', bad.span, `Cannot assign to ${bad.what}: ":=" needs a variable (or an array or object of variables) on its left`, { hint: 'use "==" to compare values' }));
          continue;
        }
        for (const v of termVars(lhs, { isGlobal: () => false }).values()) {
          if (v.name === 'input' || v.name === 'data') {
            this.#context.report(createDiagnostic('REGO2012', v.span, `Variable "${v.name}" shadows the ${v.name} document: pick another name`));
          }
          declare(v, 'assigned');
        }
      }
    }
  }

  /** What an expression binds, given the variables already bound. */
  #outputs(expr: Expr, safe: ReadonlySet<string>): Set<string> {
    if (expr.negated) return new Set();
    switch (expr.kind) {
      case 'term-expr':
        return this.#refOutputs([expr.term], safe);
      case 'every':
        return this.#refOutputs([expr.domain], safe);
      case 'some-decl':
        return new Set();
      case 'some-in': {
        const out = this.#refOutputs([expr.collection], safe);
        const known = (k: string): boolean => safe.has(k) || out.has(k);
        if ([...termVars(expr.collection, this.#options).keys()].every(known)) {
          for (const term of expr.key === undefined ? [expr.value] : [expr.key, expr.value]) for (const key of termVars(term, this.#options).keys()) out.add(key);
        }
        return out;
      }
      case 'call-expr': {
        const call = expr.call;
        if (call.infix === ':=' && badAssignTarget(call.args[0]!) !== undefined) {
          // Reported as REGO2009; binding everything keeps the safety check from piling on.
          return new Set(exprVars(expr, this.#options).keys());
        }
        if ((call.name === 'eq' || call.name === 'assign') && call.infix !== undefined) return this.#unifyOutputs(call.args[0]!, call.args[1]!, safe);
        const out = this.#refOutputs(call.args, safe);
        const arity = this.#context.arityOf(call);
        if (arity === 'unknown') {
          // Reported by the function check; binding everything avoids a cascade of unsafe-variable errors.
          for (const arg of call.args) for (const key of termVars(arg, this.#options).keys()) out.add(key);
        } else if (arity !== 'variadic' && call.args.length > arity) {
          const inputs = inputOptions(this.#options.isGlobal);
          const ready = call.args.slice(0, arity).every((arg) => [...termVars(arg, inputs).keys()].every((k) => safe.has(k) || out.has(k)));
          if (ready) for (const key of termVars(call.args[arity]!, inputs).keys()) out.add(key);
        }
        return out;
      }
    }
  }

  /** Variables bound by iterating refs whose heads are bound (`xs[i]` binds `i` once `xs` is known). */
  #refOutputs(terms: readonly Term[], safe: ReadonlySet<string>): Set<string> {
    const out = new Set<string>();
    const isSafe = (term: Term): boolean => [...termVars(term, this.#options).keys()].every((k) => safe.has(k));
    const visit = (term: Term): void => {
      switch (term.kind) {
        case 'ref': {
          const head = term.head;
          const headSafe = head.kind === 'var' ? safe.has(varKey(head)) || this.#options.isGlobal(head.name) : isSafe(head);
          if (headSafe) for (const element of term.path) for (const key of termVars(element, { ...this.#options, skipRefHead: true }).keys()) out.add(key);
          visit(head);
          for (const element of term.path) visit(element);
          break;
        }
        case 'array':
        case 'set':
          for (const item of term.items) visit(item);
          break;
        case 'object':
          for (const item of term.items) {
            visit(item.key);
            visit(item.value);
          }
          break;
        case 'call':
          for (const arg of term.args) visit(arg);
          break;
        case 'template-string':
          for (const part of term.parts) {
            if (part.kind !== 'template-expr') continue;
            const e = part.expr;
            if (e.kind === 'term-expr') visit(e.term);
            else if (e.kind === 'call-expr') visit(e.call);
          }
          break;
        default:
          break;
      }
    };
    for (const term of terms) visit(term);
    return out;
  }

  /** OPA's unifier: what `a = b` binds, to a fixpoint. */
  #unifyOutputs(a: Term, b: Term, safe: ReadonlySet<string>): Set<string> {
    const out = this.#refOutputs([a, b], safe);
    const known = (k: string): boolean => safe.has(k) || out.has(k);
    const termSafe = (t: Term): boolean => [...termVars(t, this.#options).keys()].every(known);
    const isVar = (t: Term): t is VarTerm => t.kind === 'var' && !this.#options.isGlobal(t.name);
    const isPattern = (t: Term): boolean => isVar(t) || t.kind === 'array' || t.kind === 'object';
    const markPattern = (t: Term): void => {
      if (isVar(t)) out.add(varKey(t));
      else if (t.kind === 'array') t.items.forEach(markPattern);
      else if (t.kind === 'object') for (const item of t.items) markPattern(item.value);
    };
    // A bare `input` or `data` declared as a local (`data := 2`) unifies like a variable.
    const bare = (t: Term): Term => (t.kind === 'ref' && t.path.length === 0 && t.head.kind === 'var' ? t.head : t);
    const unify = (x0: Term, y0: Term): void => {
      const x = bare(x0);
      const y = bare(y0);
      if (isVar(x) && isVar(y)) {
        const kx = known(varKey(x));
        const ky = known(varKey(y));
        if (kx && !ky) out.add(varKey(y));
        else if (ky && !kx) out.add(varKey(x));
        return;
      }
      if (x.kind === 'array' && y.kind === 'array') {
        if (x.items.length === y.items.length) x.items.forEach((item, i) => unify(item, y.items[i]!));
        return;
      }
      if (x.kind === 'object' && y.kind === 'object') {
        if (x.items.length !== y.items.length) return;
        for (const item of x.items) {
          const other = y.items.find((o) => sameScalar(o.key, item.key));
          if (other !== undefined) unify(item.value, other.value);
        }
        return;
      }
      // A bound side binds the variables of a pattern (var, array, object) on the other side.
      if (termSafe(x) && isPattern(y)) markPattern(y);
      else if (termSafe(y) && isPattern(x)) markPattern(x);
    };
    for (let size = -1; size !== out.size; ) {
      size = out.size;
      unify(a, b);
    }
    return out;
  }
}

function sameScalar(a: Term, b: Term): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'string':
      return a.value === (b as typeof a).value;
    case 'number':
      return a.text === (b as typeof a).text;
    case 'boolean':
      return a.value === (b as typeof a).value;
    case 'null':
      return true;
    case 'var':
      return a.name === (b as typeof a).name;
    default:
      return false;
  }
}

/** The part of an assignment target that cannot be assigned, if any (OPA: "cannot assign to ..."). */
function badAssignTarget(term: Term): { what: string; span: Term['span'] } | undefined {
  switch (term.kind) {
    case 'var':
      return undefined;
    case 'ref':
      // `input := x` declares a local shadowing the root document, as OPA allows outside strict mode.
      if (term.head.kind === 'var' && term.path.length === 0 && (term.head.name === 'input' || term.head.name === 'data')) return undefined;
      return { what: `the reference "${refToString(term)}"`, span: term.span };
    case 'array':
      for (const item of term.items) {
        const bad = badAssignTarget(item);
        if (bad !== undefined) return bad;
      }
      return undefined;
    case 'object':
      for (const item of term.items) {
        const bad = badAssignTarget(item.value);
        if (bad !== undefined) return bad;
      }
      return undefined;
    case 'call':
      return { what: `a call of "${term.name}"`, span: term.span };
    default:
      return { what: `a ${term.kind.replace('-', ' ')}`, span: term.span };
  }
}
