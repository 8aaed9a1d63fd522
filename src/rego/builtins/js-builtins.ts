/**
 * The registry of every builtin aiws implements in JavaScript, keyed by OPA name, ready to pass as
 * `customBuiltins` to `@open-policy-agent/opa-wasm`'s `loadPolicy` (after the WASM layer's wrapper
 * turns a thrown `BuiltinError` into an undefined result or a query error).
 */
import { aggregateBuiltins } from './aggregates.ts';
import { awsBuiltins } from './providers-aws.ts';
import { cryptoBuiltins } from './crypto.ts';
import { encodingBuiltins } from './encoding.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { graphqlBuiltins } from './graphql.ts';
import { jsonPathBuiltins } from './json-paths.ts';
import { jsonSchemaBuiltins } from './json-schema.ts';
import { jwtBuiltins } from './jwt.ts';
import { miscBuiltins } from './misc.ts';
import { netBuiltins } from './net.ts';
import { numberBuiltins } from './numbers.ts';
import { objectBuiltins } from './objects.ts';
import { regexBuiltins } from './regex.ts';
import { stringBuiltins } from './strings.ts';
import { templateBuiltins } from './template-string.ts';
import { timeBuiltins } from './time.ts';
import { typeBuiltins } from './types.ts';
import { unitBuiltins } from './units.ts';

/** Every JavaScript builtin by OPA name. Frozen. */
export const jsBuiltins: Readonly<JsBuiltinTable> = Object.freeze({
  ...aggregateBuiltins,
  ...awsBuiltins,
  ...cryptoBuiltins,
  ...encodingBuiltins,
  ...graphqlBuiltins,
  ...jsonPathBuiltins,
  ...jsonSchemaBuiltins,
  ...jwtBuiltins,
  ...miscBuiltins,
  ...netBuiltins,
  ...numberBuiltins,
  ...objectBuiltins,
  ...regexBuiltins,
  ...stringBuiltins,
  ...templateBuiltins,
  ...timeBuiltins,
  ...typeBuiltins,
  ...unitBuiltins,
});
