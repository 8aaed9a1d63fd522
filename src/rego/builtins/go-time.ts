/**
 * Go's `time` layouts ("2006-01-02T15:04:05Z07:00") for formatting and parsing, `time.ParseDuration`,
 * and time zone offsets from the IANA database through `Intl`.
 *
 * Instants are `bigint` nanoseconds since the Unix epoch, so OPA's nanosecond timestamps stay exact.
 */

const longMonths = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const longDays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Go's named layouts, as OPA's `time.format` accepts them by name. */
export const namedLayouts: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
};

type Token =
  | { readonly kind: 'lit'; readonly text: string }
  | { readonly kind: 'std'; readonly std: string }
  | { readonly kind: 'frac'; readonly digits: number; readonly trim: boolean; readonly sep: string };

const stdPrefixes = [
  'January', 'Jan', 'Monday', 'Mon', 'MST', '2006', '002', '01', '02', '03', '04', '05', '06', '__2', '_2', '15',
  '1', '2', '3', '4', '5', 'PM', 'pm',
  'Z070000', 'Z07:00:00', 'Z0700', 'Z07:00', 'Z07', '-070000', '-07:00:00', '-0700', '-07:00', '-07',
];

/** Split a Go layout into literal text and standard chunks. */
export function tokenizeLayout(layout: string): Token[] {
  const out: Token[] = [];
  let lit = '';
  let i = 0;
  const flush = (): void => {
    if (lit !== '') out.push({ kind: 'lit', text: lit });
    lit = '';
  };
  while (i < layout.length) {
    const rest = layout.slice(i);
    const frac = /^([.,])(0+|9+)(?![0-9])/.exec(rest);
    if (frac !== null && /[0-9]/.test(layout[i - 1] ?? '')) {
      flush();
      out.push({ kind: 'frac', digits: frac[2]!.length, trim: frac[2]![0] === '9', sep: frac[1]! });
      i += frac[0].length;
      continue;
    }
    // Go reads "Jan" only when not followed by a lower-case letter ("Janet" is literal), and so on.
    const std = stdPrefixes.find((p) => {
      if (!rest.startsWith(p)) return false;
      if ((p === 'Jan' || p === 'Mon') && /^[a-z]/.test(rest.slice(3))) return false;
      if (p === '2006' || p === '002') return true;
      return true;
    });
    if (std !== undefined) {
      flush();
      out.push({ kind: 'std', std });
      i += std.length;
      continue;
    }
    lit += layout[i];
    i++;
  }
  flush();
  return out;
}

/** Broken-down wall clock time in some zone. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  weekday: number;
  yearDay: number;
  offsetSeconds: number;
  zoneName: string;
}

const NS_PER_MS = 1_000_000n;

/** The offset of `zone` at `epochMs`, in seconds east of UTC. */
export function zoneOffsetSeconds(zone: string, epochMs: number): number {
  if (zone === 'UTC' || zone === '') return 0;
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(new Date(epochMs));
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?(?::?(\d{2}))?/.exec(name);
  if (m === null) return 0;
  const sign = m[1] === '-' ? -1 : 1;
  return sign * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0));
}

function zoneAbbreviation(zone: string, epochMs: number, offset: number): string {
  if (zone === 'UTC' || zone === '') return 'UTC';
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' }).formatToParts(new Date(epochMs));
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  if (/^[A-Z]{3,5}$/.test(name)) return name;
  // Go prints a numeric abbreviation (+0530) when the zone database has no letters for the zone.
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = Math.floor((abs % 3600) / 60);
  return mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
}

/** True when `zone` names a time zone `Intl` knows. */
export function isKnownZone(zone: string): boolean {
  if (zone === '' || zone === 'UTC' || zone === 'Local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Split nanoseconds since the epoch into wall-clock fields in `zone`. */
export function toWallTime(ns: bigint, zone: string): WallTime {
  const msFloor = ns >= 0n ? ns / NS_PER_MS : -((-ns + NS_PER_MS - 1n) / NS_PER_MS);
  const subMs = Number(ns - msFloor * NS_PER_MS);
  const epochMs = Number(msFloor);
  const offsetSeconds = zoneOffsetSeconds(zone, epochMs);
  const d = new Date(epochMs + offsetSeconds * 1000);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    nanos: d.getUTCMilliseconds() * 1_000_000 + subMs,
    weekday: d.getUTCDay(),
    yearDay: Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - start) / 86_400_000) + 1,
    offsetSeconds,
    zoneName: zoneAbbreviation(zone, epochMs, offsetSeconds),
  };
}

const pad = (n: number, width: number, ch = '0'): string => String(n).padStart(width, ch);

