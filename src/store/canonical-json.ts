/**
 * Canonical JSON (RFC 8785 style: sorted keys, no whitespace) for the bytes an attestation signs.
 *
 * Small on purpose: attestation fields are plain strings, numbers and objects built by aiws itself,
 * so the JSON.stringify rules for primitives are the whole RFC for them.
 */

/**
 * Serialises `value` with object keys sorted by UTF-16 code units and no whitespace.
 * @throws TypeError for non-finite numbers, BigInts, functions and symbols
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Cannot canonicalise ${String(value)}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`Cannot canonicalise a value of type "${typeof value}"`);
}
