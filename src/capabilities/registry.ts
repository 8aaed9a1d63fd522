/**
 * The capability registry: looks capabilities up by name and validates call arguments against their
 * JSON Schemas with ajv, before the policy sees them.
 *
 * Schemas are compiled once, when the registry is created, so a broken schema fails daemon startup
 * rather than a run.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { DaemonError } from '../errors/index.ts';
import type { Capability, JsonSchema } from './capability.ts';

/** One schema violation, located by the JSON pointer of the offending argument. */
export interface ArgsViolation {
  /** RFC 6901 pointer into the args (`''` is the args object itself). */
  readonly pointer: string;
  readonly message: string;
  /** The JSON Schema keyword that failed (`type`, `required`, ...). */
  readonly keyword: string;
}

/** What the registry tells a client or a policy author about a capability. */
export interface CapabilityDescriptor {
  readonly name: string;
  readonly description: string;
  readonly argsSchema: JsonSchema;
  readonly sideEffects: boolean;
}

export interface CapabilityRegistry {
  /** True when a capability of that name is registered. */
  has(name: string): boolean;
  /**
   * The capability of that name.
   * @throws CAPABILITY_UNKNOWN when none is registered
   */
  get(name: string): Capability;
  /** Registered names, sorted. */
  names(): readonly string[];
  /** Descriptors of every capability, sorted by name. */
  describe(): readonly CapabilityDescriptor[];
  /**
   * Checks `args` against the capability's schema and returns them unchanged (never mutated, no
   * defaults filled in: events must show what the guest passed). Omitted args (`undefined`, as from
   * `ctx.call('clock.now')`) are validated and returned as `{}`.
   * @throws CAPABILITY_UNKNOWN when no capability has that name
   * @throws CAPABILITY_INVALID_ARGS with `details.errors: ArgsViolation[]`
   */
  validateArgs(name: string, args: unknown): unknown;
}

interface Entry {
  readonly capability: Capability;
  readonly validate: ValidateFunction;
}

/**
 * Creates a registry over `capabilities`.
 * @throws INTERNAL when two capabilities share a name or a schema does not compile
 */
export function createCapabilityRegistry(capabilities: readonly Capability[]): CapabilityRegistry {
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: false, coerceTypes: false });
  const entries = new Map<string, Entry>();
  for (const capability of capabilities) {
    if (entries.has(capability.name)) {
      throw new DaemonError('INTERNAL', `Cannot register capability "${capability.name}": the name is taken`);
    }
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(capability.argsSchema);
    } catch (cause) {
      throw new DaemonError('INTERNAL', `Cannot register capability "${capability.name}": its args schema does not compile`, { cause });
    }
    entries.set(capability.name, { capability, validate });
  }
  const sortedNames = [...entries.keys()].sort();

  const entry = (name: string): Entry => {
    const found = entries.get(name);
    if (found === undefined) {
      throw new DaemonError('CAPABILITY_UNKNOWN', `Cannot call capability "${name}": no such capability`, { details: { name } });
    }
    return found;
  };

  return {
    has: (name) => entries.has(name),
    get: (name) => entry(name).capability,
    names: () => sortedNames,
    describe: () =>
      sortedNames.map((name) => {
        const { capability } = entry(name);
        return { name, description: capability.description, argsSchema: capability.argsSchema, sideEffects: capability.sideEffects };
      }),
    validateArgs(name, args) {
      const { validate } = entry(name);
      const value = args === undefined ? {} : args;
      if (validate(value)) return value;
      const errors = (validate.errors ?? []).map(toViolation);
      const first = errors[0];
      const summary = first === undefined ? 'invalid' : `${first.pointer === '' ? '(args)' : first.pointer} ${first.message}`;
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
      throw new DaemonError('CAPABILITY_INVALID_ARGS', `Invalid arguments for capability "${name}": ${summary}${more}`, {
        details: { name, errors },
      });
    },
  };
}

/** Points at the property a `required`/`additionalProperties` error is about, not at its parent. */
function toViolation(error: ErrorObject): ArgsViolation {
  let pointer = error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    pointer += `/${escapePointer(params.missingProperty)}`;
  } else if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    pointer += `/${escapePointer(params.additionalProperty)}`;
  }
  const message =
    error.keyword === 'additionalProperties' ? 'is not an allowed property' : error.keyword === 'required' ? 'is required' : (error.message ?? 'is invalid');
  return { pointer, message, keyword: error.keyword };
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