function formatOffset(std: string, offset: number): string {
  if (offset === 0 && std.startsWith('Z')) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor((abs % 3600) / 60), 2);
  const ss = pad(abs % 60, 2);
  const body = std.replace(/^[Z-]/, '');
  switch (body) {
    case '07':
      return sign + hh;
    case '0700':
      return sign + hh + mm;
    case '07:00':
      return `${sign}${hh}:${mm}`;
    case '070000':
      return sign + hh + mm + ss;
    default:
      return `${sign}${hh}:${mm}:${ss}`;
  }
}

/** Go's `Time.Format(layout)`. */
export function formatTime(t: WallTime, layout: string): string {
  let out = '';
  for (const tok of tokenizeLayout(layout)) {
    if (tok.kind === 'lit') {
      out += tok.text;
      continue;
    }
    if (tok.kind === 'frac') {
      let digits = pad(t.nanos, 9).slice(0, tok.digits);
      if (tok.trim) {
        digits = digits.replace(/0+$/, '');
        if (digits !== '') out += tok.sep + digits;
      } else out += tok.sep + digits;
      continue;
    }
    const h12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
    switch (tok.std) {
      case 'January': out += longMonths[t.month - 1]; break;
      case 'Jan': out += longMonths[t.month - 1]!.slice(0, 3); break;
      case 'Monday': out += longDays[t.weekday]; break;
      case 'Mon': out += longDays[t.weekday]!.slice(0, 3); break;
      case 'MST': out += t.zoneName; break;
      case '2006': out += pad(t.year, 4); break;
      case '06': out += pad(t.year % 100, 2); break;
      case '002': out += pad(t.yearDay, 3); break;
      case '__2': out += pad(t.yearDay, 3, ' '); break;
      case '01': out += pad(t.month, 2); break;
      case '1': out += String(t.month); break;
      case '02': out += pad(t.day, 2); break;
      case '_2': out += pad(t.day, 2, ' '); break;
      case '2': out += String(t.day); break;
      case '15': out += pad(t.hour, 2); break;
      case '03': out += pad(h12, 2); break;
      case '3': out += String(h12); break;
      case '04': out += pad(t.minute, 2); break;
      case '4': out += String(t.minute); break;
      case '05': out += pad(t.second, 2); break;
      case '5': out += String(t.second); break;
      case 'PM': out += t.hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += t.hour >= 12 ? 'pm' : 'am'; break;
      default: out += formatOffset(tok.std, t.offsetSeconds);
    }
  }
  return out;
}

/** A parse failure in Go's words. */
export class TimeParseError extends Error {}

