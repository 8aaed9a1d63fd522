/**
 * GraphQL builtins (`graphql.parse parse_and_verify parse_query parse_schema is_valid
 * schema_is_valid`) on the `graphql` package, returning the AST in the shape OPA returns: the JSON of
 * gqlparser's Go structs (`Operations`, `SelectionSet`, `Definitions`, `Kind: "OBJECT"`, ...) with
 * `Position`, nulls and empty collections pruned.
 *
 * gqlparser and graphql-js implement the same specification; where they differ aiws follows
 * gqlparser: extending a type that is not defined is allowed (the extension becomes the definition),
 * and a schema needs no `Query` type. Error messages keep gqlparser's form
 * (`Expected Name, found <EOF> in GraphQL string at location 1:2`), though their wording comes from
 * graphql-js.
 */
import {
  buildASTSchema, GraphQLError, Kind, parse, validate, validateSchema, visit,
  type ASTNode, type DefinitionNode, type DocumentNode, type GraphQLSchema, type TypeNode, type ValueNode,
} from 'graphql';
import { builtinError, operandError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { JsonObject, JsonValue } from './value.ts';
import { isObject, typeNameOf } from './value.ts';

class GraphqlFailure extends Error {}

function describe(err: unknown, where: 'string' | 'query string'): GraphqlFailure {
  if (err instanceof GraphQLError) {
    const loc = err.locations?.[0];
    const message = err.message.replace(/^Syntax Error: /, '').replace(/\.$/, '');
    return new GraphqlFailure(loc === undefined ? message : `${message} in GraphQL ${where} at location ${loc.line}:${loc.column}`);
  }
  return new GraphqlFailure(err instanceof Error ? err.message : String(err));
}

function parseDocument(text: string, want: 'query' | 'schema'): DocumentNode {
  // gqlparser reads a document without definitions as empty; graphql-js rejects it.
  if (text.replace(/#[^\n\r]*/g, '').replace(/[\s,\ufeff]+/g, '') === '') return { kind: Kind.DOCUMENT, definitions: [] };
  let doc: DocumentNode;
  try {
    doc = parse(text, { noLocation: false, experimentalFragmentArguments: true });
  } catch (err) {
    throw describe(err, 'string');
  }
  rejectEmptyBraces(text, doc);
  for (const def of doc.definitions) {
    const executable = def.kind === Kind.OPERATION_DEFINITION || def.kind === Kind.FRAGMENT_DEFINITION;
    if (executable !== (want === 'query')) {
      const loc = def.loc?.startToken;
      const found = loc === undefined ? 'definition' : `Name "${loc.value}"`;
      throw new GraphqlFailure(`Unexpected ${found} in GraphQL string at location ${loc?.line ?? 1}:${loc?.column ?? 1}`);
    }
  }
  return doc;
}

/**
 * gqlparser requires at least one entry between braces (selections, fields, enum values, input
 * fields); graphql-js accepts `{}` in some places. Reject them as gqlparser does.
 */
function rejectEmptyBraces(text: string, doc: DocumentNode): void {
  visit(doc, {
    enter(node) {
      const n = node as Node;
      const list = n.kind === Kind.SELECTION_SET ? (n['selections'] as unknown[]) : (n['fields'] ?? n['values']) as unknown[] | undefined;
      if (list === undefined || list.length > 0 || n.loc === undefined) return;
      const source = text.slice(n.loc.start, n.loc.end);
      const brace = n.kind === Kind.SELECTION_SET ? source.indexOf('{') : source.lastIndexOf('{');
      if (brace === -1) return;
      const close = n.loc.start + source.indexOf('}', brace);
      const before = text.slice(0, close);
      const line = before.split('\n').length;
      const column = close - before.lastIndexOf('\n');
      throw new GraphqlFailure(`expected at least one definition, found } in GraphQL string at location ${line}:${column}`);
    },
  });
}

const valueKinds: Record<string, number> = {
  Variable: 0, IntValue: 1, FloatValue: 2, StringValue: 3, BlockValue: 4, BooleanValue: 5, NullValue: 6, EnumValue: 7, ListValue: 8, ObjectValue: 9,
};

function typeJson(t: TypeNode): JsonObject {
  if (t.kind === Kind.NON_NULL_TYPE) return { ...typeJson(t.type), NonNull: true };
  if (t.kind === Kind.LIST_TYPE) return { NamedType: '', Elem: typeJson(t.type), NonNull: false };
  return { NamedType: t.name.value, NonNull: false };
}

function valueJson(v: ValueNode): JsonObject {
  return { ...valueBody(v), ExpectedTypeHasDefault: false };
}

function valueBody(v: ValueNode): JsonObject {
  switch (v.kind) {
    case Kind.VARIABLE: return { Raw: v.name.value, Kind: valueKinds['Variable']! };
    case Kind.INT: return { Raw: v.value, Kind: valueKinds['IntValue']! };
    case Kind.FLOAT: return { Raw: v.value, Kind: valueKinds['FloatValue']! };
    case Kind.STRING: return { Raw: v.value, Kind: valueKinds[v.block === true ? 'BlockValue' : 'StringValue']! };
    case Kind.BOOLEAN: return { Raw: String(v.value), Kind: valueKinds['BooleanValue']! };
    case Kind.NULL: return { Raw: 'null', Kind: valueKinds['NullValue']! };
    case Kind.ENUM: return { Raw: v.value, Kind: valueKinds['EnumValue']! };
    case Kind.LIST: return { Raw: '', Kind: valueKinds['ListValue']!, Children: v.values.map((c) => ({ Name: '', Value: valueJson(c) })) };
    case Kind.OBJECT:
      return { Raw: '', Kind: valueKinds['ObjectValue']!, Children: v.fields.map((f) => ({ Name: f.name.value, Value: valueJson(f.value) })) };
  }
}

type Node = ASTNode & Record<string, unknown>;

function directives(node: { readonly directives?: readonly ASTNode[] | undefined }): JsonValue[] {
  return (node.directives ?? []).map((d) => {
    const dir = d as Node & { name: { value: string }; arguments?: readonly Node[] };
    return { Name: dir.name.value, Arguments: args(dir.arguments), Location: '' };
  });
}

function args(list: readonly Node[] | undefined): JsonValue[] {
  return (list ?? []).map((a) => ({ Name: (a['name'] as { value: string }).value, Value: valueJson(a['value'] as ValueNode) }));
}

function selectionSet(node: { readonly selectionSet?: { readonly selections: readonly ASTNode[] } | undefined }): JsonValue[] {
  return (node.selectionSet?.selections ?? []).map((s): JsonValue => {
    switch (s.kind) {
      case Kind.FIELD:
        return { Alias: s.alias?.value ?? s.name.value, Name: s.name.value, Arguments: args(s.arguments as readonly Node[] | undefined), Directives: directives(s), SelectionSet: selectionSet(s) };
      case Kind.FRAGMENT_SPREAD:
        return { Name: s.name.value, Directives: directives(s) };
      case Kind.INLINE_FRAGMENT:
        return { TypeCondition: s.typeCondition?.name.value ?? '', Directives: directives(s), SelectionSet: selectionSet(s) };
      default:
        return null;
    }
  });
}

function variableDefinitions(list: readonly ASTNode[] | undefined): JsonValue[] {
  return (list ?? []).map((n) => {
    const v = n as Node & { variable: { name: { value: string } }; type: TypeNode; defaultValue?: ValueNode };
    return { Variable: v.variable.name.value, Type: typeJson(v.type), DefaultValue: v.defaultValue === undefined ? null : valueJson(v.defaultValue), Directives: directives(v as never), Used: false };
  });
}

/** gqlparser's `QueryDocument` JSON. */
function queryJson(doc: DocumentNode): JsonObject {
  const operations: JsonValue[] = [];
  const fragments: JsonValue[] = [];
  for (const def of doc.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION) {
      operations.push({
        Operation: def.operation, Name: def.name?.value ?? '', VariableDefinitions: variableDefinitions(def.variableDefinitions),
        Directives: directives(def), SelectionSet: selectionSet(def),
      });
    } else if (def.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.push({
        Name: def.name.value, VariableDefinition: variableDefinitions(def.variableDefinitions), TypeCondition: def.typeCondition.name.value,
        Directives: directives(def), SelectionSet: selectionSet(def),
      });
    }
  }
  return { Operations: operations, Fragments: fragments };
}

const definitionKinds: Partial<Record<string, string>> = {
  [Kind.SCALAR_TYPE_DEFINITION]: 'SCALAR', [Kind.SCALAR_TYPE_EXTENSION]: 'SCALAR',
  [Kind.OBJECT_TYPE_DEFINITION]: 'OBJECT', [Kind.OBJECT_TYPE_EXTENSION]: 'OBJECT',
  [Kind.INTERFACE_TYPE_DEFINITION]: 'INTERFACE', [Kind.INTERFACE_TYPE_EXTENSION]: 'INTERFACE',
  [Kind.UNION_TYPE_DEFINITION]: 'UNION', [Kind.UNION_TYPE_EXTENSION]: 'UNION',
  [Kind.ENUM_TYPE_DEFINITION]: 'ENUM', [Kind.ENUM_TYPE_EXTENSION]: 'ENUM',
  [Kind.INPUT_OBJECT_TYPE_DEFINITION]: 'INPUT_OBJECT', [Kind.INPUT_OBJECT_TYPE_EXTENSION]: 'INPUT_OBJECT',
};

function description(node: Node): string {
  const d = node['description'] as { value: string } | undefined;
  return d?.value ?? '';
}

function argumentDefinitions(list: readonly Node[] | undefined): JsonValue[] {
  return (list ?? []).map((a) => ({
    Description: description(a), Name: (a['name'] as { value: string }).value,
    DefaultValue: a['defaultValue'] === undefined ? null : valueJson(a['defaultValue'] as ValueNode),
    Type: typeJson(a['type'] as TypeNode), Directives: directives(a as never),
  }));
}

function definitionJson(def: Node): JsonObject {
  const kind = definitionKinds[def.kind]!;
  const fields = (def['fields'] as readonly Node[] | undefined) ?? [];
  return {
    Kind: kind,
    Description: description(def),
    Name: (def['name'] as { value: string }).value,
    Directives: directives(def as never),
    Interfaces: ((def['interfaces'] as readonly Node[] | undefined) ?? []).map((i) => (i['name'] as { value: string }).value),
    Fields: fields.map((f) => ({
      Description: description(f), Name: (f['name'] as { value: string }).value,
      Arguments: argumentDefinitions(f['arguments'] as readonly Node[] | undefined),
      DefaultValue: f['defaultValue'] === undefined ? null : valueJson(f['defaultValue'] as ValueNode),
      Type: typeJson(f['type'] as TypeNode), Directives: directives(f as never),
    })),
    Types: ((def['types'] as readonly Node[] | undefined) ?? []).map((t) => (t['name'] as { value: string }).value),
    EnumValues: ((def['values'] as readonly Node[] | undefined) ?? []).map((v) => ({
      Description: description(v), Name: (v['name'] as { value: string }).value, Directives: directives(v as never),
    })),
    BuiltIn: false,
  };
}

/** gqlparser's `SchemaDocument` JSON. */
function schemaJson(doc: DocumentNode): JsonObject {
  const out: Record<string, JsonValue[]> = { Schema: [], SchemaExtension: [], Directives: [], Definitions: [], Extensions: [] };
  for (const d of doc.definitions as readonly Node[]) {
    if (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION) {
      out[d.kind === Kind.SCHEMA_DEFINITION ? 'Schema' : 'SchemaExtension']!.push({
        Description: description(d), Directives: directives(d as never),
        OperationTypes: ((d['operationTypes'] as readonly Node[] | undefined) ?? []).map((o) => ({
          Operation: o['operation'] as string, Type: ((o['type'] as Node)['name'] as { value: string }).value,
        })),
      });
    } else if (d.kind === Kind.DIRECTIVE_DEFINITION) {
      out['Directives']!.push({
        Description: description(d), Name: (d['name'] as { value: string }).value,
        Arguments: argumentDefinitions(d['arguments'] as readonly Node[] | undefined),
        Locations: ((d['locations'] as readonly Node[]) ?? []).map((l) => (l as unknown as { value: string }).value),
        IsRepeatable: d['repeatable'] === true,
      });
    } else if (definitionKinds[d.kind] !== undefined) {
      out[d.kind.endsWith('Extension') ? 'Extensions' : 'Definitions']!.push(definitionJson(d));
    }
  }
  return out;
}

/** OPA's pruning: drop `Position`, nulls, and collections that are empty after pruning. */
export function prune(value: JsonValue): JsonValue {
  if (Array.isArray(value)) {
    return value.map(prune).filter((v) => v !== null && !(Array.isArray(v) && v.length === 0) && !(isObject(v) && Object.keys(v).length === 0));
  }
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Position' || v === null) continue;
      const p = prune(v);
      if ((Array.isArray(p) && p.length === 0) || (isObject(p) && Object.keys(p).length === 0)) continue;
      out[k] = p;
    }
    return out;
  }
  return value;
}

