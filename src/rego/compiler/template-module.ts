/**
 * The renderer behind string interpolation (`$"…{x}…"`), written in Rego and planned with the
 * policy when a template string is used.
 *
 * OPA renders each interpolated value as its Rego text: strings as they are, other values as terms
 * (`[1, "a"]`, `{"k": 2}`, `set()`, `{1}`), an undefined expression as `<undefined>`. Planning it
 * from Rego keeps sets sets: the type checks run inside the module, where a JSON-serialising
 * builtin call would see a set as an array. The package is `$template`, a name Rego source cannot
 * spell, so it never clashes with a policy's packages and document extents skip it.
 */
import type * as ast from '../syntax/index.ts';
import { parseModule } from '../syntax/index.ts';

/** The package path of the renderer under `data`. */
export const TEMPLATE_PACKAGE = '$template';

const SOURCE = `package template

part(s) := "<undefined>" if count(s) == 0

part(s) := v if {
	count(s) == 1
	some v in s
	is_string(v)
}

part(s) := text if {
	count(s) == 1
	some v in s
	not is_string(v)
	text := term(v)
}

term(x) := json.marshal(x) if {
	not is_array(x)
	not is_object(x)
	not is_set(x)
}

term(x) := concat("", ["[", concat(", ", [term(e) | some e in x]), "]"]) if is_array(x)

term(x) := "set()" if {
	is_set(x)
	count(x) == 0
}

term(x) := concat("", ["{", concat(", ", [term(e) | some e in x]), "}"]) if {
	is_set(x)
	count(x) > 0
}

term(x) := concat("", ["{", concat(", ", [concat(": ", [term(k), term(v)]) | some k, v in x]), "}"]) if is_object(x)
`;

let cached: ast.Module | undefined;

/** The renderer module (parsed once). @throws Error if the embedded source does not parse (a bug) */
export function templateModule(): ast.Module {
  if (cached) return cached;
  const parsed = parseModule(SOURCE, '<template>');
  if (!parsed.module) throw new Error(`Cannot parse the template renderer: ${parsed.diagnostics.map((d) => d.message).join('; ')}`);
  cached = { ...parsed.module, package: { ...parsed.module.package, path: [TEMPLATE_PACKAGE] } };
  return cached;
}
