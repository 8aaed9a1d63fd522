/**
 * Structural comparison of JSON values with readable differences, for test expectations (recorded
 * call args, expected outputs) where "not equal" alone would leave the author guessing.
 */

/** One difference at a JSON pointer. */
export interface JsonDifference {
  readonly pointer: string;
  /** `undefined` when the key is absent on that side. */
  readonly expected: unknown;
  readonly actual: unknown;
}

/**
 * Differences between `expected` and `actual`. With `subset`, objects in `expected` only constrain
 * the keys they list (arrays still match element by element and in length).
 */
export function diffJson(expected: unknown, actual: unknown, options: { subset?: boolean } = {}, pointer = ''): JsonDifference[] {
  if (isObject(expected) && isObject(actual)) {
    const out: JsonDifference[] = [];
    const keys = new Set(Object.keys(expected));
    if (options.subset !== true) for (const key of Object.keys(actual)) keys.add(key);
    for (const key of [...keys].sort()) {
      const at = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (!Object.hasOwn(expected, key)) out.push({ pointer: at, expected: undefined, actual: actual[key] });
      else if (!Object.hasOwn(actual, key)) out.push({ pointer: at, expected: expected[key], actual: undefined });
      else out.push(...diffJson(expected[key], actual[key], options, at));
    }
    return out;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return [{ pointer, expected, actual }];
    return expected.flatMap((item: unknown, index) => diffJson(item, actual[index], options, `${pointer}/${index}`));
  }
  return Object.is(expected, actual) || (typeof expected === 'number' && expected === actual) ? [] : [{ pointer, expected, actual }];
}

/** One line per difference, values as (shortened) JSON. */
export function formatDifferences(differences: readonly JsonDifference[], limit = 5): string {
  const lines = differences.slice(0, limit).map((d) => `${d.pointer === '' ? '(root)' : d.pointer}: expected ${show(d.expected)}, got ${show(d.actual)}`);
  if (differences.length > limit) lines.push(`… and ${differences.length - limit} more`);
  return lines.join('; ');
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