const extensionToDefinition: Partial<Record<string, Kind>> = {
  [Kind.OBJECT_TYPE_EXTENSION]: Kind.OBJECT_TYPE_DEFINITION, [Kind.INTERFACE_TYPE_EXTENSION]: Kind.INTERFACE_TYPE_DEFINITION,
  [Kind.UNION_TYPE_EXTENSION]: Kind.UNION_TYPE_DEFINITION, [Kind.ENUM_TYPE_EXTENSION]: Kind.ENUM_TYPE_DEFINITION,
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: Kind.INPUT_OBJECT_TYPE_DEFINITION, [Kind.SCALAR_TYPE_EXTENSION]: Kind.SCALAR_TYPE_DEFINITION,
};

/** Build and validate a schema as gqlparser's `ValidateSchemaDocument` would accept it. */
function buildSchema(doc: DocumentNode): GraphQLSchema {
  const defined = new Set(doc.definitions.flatMap((d) => (definitionKinds[d.kind] !== undefined && !d.kind.endsWith('Extension') ? [(d as Node & { name: { value: string } }).name.value] : [])));
  const definitions: DefinitionNode[] = [];
  for (const d of doc.definitions) {
    const asDefinition = extensionToDefinition[d.kind];
    const name = (d as Node & { name?: { value: string } }).name?.value;
    if (asDefinition !== undefined && name !== undefined && !defined.has(name)) {
      defined.add(name);
      definitions.push({ ...d, kind: asDefinition } as unknown as DefinitionNode);
    } else definitions.push(d);
  }
  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema({ ...doc, definitions }, { assumeValidSDL: false });
  } catch (err) {
    throw describe(err, 'string');
  }
  const errors = validateSchema(schema).filter((e) => !/^Query root type must be provided/.test(e.message));
  if (errors.length > 0) throw describe(errors[0], 'string');
  // Rebuilt as known-valid: graphql-js would otherwise refuse to validate queries without a Query type.
  return buildASTSchema({ ...doc, definitions }, { assumeValid: true, assumeValidSDL: true });
}

