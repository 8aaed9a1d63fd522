/**
 * Result comparison for conformance cases, as OPA's Go-WASM end-to-end harness does it: the result
 * set is compared as a set of binding objects; with `sort_bindings`, array binding values are
 * sorted first (sets reach JSON as arrays). Numbers compare by value; the SDK hands results over as
 * JSON.parse output, so integers beyond 2^53 compare at double precision.
 */

/** Serialises a YAML-loaded value (bigints included) to JSON text, exactly. */
export function toJsonText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  return `{${Object.entries(value).map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`).join(',')}}`;
}

const rank = (v: unknown): number => {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number' || typeof v === 'bigint') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 4;
  return 5;
};

/** OPA's order of values (null < boolean < number < string < array < object). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0: return 0;
    case 1: return Number(a) - Number(b);
    case 2: return Math.sign(Number(a) - Number(b));
    case 3: return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 4: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default: {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const kx = Object.keys(x).sort();
      const ky = Object.keys(y).sort();
      for (let i = 0; i < Math.min(kx.length, ky.length); i++) {
        const c = compareValues(kx[i], ky[i]) || compareValues(x[kx[i]!], y[ky[i]!]);
        if (c !== 0) return c;
      }
      return kx.length - ky.length;
    }
  }
}

/** A canonical text for a value: equal values (by Rego equality) give equal text. */
export function canonical(v: unknown): string {
  if (typeof v === 'bigint' || typeof v === 'number') return `n:${Number(v)}`;
  if (v === null || v === undefined) return 'null';
  if (typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** Canonical text of a result set: the set of its rows. */
export function canonicalResultSet(rows: readonly unknown[], sortBindings: boolean): string {
  const set = new Set<string>();
  for (const row of rows) {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      set.add(`!${canonical(row)}`);
      continue;
    }
    const obj: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(row)) obj[k] = sortBindings && Array.isArray(x) ? [...x].sort(compareValues) : x;
    set.add(canonical(obj));
  }
  return [...set].sort().join('\n');
}
