import { describe, expect, it } from 'vitest';
import { call, callError } from './sdk-call.ts';

const schema = `
  type Query { hero(episode: Episode): Character }
  enum Episode { NEWHOPE EMPIRE }
  type Character { id: ID! name: String friends: [Character] }
`;

describe('GraphQL builtins', () => {
  it('parse_query returns gqlparser\'s AST shape, pruned as OPA prunes it', () => {
    expect(call('graphql.parse_query', '{hero {name}}')).toEqual({
      Operations: [{ Name: '', Operation: 'query', SelectionSet: [{ Alias: 'hero', Name: 'hero', SelectionSet: [{ Alias: 'name', Name: 'name' }] }] }],
    });
    expect(call('graphql.parse_query', 'query Q($e: Episode = EMPIRE) { hero(episode: $e) { id } }')).toEqual({
      Operations: [{
        Name: 'Q', Operation: 'query',
        VariableDefinitions: [{ Variable: 'e', Type: { NamedType: 'Episode', NonNull: false }, DefaultValue: { Raw: 'EMPIRE', Kind: 7, ExpectedTypeHasDefault: false }, Used: false }],
        SelectionSet: [{ Alias: 'hero', Name: 'hero', Arguments: [{ Name: 'episode', Value: { Raw: 'e', Kind: 0, ExpectedTypeHasDefault: false } }], SelectionSet: [{ Alias: 'id', Name: 'id' }] }],
      }],
    });
  });

  it('parse_query rejects syntax errors and type definitions with gqlparser-style messages', () => {
    expect(callError('graphql.parse_query', '{')).toMatchObject({ code: 'eval_builtin_error', message: 'graphql.parse_query: Expected Name, found <EOF> in GraphQL string at location 1:2' });
    expect(callError('graphql.parse_query', '{a{}}')).toMatchObject({ message: expect.stringContaining('expected at least one definition, found }') });
    expect(callError('graphql.parse_query', 'type A { a: Int }')).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('parse_schema returns definitions', () => {
    expect(call('graphql.parse_schema', 'type Hello { world(flag: Boolean = true): String }')).toEqual({
      Definitions: [{
        BuiltIn: false, Description: '', Kind: 'OBJECT', Name: 'Hello',
        Fields: [{
          Description: '', Name: 'world', Type: { NamedType: 'String', NonNull: false },
          Arguments: [{ Description: '', Name: 'flag', Type: { NamedType: 'Boolean', NonNull: false }, DefaultValue: { Raw: 'true', Kind: 5, ExpectedTypeHasDefault: false } }],
        }],
      }],
    });
    expect(callError('graphql.parse_schema', 'type Hello {')).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('validates queries against schemas', () => {
    expect(call('graphql.is_valid', '{ hero(episode: EMPIRE) { name friends { id } } }', schema)).toBe(true);
    expect(call('graphql.is_valid', '{ hero { nope } }', schema)).toBe(false);
    expect(call('graphql.is_valid', '{ hero(episode: SITH) { id } }', schema)).toBe(false);
    expect(callError('graphql.parse', '{ hero { nope } }', schema)).toMatchObject({ message: expect.stringContaining('in GraphQL query string at location 1:10') });
    const [query] = call('graphql.parse', '{ hero { id } }', schema) as [unknown, unknown];
    expect(query).toMatchObject({ Operations: [{ Operation: 'query' }] });
    expect(call('graphql.parse_and_verify', '{ hero { nope } }', schema)).toEqual([false, {}, {}]);
    expect((call('graphql.parse_and_verify', '{ hero { id } }', schema) as unknown[])[0]).toBe(true);
  });

  it('schema_is_valid follows gqlparser: extensions of undefined types are definitions, Query is optional', () => {
    expect(call('graphql.schema_is_valid', schema)).toBe(true);
    expect(call('graphql.schema_is_valid', 'extend type Query { a: Int }')).toBe(true);
    expect(call('graphql.schema_is_valid', 'type A { b: Missing }')).toBe(false);
    expect(call('graphql.schema_is_valid', 'type Hello {}')).toBe(false);
  });
});

describe('GraphQL empty documents', () => {
  it('reads a document without definitions as empty, like gqlparser', () => {
    expect(call('graphql.parse_query', '  # nothing\n')).toEqual({});
    expect(call('graphql.parse', '', 'type Query { a: Int @deprecated }')).toEqual([{}, expect.objectContaining({ Definitions: expect.any(Array) })]);
  });
});
