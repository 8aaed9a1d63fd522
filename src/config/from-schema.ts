/**
 * FromSchema: derives a TypeScript type from a JSON Schema literal written `as const`.
 *
 * It understands exactly the subset the config schema uses (object/properties/required, object with
 * an `additionalProperties` schema (a record), string, integer, number, boolean, array/items, enum,
 * oneOf), so the schema stays the single source of the type.
 * A property is required in the derived type when it is listed in `required` or has a `default`
 * (ajv's `useDefaults` fills it in before anyone reads the value).
 */

/** The derived, deeply readonly TypeScript type of `S`. */
export type FromSchema<S> = S extends { readonly oneOf: readonly (infer O)[] }
  ? FromSchema<O>
  : S extends { readonly enum: readonly (infer E)[] }
  ? E
  : S extends { readonly type: 'string' }
    ? string
    : S extends { readonly type: 'integer' | 'number' }
      ? number
      : S extends { readonly type: 'boolean' }
        ? boolean
        : S extends { readonly type: 'array'; readonly items: infer I }
          ? readonly FromSchema<I>[]
          : S extends { readonly type: 'object'; readonly properties: infer P }
            ? ObjectFromSchema<P, S extends { readonly required: readonly (infer R)[] } ? R : never>
            : S extends { readonly type: 'object'; readonly additionalProperties: infer A extends object }
              ? { readonly [key: string]: FromSchema<A> }
              : unknown;

type IsPresent<P, K extends keyof P, R> = K extends R ? true : P[K] extends { readonly default: unknown } ? true : false;

type ObjectFromSchema<P, R> = Flatten<
  { readonly [K in keyof P as IsPresent<P, K, R> extends true ? K : never]: FromSchema<P[K]> } & {
    readonly [K in keyof P as IsPresent<P, K, R> extends true ? never : K]?: FromSchema<P[K]>;
  }
>;

type Flatten<T> = { [K in keyof T]: T[K] };
