/**
 * The catalogue of every OPA v1 builtin: name, argument and result types, infix operator and flags.
 *
 * The checker reads it to reject unknown functions and wrong arity, the planner to map infix operators
 * to builtin names and to know which calls yield booleans, and the JS builtin registry to phrase OPA's
 * type errors. The table follows OPA's capabilities file (v1.x, `capabilities/*.json` in
 * open-policy-agent/opa) builtin for builtin; only the top-level kind of each argument is kept (element
 * types of collections are not), which is all OPA's run-time operand errors mention.
 */

/** The kind of a Rego value, as OPA's type names spell it. */
export type ValueKind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set';

/**
 * A declared type: `any`, one kind, or a `|`-separated union of kinds (`'array|set'`).
 * Element types of collections are deliberately not modelled.
 */
export type TypeSpec = string;

/** One builtin function of OPA v1. */
export interface BuiltinSpec {
  /** Dotted name as written in Rego (`object.get`, `io.jwt.decode`). */
  readonly name: string;
  /** Number of declared arguments. A call may pass one more: the output variable. */
  readonly arity: number;
  /** Declared type of each argument. */
  readonly args: readonly TypeSpec[];
  /** Declared result type; `null` for builtins that return nothing (`print`, `internal.print`). */
  readonly result: TypeSpec | null;
  /** Operator spelling when the builtin is also an infix operator (`'+'` for `plus`). */
  readonly infix?: string;
  /** True for relations (`walk`): they may produce many results per call. */
  readonly relation?: boolean;
  /** True when the declared result is boolean (a call used as a statement fails on `false`). */
  readonly returnsBoolean?: boolean;
  /** Deprecated in OPA v1: not available unless the capabilities allow it. */
  readonly deprecated?: boolean;
  /** The result depends on more than the arguments (time, randomness, network). */
  readonly nondeterministic?: boolean;
  /** Takes any number of arguments (`print`); `arity` is then 0. */
  readonly variadic?: boolean;
  /** Not an OPA builtin: registered only by OPA's conformance harnesses (`test.sleep`). */
  readonly testOnly?: boolean;
}

type Flag = 'deprecated' | 'nondeterministic' | 'relation' | 'variadic' | 'testOnly';
type Row = readonly [name: string, args: readonly TypeSpec[], result: TypeSpec | null, extra?: { infix?: string; flags?: readonly Flag[] }];

const S = 'string';
const N = 'number';
const B = 'boolean';
const A = 'any';
const ARR = 'array';
const OBJ = 'object';
const SET = 'set';
const COLL = 'array|set';
const TIME = 'number|array';
const dep = { flags: ['deprecated'] } as const;
const nondet = { flags: ['nondeterministic'] } as const;
const infix = (op: string): { infix: string } => ({ infix: op });

