/**
 * JSON Schema validation for the store: the manifest and test-file schemas, and the input and output
 * schemas that workflows declare. One ajv instance, `allErrors`, so every problem is reported at once.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { default as addFormats } from 'ajv-formats';

/** One schema violation at an RFC 6901 JSON pointer. */
export interface SchemaViolation {
  /** Pointer into the validated document (`''` = the document itself). */
  readonly pointer: string;
  readonly message: string;
  readonly keyword: string;
}

/** Creates the ajv instance the store uses for workflow-declared schemas (draft-07, formats). */
export function createStoreAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false, coerceTypes: false });
  // ajv-formats is CommonJS: under nodenext its function sits on `.default`.
  addFormats.default(ajv);
  return ajv;
}

/** Loads a JSON schema shipped under ./schemas. */
export function loadSchema(fileName: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./schemas/${fileName}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** Turns ajv errors into violations whose pointer names the offending key itself. */
export function toViolations(errors: readonly ErrorObject[] | null | undefined): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    let pointer = error.instancePath;
    const params = error.params as Record<string, unknown>;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      pointer += `/${escapePointer(params.missingProperty)}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      pointer += `/${escapePointer(params.additionalProperty)}`;
      message = 'is not an allowed property';
    } else if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      message = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const key = `${pointer}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer, message, keyword: error.keyword });
  }
  return out;
}

/** Runs `validate` over `value` and returns its violations (empty when valid). */
export function violationsOf(validate: ValidateFunction, value: unknown): SchemaViolation[] {
  return validate(value) ? [] : toViolations(validate.errors);
}

/** One line per violation: `/a/b must be string`. */
export function formatViolations(violations: readonly SchemaViolation[]): string {
  return violations.map((v) => `${v.pointer === '' ? '(root)' : v.pointer} ${v.message}`).join('; ');
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