/** Go's `time.Parse(layout, value)` to nanoseconds since the epoch (UTC unless the value has an offset). */
export function parseTime(layout: string, value: string): bigint {
  const toks = tokenizeLayout(layout);
  let pos = 0;
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;
  let yearDay: number | undefined;
  const fail = (what: string): never => {
    throw new TimeParseError(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(value.slice(pos))} as ${JSON.stringify(what)}`);
  };
  const num = (min: number, max: number, what: string): number => {
    const m = new RegExp(`^\\d{${min},${max}}`).exec(value.slice(pos));
    if (m === null) return fail(what);
    pos += m[0].length;
    return Number(m[0]);
  };
  const word = (list: string[], len: number | undefined, what: string): number => {
    const rest = value.slice(pos);
    const idx = list.findIndex((w) => rest.toLowerCase().startsWith((len === undefined ? w : w.slice(0, len)).toLowerCase()));
    if (idx === -1) return fail(what);
    pos += len === undefined ? list[idx]!.length : len;
    return idx;
  };
  for (let ti = 0; ti < toks.length; ti++) {
    const tok = toks[ti]!;
    if (tok.kind === 'lit') {
      if (!value.startsWith(tok.text, pos)) fail(tok.text);
      pos += tok.text.length;
      continue;
    }
    if (tok.kind === 'frac') {
      const m = /^[.,](\d+)/.exec(value.slice(pos));
      if (m === null) {
        if (tok.trim) continue;
        fail(`${tok.sep}${'0'.repeat(tok.digits)}`);
      } else {
        if (!tok.trim && m[1]!.length !== tok.digits) fail(`${tok.sep}${'0'.repeat(tok.digits)}`);
        nanos = Number(m[1]!.slice(0, 9).padEnd(9, '0'));
        pos += m[0].length;
      }
      continue;
    }
    switch (tok.std) {
      case 'January': month = word(longMonths, undefined, 'January') + 1; break;
      case 'Jan': month = word(longMonths, 3, 'Jan') + 1; break;
      case 'Monday': word(longDays, undefined, 'Monday'); break;
      case 'Mon': word(longDays, 3, 'Mon'); break;
      case 'MST': {
        const m = /^(UTC|GMT|[A-Z]{3,5}|[+-]\d{2,4})/.exec(value.slice(pos));
        if (m === null) fail('MST');
        else {
          pos += m[0].length;
          if (m[0] === 'UTC' || m[0] === 'GMT') offset ??= 0;
        }
        break;
      }
      case '2006': year = num(4, 4, '2006'); break;
      case '06': { const y = num(2, 2, '06'); year = y >= 69 ? 1900 + y : 2000 + y; break; }
      case '002': yearDay = num(3, 3, '002'); break;
      case '__2': { while (value[pos] === ' ') pos++; yearDay = num(1, 3, '__2'); break; }
      case '01': month = num(2, 2, '01'); break;
      case '1': month = num(1, 2, '1'); break;
      case '02': day = num(2, 2, '02'); break;
      case '_2': { if (value[pos] === ' ') pos++; day = num(1, 2, '_2'); break; }
      case '2': day = num(1, 2, '2'); break;
      case '15': hour = num(1, 2, '15'); break;
      case '03': hour = num(2, 2, '03'); break;
      case '3': hour = num(1, 2, '3'); break;
      case '04': minute = num(2, 2, '04'); break;
      case '4': minute = num(1, 2, '4'); break;
      case '05':
      case '5': {
        second = tok.std === '05' ? num(2, 2, '05') : num(1, 2, '5');
        // Go accepts a fractional second after the seconds field even when the layout has none.
        const next = toks[ti + 1];
        if (next?.kind !== 'frac') {
          const m = /^[.,](\d+)/.exec(value.slice(pos));
          if (m !== null && !(next?.kind === 'lit' && next.text.startsWith(m[0][0]!))) {
            nanos = Number(m[1]!.slice(0, 9).padEnd(9, '0'));
            pos += m[0].length;
          }
        }
        break;
      }
      case 'PM':
      case 'pm': {
        const s = value.slice(pos, pos + 2).toUpperCase();
        if (s !== 'AM' && s !== 'PM') fail(tok.std);
        pm = s === 'PM';
        pos += 2;
        break;
      }
      default: {
        if (tok.std.startsWith('Z') && value[pos] === 'Z') {
          pos++;
          offset = 0;
          break;
        }
        const m = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?/.exec(value.slice(pos));
        if (m === null) fail(tok.std);
        else {
          pos += m[0].length;
          offset = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0));
        }
      }
    }
  }
  if (pos !== value.length) {
    throw new TimeParseError(`parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(value.slice(pos))}`);
  }
  if (pm !== undefined) {
    if (hour > 12) throw new TimeParseError(`parsing time ${JSON.stringify(value)}: hour out of range`);
    if (pm && hour < 12) hour += 12;
    if (!pm && hour === 12) hour = 0;
  }
  if (yearDay !== undefined) {
    const d = new Date(Date.UTC(2000, 0, yearDay));
    d.setUTCFullYear(year);
    month = d.getUTCMonth() + 1;
    day = d.getUTCDate();
  }
  const dim = new Date(Date.UTC(2000, month, 0));
  dim.setUTCFullYear(year, month, 0);
  if (month < 1 || month > 12) throw new TimeParseError(`parsing time ${JSON.stringify(value)}: month out of range`);
  if (day < 1 || day > dim.getUTCDate()) throw new TimeParseError(`parsing time ${JSON.stringify(value)}: day out of range`);
  if (hour > 23 || minute > 59 || second > 59) throw new TimeParseError(`parsing time ${JSON.stringify(value)}: time out of range`);
  return civilToNs(year, month, day, hour, minute, second, nanos) - BigInt(offset ?? 0) * 1_000_000_000n;
}

/** Nanoseconds since the epoch of a UTC civil time (fields may overflow; they are normalised like Go's `time.Date`). */
export function civilToNs(year: number, month: number, day: number, hour: number, minute: number, second: number, nanos: number): bigint {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return BigInt(d.getTime()) * NS_PER_MS + BigInt(nanos);
}

const durationUnits: Record<string, bigint> = {
  ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};

/** Go's `time.ParseDuration`, in nanoseconds. */
export function parseDuration(text: string): bigint {
  const fail = (): never => {
    throw new TimeParseError(`time: invalid duration ${JSON.stringify(text)}`);
  };
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') fail();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/.exec(s);
    if (m === null || (m[1] === '' && (m[2] ?? '') === '')) return fail();
    const unit = durationUnits[m[3]!];
    if (unit === undefined) throw new TimeParseError(`time: unknown unit ${JSON.stringify(m[3])} in duration ${JSON.stringify(text)}`);
    const whole = BigInt(m[1] === '' ? '0' : m[1]!);
    const fracDigits = m[2] ?? '';
    let frac = 0n;
    if (fracDigits !== '') {
      const scale = 10n ** BigInt(fracDigits.length);
      frac = (BigInt(fracDigits) * unit) / scale;
    }
    total += whole * unit + frac;
    s = s.slice(m[0].length);
  }
  if (total > 2n ** 63n - 1n) throw new TimeParseError(`time: invalid duration ${JSON.stringify(text)}`);
  return negative ? -total : total;
}