const rows: readonly Row[] = [
  ['abs', [N], N],
  ['all', [COLL], B, dep],
  ['and', [SET, SET], SET, infix('&')],
  ['any', [COLL], B, dep],
  ['array.concat', [ARR, ARR], ARR],
  ['array.flatten', [ARR], ARR],
  ['array.reverse', [ARR], ARR],
  ['array.slice', [ARR, N, N], ARR],
  ['assign', [A, A], B, infix(':=')],
  ['base64.decode', [S], S],
  ['base64.encode', [S], S],
  ['base64.is_valid', [S], B],
  ['base64url.decode', [S], S],
  ['base64url.encode', [S], S],
  ['base64url.encode_no_pad', [S], S],
  ['bits.and', [N, N], N],
  ['bits.lsh', [N, N], N],
  ['bits.negate', [N], N],
  ['bits.or', [N, N], N],
  ['bits.rsh', [N, N], N],
  ['bits.xor', [N, N], N],
  ['cast_array', [A], ARR, dep],
  ['cast_boolean', [A], B, dep],
  ['cast_null', [A], 'null', dep],
  ['cast_object', [A], OBJ, dep],
  ['cast_set', [A], SET, dep],
  ['cast_string', [A], S, dep],
  ['ceil', [N], N],
  ['concat', [S, COLL], S],
  ['contains', [S, S], B],
  ['count', ['string|array|object|set'], N],
  ['crypto.hmac.equal', [S, S], B],
  ['crypto.hmac.md5', [S, S], S],
  ['crypto.hmac.sha1', [S, S], S],
  ['crypto.hmac.sha256', [S, S], S],
  ['crypto.hmac.sha512', [S, S], S],
  ['crypto.md5', [S], S],
  ['crypto.parse_private_keys', [S], ARR],
  ['crypto.sha1', [S], S],
  ['crypto.sha256', [S], S],
  ['crypto.x509.parse_and_verify_certificates', [S], ARR],
  ['crypto.x509.parse_and_verify_certificates_with_options', [S, OBJ], ARR],
  ['crypto.x509.parse_certificate_request', [S], OBJ],
  ['crypto.x509.parse_certificates', [S], ARR],
  ['crypto.x509.parse_keypair', [S, S], OBJ],
  ['crypto.x509.parse_rsa_private_key', [S], OBJ],
  ['div', [N, N], N, infix('/')],
  ['endswith', [S, S], B],
  ['eq', [A, A], B, infix('=')],
  ['equal', [A, A], B, infix('==')],
  ['floor', [N], N],
  ['format_int', [N, N], S],
  ['glob.match', [S, 'null|array', S], B],
  ['glob.quote_meta', [S], S],
  ['graph.reachable', [OBJ, COLL], SET],
  ['graph.reachable_paths', [OBJ, COLL], SET],
  ['graphql.is_valid', ['string|object', 'string|object'], B],
  ['graphql.parse', ['string|object', 'string|object'], ARR],
  ['graphql.parse_and_verify', ['string|object', 'string|object'], ARR],
  ['graphql.parse_query', [S], OBJ],
  ['graphql.parse_schema', [S], OBJ],
  ['graphql.schema_is_valid', ['string|object'], B],
  ['gt', [A, A], B, infix('>')],
  ['gte', [A, A], B, infix('>=')],
  ['hex.decode', [S], S],
  ['hex.encode', [S], S],
  ['http.send', [OBJ], OBJ, nondet],
  ['indexof', [S, S], N],
  ['indexof_n', [S, S], ARR],
  ['internal.member_2', [A, A], B, infix('in')],
  ['internal.member_3', [A, A, A], B, infix('in')],
  ['internal.print', [ARR], null],
  ['internal.template_string', [ARR], S],
  ['internal.test_case', [ARR], null],
  ['intersection', [SET], SET],
  ['io.jwt.decode', [S], ARR],
  ['io.jwt.decode_verify', [S, OBJ], ARR, nondet],
  ['io.jwt.encode_sign', [OBJ, OBJ, OBJ], S, nondet],
  ['io.jwt.encode_sign_raw', [S, S, S], S, nondet],
  ['io.jwt.verify_eddsa', [S, S], B],
  ['io.jwt.verify_es256', [S, S], B],
  ['io.jwt.verify_es384', [S, S], B],
  ['io.jwt.verify_es512', [S, S], B],
  ['io.jwt.verify_hs256', [S, S], B],
  ['io.jwt.verify_hs384', [S, S], B],
  ['io.jwt.verify_hs512', [S, S], B],
  ['io.jwt.verify_ps256', [S, S], B],
  ['io.jwt.verify_ps384', [S, S], B],
  ['io.jwt.verify_ps512', [S, S], B],
  ['io.jwt.verify_rs256', [S, S], B],
  ['io.jwt.verify_rs384', [S, S], B],
  ['io.jwt.verify_rs512', [S, S], B],
  ['is_array', [A], B],
  ['is_boolean', [A], B],
  ['is_null', [A], B],
  ['is_number', [A], B],
  ['is_object', [A], B],
  ['is_set', [A], B],
  ['is_string', [A], B],
  ['json.filter', [OBJ, COLL], OBJ],
  ['json.is_valid', [S], B],
  ['json.marshal', [A], S],
  ['json.marshal_with_options', [A, OBJ], S],
  ['json.match_schema', ['string|object', 'string|object'], ARR],
  ['json.patch', [A, ARR], A],
  ['json.remove', [OBJ, COLL], OBJ],
  ['json.unmarshal', [S], A],
  ['json.verify_schema', ['string|object'], ARR],
  ['lower', [S], S],
  ['lt', [A, A], B, infix('<')],
  ['lte', [A, A], B, infix('<=')],
  ['max', [COLL], A],
  ['min', [COLL], A],
  ['minus', ['number|set', 'number|set'], 'number|set', infix('-')],
  ['mul', [N, N], N, infix('*')],
  ['neq', [A, A], B, infix('!=')],
  ['net.cidr_contains', [S, S], B],
  ['net.cidr_contains_matches', ['string|array|object|set', 'string|array|object|set'], SET],
  ['net.cidr_expand', [S], SET],
  ['net.cidr_intersects', [S, S], B],
  ['net.cidr_is_valid', [S], B],
  ['net.cidr_merge', [COLL], SET],
  ['net.cidr_overlap', [S, S], B, dep],
  ['net.lookup_ip_addr', [S], SET, nondet],
  ['numbers.range', [N, N], ARR],
  ['numbers.range_step', [N, N, N], ARR],
  ['object.filter', [OBJ, 'array|object|set'], OBJ],
  ['object.get', [OBJ, A, A], A],
  ['object.keys', [OBJ], SET],
  ['object.remove', [OBJ, 'array|object|set'], OBJ],
  ['object.subset', ['array|object|set', 'array|object|set'], B],
  ['object.union', [OBJ, OBJ], OBJ],
  ['object.union_n', [ARR], OBJ],
  ['opa.runtime', [], OBJ, nondet],
  ['or', [SET, SET], SET, infix('|')],
  ['plus', [N, N], N, infix('+')],
  ['print', [], null, { flags: ['variadic'] }],
  ['product', [COLL], N],
  ['providers.aws.sign_req', [OBJ, OBJ, N], OBJ],
  ['rand.intn', [S, N], N, nondet],
  ['re_match', [S, S], B, dep],
  ['regex.find_all_string_submatch_n', [S, S, N], ARR],
  ['regex.find_n', [S, S, N], ARR],
  ['regex.globs_match', [S, S], B],
  ['regex.is_valid', [S], B],
  ['regex.match', [S, S], B],
  ['regex.replace', [S, S, S], S],
  ['regex.split', [S, S], ARR],
  ['regex.template_match', [S, S, S, S], B],
  ['rego.metadata.chain', [], ARR],
  ['rego.metadata.rule', [], A],
  ['rego.parse_module', [S, S], OBJ],
  ['rem', [N, N], N, infix('%')],
  ['replace', [S, S, S], S],
  ['round', [N], N],
  ['semver.compare', [S, S], N],
  ['semver.is_valid', [A], B],
  ['set_diff', [SET, SET], SET, dep],
  ['sort', [COLL], ARR],
  ['split', [S, S], ARR],
  ['sprintf', [S, ARR], S],
  ['startswith', [S, S], B],
  ['strings.any_prefix_match', ['string|array|set', 'string|array|set'], B],
  ['strings.any_suffix_match', ['string|array|set', 'string|array|set'], B],
  ['strings.count', [S, S], N],
  ['strings.render_template', [S, OBJ], S],
  ['strings.replace_n', [OBJ, S], S],
  ['strings.reverse', [S], S],
  ['strings.split_n', [S, S, N], ARR],
  ['substring', [S, N, N], S],
  ['sum', [COLL], N],
  ['time.add_date', [N, N, N, N], N],
  ['time.clock', [TIME], ARR],
  ['time.date', [TIME], ARR],
  ['time.diff', [TIME, TIME], ARR],
  ['time.format', [TIME], S],
  ['time.now_ns', [], N, nondet],
  ['time.parse_duration_ns', [S], N],
  ['time.parse_ns', [S, S], N],
  ['time.parse_rfc3339_ns', [S], N],
  ['time.weekday', [TIME], S],
  ['to_number', ['null|boolean|number|string'], N],
  ['trace', [S], B],
  ['trim', [S, S], S],
  ['trim_left', [S, S], S],
  ['trim_prefix', [S, S], S],
  ['trim_right', [S, S], S],
  ['trim_space', [S], S],
  ['trim_suffix', [S, S], S],
  ['type_name', [A], S],
  ['union', [SET], SET],
  ['units.parse', [S], N],
  ['units.parse_bytes', [S], N],
  ['upper', [S], S],
  ['uri.is_valid', [S], B],
  ['uri.parse', [S], OBJ],
  ['urlquery.decode', [S], S],
  ['urlquery.decode_object', [S], OBJ],
  ['urlquery.encode', [S], S],
  ['urlquery.encode_object', [OBJ], S],
  ['uuid.parse', [S], OBJ],
  ['uuid.rfc4122', [S], S, nondet],
  ['walk', [A], ARR, { flags: ['relation'] }],
  ['yaml.is_valid', [S], B],
  ['yaml.marshal', [A], S],
  ['yaml.unmarshal', [S], A],
  // Registered by OPA's conformance harnesses only; aiws provides it so the shared cases run.
  ['test.sleep', [S], 'null', { flags: ['testOnly', 'nondeterministic'] }],
];

