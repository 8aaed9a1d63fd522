/**
 * Canonical JSON (RFC 8785, JSON Canonicalization Scheme): the byte-exact text the journal hashes.
 *
 * Hand-written rather than taken from npm because the journal needs one documented deviation from
 * the RFC (lone surrogates are escaped, not rejected: a guest string may hold one and the event must
 * still be recorded) and exactly JSON.stringify's treatment of `undefined` and `toJSON`, so that what
 * is hashed is what `JSON.parse` gives back from the stored record. Primitives are serialised by
 * `JSON.stringify`, which is the RFC's own definition: numbers by ECMAScript Number-to-String,
 * strings with the minimal JSON escapes. Object keys are sorted by UTF-16 code units, which is what
 * the default `Array.prototype.sort` compares.
 */

/**
 * Serialises `value` as RFC 8785 canonical JSON.
 *
 * Like JSON.stringify: `toJSON()` is honoured, object members that are `undefined`, functions or
 * symbols are left out, and such array elements become `null`. Unlike it: non-finite numbers and
 * BigInts throw, because they have no JSON form to store.
 * @throws TypeError for NaN, ±Infinity, a BigInt, a function or symbol at the top level, or a cycle
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, new Set());
  return out.join('');
}

function write(value: unknown, out: string[], stack: Set<object>): void {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (key: string) => unknown }).toJSON('');
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot canonicalise ${String(value)}: JSON has no form for it`);
      out.push(JSON.stringify(value));
      return;
    case 'object':
      break;
    default:
      throw new TypeError(`Cannot canonicalise a value of type "${typeof value}"`);
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (stack.has(value)) throw new TypeError('Cannot canonicalise a cyclic structure');
  stack.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      const item: unknown = value[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') out.push('null');
      else write(item, out, stack);
    }
    out.push(']');
  } else {
    const record = value as Record<string, unknown>;
    out.push('{');
    let first = true;
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      write(member, out, stack);
    }
    out.push('}');
  }
  stack.delete(value);
}