function documentOperand(name: string, position: number, value: JsonValue, want: 'query' | 'schema'): DocumentNode {
  if (typeof value === 'string') return parseDocument(value, want);
  if (isObject(value)) throw new GraphqlFailure(`${name}: AST objects as operand ${position} are not supported by aiws`);
  throw operandError(name, position, ['string', 'object'], typeNameOf(value));
}

function validated(name: string, query: JsonValue, schema: JsonValue): { queryDoc: DocumentNode; schemaDoc: DocumentNode } {
  const queryDoc = documentOperand(name, 1, query, 'query');
  const schemaDoc = documentOperand(name, 2, schema, 'schema');
  const built = buildSchema(schemaDoc);
  const errors = validate(built, queryDoc);
  if (errors.length > 0) throw describe(errors[0], 'query string');
  return { queryDoc, schemaDoc };
}

function failing<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof GraphqlFailure) throw builtinError(name, err.message, err);
    throw err;
  }
}

function succeeds(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

/** The GraphQL builtins by name. */
export const graphqlBuiltins: JsBuiltinTable = {
  'graphql.parse_query': defineBuiltin('graphql.parse_query', (q) => failing('graphql.parse_query', () => prune(queryJson(parseDocument(q as string, 'query'))))),
  'graphql.parse_schema': defineBuiltin('graphql.parse_schema', (s) => failing('graphql.parse_schema', () => prune(schemaJson(parseDocument(s as string, 'schema'))))),
  'graphql.parse': defineBuiltin('graphql.parse', (q, s) =>
    failing('graphql.parse', () => {
      const { queryDoc, schemaDoc } = validated('graphql.parse', q!, s!);
      return [prune(queryJson(queryDoc)), prune(schemaJson(schemaDoc))];
    }), { unchecked: [1, 2] },
  ),
  'graphql.parse_and_verify': defineBuiltin('graphql.parse_and_verify', (q, s) => {
    try {
      const { queryDoc, schemaDoc } = validated('graphql.parse_and_verify', q!, s!);
      return [true, prune(queryJson(queryDoc)), prune(schemaJson(schemaDoc))];
    } catch {
      return [false, {}, {}];
    }
  }, { unchecked: [1, 2] }),
  'graphql.is_valid': defineBuiltin('graphql.is_valid', (q, s) => succeeds(() => validated('graphql.is_valid', q!, s!)), { unchecked: [1, 2] }),
  'graphql.schema_is_valid': defineBuiltin('graphql.schema_is_valid', (s) =>
    succeeds(() => buildSchema(documentOperand('graphql.schema_is_valid', 1, s!, 'schema'))), { unchecked: [1] },
  ),
};
