/**
 * Smaller builtin families: `semver.*`, `uuid.*`, the deprecated `cast_*`, `trace`, `opa.runtime`,
 * `http.send` (argument checks only: no network),
 * and `test.sleep` (registered by OPA's conformance harnesses only).
 */
import { createHash } from 'node:crypto';
import semver from 'semver';
import { builtinError, operandError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { JsonObject, JsonValue } from './value.ts';
import { exactInteger, isObject, toSet, typeNameOf } from './value.ts';

/** Strict Semantic Versioning 2.0.0 (no leading `v`, no leading zeros), as OPA's `semver` package accepts it. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function semverOperand(position: number, value: string): string {
  if (!SEMVER.test(value)) throw builtinError('semver.compare', `operand ${position}: string ${JSON.stringify(value)} is not a valid SemVer`);
  return value;
}

const UUID = /^(?:urn:uuid:|\{)?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?$/;

/** Go's `github.com/google/uuid` parse forms: plain, braced, `urn:uuid:`, or 32 hex digits. */
function parseUuid(text: string): JsonObject | undefined {
  const m = UUID.exec(text);
  if (m === null) return undefined;
  if (text.startsWith('{') !== text.endsWith('}')) return undefined;
  const dashed = text.replace(/^urn:uuid:|[{}]/g, '');
  if (dashed.length !== 32 && dashed.length !== 36) return undefined;
  const hex = m.slice(1, 6).join('');
  const b = Buffer.from(hex, 'hex');
  const version = b[6]! >> 4;
  const v = b[8]!;
  const variant = (v & 0xc0) === 0x80 ? 'RFC4122' : (v & 0xe0) === 0xc0 ? 'Microsoft' : (v & 0x80) === 0 ? 'Reserved' : 'Future';
  const out: JsonObject = { version, variant };
  if (version === 1 || version === 2) {
    const timeLow = BigInt(b.readUInt32BE(0));
    const timeMid = BigInt(b.readUInt16BE(4));
    const timeHi = BigInt(b.readUInt16BE(6) & 0x0fff);
    // 100 ns intervals since 1582-10-15 to nanoseconds since the Unix epoch.
    const ticks = (timeHi << 48n) | (timeMid << 32n) | timeLow;
    const ns = (ticks - 122_192_928_000_000_000n) * 100n;
    out['time'] = exactInteger(ns) as JsonValue;
    out['clocksequence'] = b.readUInt16BE(8) & 0x3fff;
    out['nodeid'] = [...b.subarray(10)].map((x) => x.toString(16).padStart(2, '0')).join('-');
    out['macvariables'] = `${(b[10]! & 0x02) !== 0 ? 'local' : 'global'}:${(b[10]! & 0x01) !== 0 ? 'multicast' : 'unicast'}`;
    if (version === 2) {
      out['domain'] = ['Person', 'Group', 'Org'][b[9]!] ?? `Domain${b[9]}`;
      out['id'] = Number(timeLow);
    }
  }
  return out;
}

/**
 * `uuid.rfc4122(key)`: OPA returns a random version-4 UUID, the same one for the same key within a
 * query. Here it is derived from a hash of the key, so it is the same across queries too.
 */
function uuidFor(key: string): string {
  const b = createHash('sha256').update(`aiws.uuid.rfc4122\u0000${key}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function sleepMs(durationNs: bigint): void {
  const ms = Number(durationNs / 1_000_000n);
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(ms, 10_000));
}

const httpSendKeys = new Set([
  'method', 'url', 'body', 'enable_redirect', 'force_json_decode', 'force_yaml_decode', 'headers', 'raw_body', 'tls_use_system_certs',
  'tls_ca_cert', 'tls_ca_cert_file', 'tls_ca_cert_env_variable', 'tls_client_cert', 'tls_client_cert_file', 'tls_client_cert_env_variable',
  'tls_client_key', 'tls_client_key_file', 'tls_client_key_env_variable', 'tls_insecure_skip_verify', 'tls_server_name', 'timeout', 'cache',
  'force_cache', 'force_cache_duration_seconds', 'raise_error', 'caching_mode', 'max_retry_attempts', 'cache_ignored_headers',
]);

/**
 * `http.send` checks its request as OPA does, then always fails: policies in aiws have no network
 * access (capability calls are the only way out of a workflow, and they are what policies judge).
 */
function httpSend(req: JsonObject): never {
  const quoted = (keys: string[]): string => `{${keys.sort().map((k) => JSON.stringify(k)).join(', ')}}`;
  const invalid = Object.keys(req).filter((k) => !httpSendKeys.has(k));
  if (invalid.length > 0) throw builtinError('http.send', `invalid request parameters(s): ${quoted(invalid)}`);
  const missing = ['method', 'url'].filter((k) => !Object.hasOwn(req, k));
  if (missing.length > 0) throw builtinError('http.send', `missing required request parameters(s): ${quoted(missing)}`);
  throw builtinError('http.send', 'network access is not available to aiws policies');
}

/** The miscellaneous builtins by name. */
export const miscBuiltins: JsBuiltinTable = {
  'semver.is_valid': defineBuiltin('semver.is_valid', (v) => typeof v === 'string' && SEMVER.test(v)),
  'semver.compare': defineBuiltin('semver.compare', (a, b) => semver.compare(semverOperand(1, a as string), semverOperand(2, b as string))),
  'uuid.parse': defineBuiltin('uuid.parse', (s) => parseUuid(s as string)),
  'uuid.rfc4122': defineBuiltin('uuid.rfc4122', (s) => uuidFor(s as string)),
  cast_array: defineBuiltin('cast_array', (x) => {
    if (Array.isArray(x)) return x;
    throw operandError('cast_array', 1, ['array', 'set'], typeNameOf(x!));
  }),
  cast_set: defineBuiltin('cast_set', (x) => {
    if (Array.isArray(x)) return toSet(x);
    throw operandError('cast_set', 1, ['array', 'set'], typeNameOf(x!));
  }),
  cast_string: defineBuiltin('cast_string', (x) => {
    if (typeof x === 'string') return x;
    throw operandError('cast_string', 1, ['string'], typeNameOf(x!));
  }),
  cast_boolean: defineBuiltin('cast_boolean', (x) => {
    if (typeof x === 'boolean') return x;
    throw operandError('cast_boolean', 1, ['boolean'], typeNameOf(x!));
  }),
  cast_null: defineBuiltin('cast_null', (x) => {
    if (x === null) return null;
    throw operandError('cast_null', 1, ['null'], typeNameOf(x!));
  }),
  cast_object: defineBuiltin('cast_object', (x) => {
    if (isObject(x!)) return x;
    throw operandError('cast_object', 1, ['object'], typeNameOf(x!));
  }),
  trace: defineBuiltin('trace', () => true),
  'http.send': defineBuiltin('http.send', (req) => httpSend(req as JsonObject)),
  'opa.runtime': defineBuiltin('opa.runtime', () => ({}) satisfies JsonObject),
  'test.sleep': defineBuiltin('test.sleep', (d) => {
    const ns = /^\d+$/.test(String(d)) ? BigInt(d as string) : undefined;
    sleepMs(ns ?? BigInt(Math.round(parseSimpleDuration(d as string))));
    return null;
  }),
};

function parseSimpleDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(text);
  if (m === null) throw builtinError('test.sleep', `time: invalid duration ${JSON.stringify(text)}`);
  const unit = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 }[m[2] as 'ns'];
  return Number(m[1]) * unit;
}