function toSpec([name, args, result, extra]: Row): BuiltinSpec {
  const flags = new Set(extra?.flags ?? []);
  return Object.freeze({
    name,
    arity: args.length,
    args: Object.freeze([...args]),
    result,
    ...(extra?.infix !== undefined ? { infix: extra.infix } : {}),
    ...(flags.has('relation') ? { relation: true } : {}),
    ...(result === B ? { returnsBoolean: true } : {}),
    ...(flags.has('deprecated') ? { deprecated: true } : {}),
    ...(flags.has('nondeterministic') ? { nondeterministic: true } : {}),
    ...(flags.has('variadic') ? { variadic: true } : {}),
    ...(flags.has('testOnly') ? { testOnly: true } : {}),
  });
}

/** Every builtin, keyed by name. */
export const builtinCatalog: ReadonlyMap<string, BuiltinSpec> = new Map(rows.map((row) => [row[0], toSpec(row)]));

/**
 * Infix operators to builtin names. `-` maps to `minus` and `in` to `internal.member_2`
 * (`internal.member_3` is the `k, v in xs` form).
 */
export const infixBuiltins: ReadonlyMap<string, string> = new Map(
  [...builtinCatalog.values()]
    .filter((spec) => spec.infix !== undefined && spec.name !== 'internal.member_3')
    .map((spec) => [spec.infix as string, spec.name]),
);

/** The builtin called `name`, or `undefined` when OPA v1 has none by that name. */
export function getBuiltin(name: string): BuiltinSpec | undefined {
  return builtinCatalog.get(name);
}

/** True when a call of `name` with `argCount` arguments is well-formed (declared arity, or one more for the output). */
export function isValidArity(spec: BuiltinSpec, argCount: number): boolean {
  if (spec.variadic === true) return true;
  return argCount === spec.arity || argCount === spec.arity + 1;
}

/** The kinds a declared type admits; `undefined` for `any`. */
export function typeKinds(type: TypeSpec): readonly ValueKind[] | undefined {
  return type === 'any' ? undefined : (type.split('|') as ValueKind[]);
}
