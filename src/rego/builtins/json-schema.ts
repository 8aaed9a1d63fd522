/**
 * `json.verify_schema` and `json.match_schema` on ajv (JSON Schema draft-07, with draft-04/06
 * keywords accepted), reporting errors in the shape and wording OPA's gojsonschema gives them:
 * `{ error: "id: Invalid type. Expected: integer, given: string", desc, field: "id", type: "invalid_type" }`.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { builtinError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { JsonObject, JsonValue } from './value.ts';
import { isObject } from './value.ts';

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const primitiveTypes = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

class SchemaFailure extends Error {}

function parseArg(value: JsonValue, what: string): JsonValue {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as JsonValue;
  } catch (err) {
    throw new SchemaFailure(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/** gojsonschema's complaint about an unknown `type`, found before ajv's more generic one. */
function checkTypes(schema: JsonValue): void {
  if (Array.isArray(schema)) schema.forEach(checkTypes);
  if (!isObject(schema)) return;
  const types = schema['type'];
  for (const t of Array.isArray(types) ? types : types === undefined ? [] : [types]) {
    if (typeof t === 'string' && !primitiveTypes.includes(t)) {
      throw new SchemaFailure(`has a primitive type that is NOT VALID -- given: /${t}/ Expected valid values are:[${primitiveTypes.join(' ')}]`);
    }
  }
  Object.values(schema).forEach(checkTypes);
}

const compiled = new Map<string, ValidateFunction>();

function compile(schemaArg: JsonValue): ValidateFunction {
  const schema = parseArg(schemaArg, 'schema');
  const key = JSON.stringify(schema);
  let fn = compiled.get(key);
  if (fn === undefined) {
    checkTypes(schema);
    if (!isObject(schema) && typeof schema !== 'boolean') throw new SchemaFailure('schema must be an object or a boolean');
    try {
      fn = ajv.compile(schema as object);
    } catch (err) {
      throw new SchemaFailure((err as Error).message);
    }
    if (compiled.size > 100) compiled.clear();
    compiled.set(key, fn);
  }
  return fn;
}

function gojsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function describe(e: ErrorObject, doc: JsonValue): JsonObject {
  const segments = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let field = segments.length === 0 ? '(root)' : segments.join('.');
  const p = e.params as Record<string, unknown>;
  let desc: string;
  let type: string;
  switch (e.keyword) {
    case 'type': {
      let value: unknown = doc;
      for (const s of segments) value = (value as Record<string, unknown>)?.[s];
      desc = `Invalid type. Expected: ${String(p['type']).replace(/,/g, ', ')}, given: ${gojsonType(value)}`;
      type = 'invalid_type';
      break;
    }
    case 'required':
      desc = `${String(p['missingProperty'])} is required`;
      type = 'required';
      break;
    case 'additionalProperties':
      desc = `Additional property ${String(p['additionalProperty'])} is not allowed`;
      type = 'additional_property_not_allowed';
      break;
    case 'enum':
      desc = `${field} must be one of the following: ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      type = 'enum';
      break;
    case 'minimum':
    case 'maximum':
      desc = `Must be ${e.keyword === 'minimum' ? 'greater' : 'less'} than or equal to ${String(p['limit'])}`;
      type = e.keyword === 'minimum' ? 'number_gte' : 'number_lte';
      break;
    case 'minLength':
    case 'maxLength':
      desc = `String length must be ${e.keyword === 'minLength' ? 'greater' : 'less'} than or equal to ${String(p['limit'])}`;
      type = e.keyword === 'minLength' ? 'string_gte' : 'string_lte';
      break;
    case 'minItems':
    case 'maxItems':
      desc = `Array must have at ${e.keyword === 'minItems' ? 'least' : 'most'} ${String(p['limit'])} items`;
      type = e.keyword === 'minItems' ? 'array_min_items' : 'array_max_items';
      break;
    case 'pattern':
      desc = `Does not match pattern '${String(p['pattern'])}'`;
      type = 'pattern';
      break;
    default:
      desc = e.message ?? 'is invalid';
      type = e.keyword;
  }
  if (field === '') field = '(root)';
  return { error: `${field}: ${desc}`, desc, field, type };
}

/** The JSON Schema builtins by name. */
export const jsonSchemaBuiltins: JsBuiltinTable = {
  'json.verify_schema': defineBuiltin('json.verify_schema', (schema) => {
    try {
      compile(schema!);
      return [true, null];
    } catch (err) {
      if (err instanceof SchemaFailure) return [false, `jsonschema: ${err.message}`];
      throw err;
    }
  }, { unchecked: [1] }),
  'json.match_schema': defineBuiltin('json.match_schema', (document, schema) => {
    let validate: ValidateFunction;
    let doc: JsonValue;
    try {
      doc = parseArg(document!, 'document');
      validate = compile(schema!);
    } catch (err) {
      if (err instanceof SchemaFailure) throw builtinError('json.match_schema', `jsonschema: ${err.message}`, err);
      throw err;
    }
    if (validate(doc)) return [true, []];
    return [false, (validate.errors ?? []).map((e) => describe(e, doc))];
  }, { unchecked: [1, 2] }),
};
