/**
 * Time builtins: `time.now_ns parse_ns parse_rfc3339_ns parse_duration_ns date clock weekday add_date
 * diff format`, on nanoseconds since the Unix epoch as OPA defines them.
 *
 * Results are exact integers (`exactInteger`); a timestamp argument beyond 2^53 ns (any date after
 * April 1970) has already been rounded to a double by the SDK, so its last digits may be off by up
 * to 256 ns. `time.now_ns` is read on each call: OPA freezes it per query, which the SDK's
 * custom-builtin interface cannot express.
 */
import { builtinError, operandError } from './builtin-error.ts';
import { civilToNs, formatTime, isKnownZone, namedLayouts, parseDuration, parseTime, toWallTime, type WallTime } from './go-time.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { JsonValue } from './value.ts';
import { exactInteger, typeNameOf } from './value.ts';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function nsOperand(name: string, value: JsonValue, position = 1): bigint {
  if (typeof value !== 'number') throw operandError(name, position, ['number'], typeNameOf(value));
  const ns = BigInt(Math.trunc(value));
  if (ns > INT64_MAX || ns < INT64_MIN) throw builtinError(name, 'timestamp too big');
  return ns;
}

interface TimeArg {
  readonly ns: bigint;
  readonly zone: string;
  readonly layout?: string;
}

function timeArg(name: string, value: JsonValue, position = 1, allowLayout = false): TimeArg {
  if (typeof value === 'number') return { ns: nsOperand(name, value, position), zone: 'UTC' };
  if (!Array.isArray(value)) throw operandError(name, position, ['number', 'array'], typeNameOf(value));
  const max = allowLayout ? 3 : 2;
  if (value.length < 2 || value.length > max || typeof value[1] !== 'string' || (value.length === 3 && typeof value[2] !== 'string')) {
    throw builtinError(name, `operand ${position} must be an array of ${allowLayout ? '2 or 3' : '2'} elements, number and string(s)`);
  }
  let zone = value[1] as string;
  if (zone === '') zone = 'UTC';
  if (zone === 'Local') zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isKnownZone(zone)) throw builtinError(name, `unknown time zone ${value[1] as string}`);
  const ns = nsOperand(name, value[0]!, position);
  return value.length === 3 ? { ns, zone, layout: value[2] as string } : { ns, zone };
}

function checkRange(name: string, ns: bigint): bigint {
  if (ns > INT64_MAX || ns < INT64_MIN) throw builtinError(name, 'time outside of valid range');
  return ns;
}

function wall(name: string, value: JsonValue): WallTime {
  const arg = timeArg(name, value);
  return toWallTime(arg.ns, arg.zone);
}

const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function diff(a: WallTime, b: WallTime): number[] {
  let year = b.year - a.year;
  let month = b.month - a.month;
  let day = b.day - a.day;
  let hour = b.hour - a.hour;
  let min = b.minute - a.minute;
  let sec = b.second - a.second;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    // Days in a's month: day 32 of it normalises into the next month.
    const t = new Date(0);
    t.setUTCFullYear(a.year, a.month - 1, 32);
    day += 32 - t.getUTCDate();
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}

function wrapParse<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw builtinError(name, (err as Error).message, err);
  }
}

/** The time builtins by name. */
export const timeBuiltins: JsBuiltinTable = {
  'time.now_ns': defineBuiltin('time.now_ns', () => exactInteger(BigInt(Date.now()) * 1_000_000n)),
  'time.parse_ns': defineBuiltin('time.parse_ns', (layout, value) =>
    exactInteger(checkRange('time.parse_ns', wrapParse('time.parse_ns', () => parseTime(layout as string, value as string)))),
  ),
  'time.parse_rfc3339_ns': defineBuiltin('time.parse_rfc3339_ns', (value) =>
    exactInteger(checkRange('time.parse_rfc3339_ns', wrapParse('time.parse_rfc3339_ns', () => parseTime(namedLayouts['RFC3339']!, value as string)))),
  ),
  'time.parse_duration_ns': defineBuiltin('time.parse_duration_ns', (value) =>
    exactInteger(wrapParse('time.parse_duration_ns', () => parseDuration(value as string))),
  ),
  'time.date': defineBuiltin('time.date', (x) => {
    const t = wall('time.date', x!);
    return [t.year, t.month, t.day];
  }),
  'time.clock': defineBuiltin('time.clock', (x) => {
    const t = wall('time.clock', x!);
    return [t.hour, t.minute, t.second];
  }),
  'time.weekday': defineBuiltin('time.weekday', (x) => weekdays[wall('time.weekday', x!).weekday]!),
  'time.add_date': defineBuiltin('time.add_date', (x, years, months, days) => {
    const t = toWallTime(nsOperand('time.add_date', x!), 'UTC');
    const ns = civilToNs(t.year + (years as number), t.month + (months as number), t.day + (days as number), t.hour, t.minute, t.second, t.nanos);
    return exactInteger(checkRange('time.add_date', ns));
  }),
  'time.diff': defineBuiltin('time.diff', (x, y) => {
    const a = timeArg('time.diff', x!, 1);
    const b = timeArg('time.diff', y!, 2);
    // Go converts the second time into the first one's zone, then orders them.
    const [early, late] = a.ns <= b.ns ? [a.ns, b.ns] : [b.ns, a.ns];
    return diff(toWallTime(early, a.zone), toWallTime(late, a.zone));
  }),
  'time.format': defineBuiltin('time.format', (x) => {
    const arg = timeArg('time.format', x!, 1, true);
    const layout = arg.layout === undefined ? namedLayouts['RFC3339Nano']! : (namedLayouts[arg.layout] ?? arg.layout);
    return formatTime(toWallTime(arg.ns, arg.zone), layout);
  }),
};
