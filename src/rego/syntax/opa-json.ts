/**
 * Converts the AST to OPA's JSON AST format (`{"type": "ref", "value": [...]}` terms, `{"index": 0,
 * "terms": ...}` expressions, rules with `head`/`body`), as OPA's `rego.parse_module` builtin and
 * `opa parse --format json` return it. Locations are left out, as in OPA's default marshalling.
 * Wildcards become OPA's generated names (`$0`, `$1`, ...), numbered per module in source order.
 */
import type { Body, CallTerm, ElseClause, Expr, Module, Rule, RuleHead, Term, WithModifier } from './ast.ts';

/** A JSON value. */
export type OpaJson = null | boolean | number | string | OpaJson[] | { [key: string]: OpaJson };

/** OPA's JSON form of a parsed module. */
export function moduleToOpaJson(module: Module): OpaJson {
  const c = new Converter();
  const out: { [key: string]: OpaJson } = {
    package: { path: [{ type: 'var', value: 'data' }, ...module.package.path.map((value) => ({ type: 'string', value }))] },
  };
  if (module.imports.length > 0) {
    out.imports = module.imports.map((imp) => ({ path: c.term(imp.path), ...(imp.alias === undefined ? {} : { alias: imp.alias }) }));
  }
  if (module.rules.length > 0) out.rules = module.rules.map((rule) => c.rule(rule));
  return out;
}

/** OPA's JSON form of a single term (wildcards numbered from `$0`). */
export function termToOpaJson(term: Term): OpaJson {
  return new Converter().term(term);
}

const trueTerm: OpaJson = { type: 'boolean', value: true };

class Converter {
  #wildcards = 0;

  rule(rule: Rule): OpaJson {
    const out: { [key: string]: OpaJson } = {};
    if (rule.default) out.default = true;
    out.head = this.#head(rule.head);
    out.body = this.#body(rule.body);
    if (rule.else !== undefined) out.else = this.#else(rule.else, rule.head);
    return out;
  }

  #head(head: RuleHead, value?: Term, assign?: string): OpaJson {
    const out: { [key: string]: OpaJson } = { name: head.name, ref: [this.term(head.ref.head), ...head.ref.path.map((t) => this.term(t))] };
    if (head.args !== undefined) out.args = head.args.map((t) => this.term(t));
    if (head.key !== undefined) out.key = this.term(head.key);
    const v = value ?? head.value;
    if (v !== undefined) out.value = this.term(v);
    if ((assign ?? head.assign) === ':=') out.assign = true;
    return out;
  }

  #else(clause: ElseClause, head: RuleHead): OpaJson {
    const out: { [key: string]: OpaJson } = { head: this.#head(head, clause.value, clause.assign), body: this.#body(clause.body) };
    if (clause.else !== undefined) out.else = this.#else(clause.else, head);
    return out;
  }

  #body(body: Body): OpaJson {
    if (body.length === 0) return [{ index: 0, terms: trueTerm }];
    return body.map((expr, index) => this.#expr(expr, index));
  }

  #expr(expr: Expr, index: number): OpaJson {
    const out: { [key: string]: OpaJson } = { index };
    switch (expr.kind) {
      case 'term-expr':
        out.terms = this.term(expr.term);
        break;
      case 'call-expr':
        out.terms = [this.#operator(expr.call), ...expr.call.args.map((t) => this.term(t))];
        break;
      case 'some-decl':
        out.terms = { symbols: expr.vars.map((v) => this.term(v)) };
        break;
      case 'some-in': {
        const name = expr.key === undefined ? 'member_2' : 'member_3';
        const args = [...(expr.key === undefined ? [] : [expr.key]), expr.value, expr.collection].map((t) => this.term(t));
        out.terms = { symbols: [{ type: 'call', value: [{ type: 'ref', value: [{ type: 'var', value: 'internal' }, { type: 'string', value: name }] }, ...args] }] };
        break;
      }
      case 'every':
        out.terms = {
          ...(expr.key === undefined ? {} : { key: this.term(expr.key) }),
          value: this.term(expr.value),
          domain: this.term(expr.domain),
          body: this.#body(expr.body),
        };
        break;
    }
    if (expr.negated) out.negated = true;
    if (expr.with.length > 0) out.with = expr.with.map((w) => this.#with(w));
    return out;
  }

  /** OPA spells every operator as a ref, one-segment names included. */
  #operator(call: CallTerm): OpaJson {
    return call.operator.kind === 'var' ? { type: 'ref', value: [this.term(call.operator)] } : this.term(call.operator);
  }

  #with(w: WithModifier): OpaJson {
    return { target: this.term(w.target), value: this.term(w.value) };
  }

  term(term: Term): OpaJson {
    switch (term.kind) {
      case 'null':
        return { type: 'null', value: null };
      case 'boolean':
        return { type: 'boolean', value: term.value };
      case 'number':
        // JSON numbers beyond float64 precision lose digits here, as they would through JSON.parse.
        return { type: 'number', value: Number(term.text) };
      case 'string':
        return { type: 'string', value: term.value };
      case 'var':
        return { type: 'var', value: term.name === '_' ? `$${this.#wildcards++}` : term.name };
      case 'ref':
        return { type: 'ref', value: [this.term(term.head), ...term.path.map((t) => this.term(t))] };
      case 'array':
        return { type: 'array', value: term.items.map((t) => this.term(t)) };
      case 'set':
        return { type: 'set', value: term.items.map((t) => this.term(t)) };
      case 'object':
        return { type: 'object', value: term.items.map((item) => [this.term(item.key), this.term(item.value)]) };
      case 'array-comprehension':
        return { type: 'arraycomprehension', value: { term: this.term(term.term), body: this.#body(term.body) } };
      case 'set-comprehension':
        return { type: 'setcomprehension', value: { term: this.term(term.term), body: this.#body(term.body) } };
      case 'object-comprehension':
        return { type: 'objectcomprehension', value: { key: this.term(term.key), value: this.term(term.value), body: this.#body(term.body) } };
      case 'call':
        return { type: 'call', value: [this.#operator(term), ...term.args.map((t) => this.term(t))] };
      case 'template-string':
        return {
          type: 'templatestring',
          value: term.parts.map((part) => (part.kind === 'template-text' ? { type: 'string', value: part.value } : this.#expr(part.expr, 0))),
        };
    }
  }
}
