/**
 * Caps a JSON value for an event payload: events are stored in the journal and streamed to every
 * subscriber, so a multi-megabyte http body or file content is replaced by its size and digest
 * (the guest still receives the whole value; the broker keeps a capped result whole in the result
 * store under that digest, so a replay can hand it back).
 */
import { createHash } from 'node:crypto';

/** What stands in for a value over the cap. */
export interface CappedValue {
  readonly $capped: { readonly bytes: number; readonly sha256: string; readonly limitBytes: number };
  /** The first characters of the JSON text, for a human glancing at the event. */
  readonly preview: string;
}

const PREVIEW_CHARS = 256;

/**
 * The value itself when its JSON text fits in `limitBytes` (UTF-8), otherwise a CappedValue with the
 * sha256 of that JSON text. `undefined` becomes null (events are JSON).
 */
export function capEventValue(value: unknown, limitBytes: number): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value) ?? 'null';
  // Cheap pre-check: a UTF-16 length under a third of the cap cannot exceed it in UTF-8.
  if (text.length * 3 <= limitBytes) return value;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limitBytes) return value;
  return {
    $capped: { bytes, sha256: `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`, limitBytes },
    preview: text.slice(0, PREVIEW_CHARS),
  } satisfies CappedValue;
}

/**
 * True when `value` is the stand-in capEventValue made for a value over the cap (as events carry it):
 * `$capped` with a `sha256:<hex>` digest, a size over its limit, and a `preview`, nothing else.
 */
export function isCappedValue(value: unknown): value is CappedValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 2 || !keys.includes('$capped') || typeof (value as { preview?: unknown }).preview !== 'string') return false;
  const capped = (value as { $capped?: unknown }).$capped as { bytes?: unknown; sha256?: unknown; limitBytes?: unknown } | null;
  return (
    typeof capped === 'object' && capped !== null &&
    typeof capped.sha256 === 'string' && /^sha256:[0-9a-f]{64}$/.test(capped.sha256) &&
    typeof capped.bytes === 'number' && typeof capped.limitBytes === 'number' && capped.bytes > capped.limitBytes
  );
}
