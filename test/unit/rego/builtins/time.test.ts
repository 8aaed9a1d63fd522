import { describe, expect, it } from 'vitest';
import { call, callError, callRaw } from './sdk-call.ts';

const FEB29 = 1582977600000000000; // 2020-02-29T12:00:00Z

describe('time builtins', () => {
  it('parses RFC 3339 with nanoseconds and offsets, exactly', () => {
    expect(callRaw('time.parse_rfc3339_ns', '2017-06-02T19:00:00.123456789-07:00')).toBe('1496455200123456789');
    expect(callError('time.parse_rfc3339_ns', '2017-06-02')).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('parses Go layouts', () => {
    expect(callRaw('time.parse_ns', '2006-01-02', '2020-02-29')).toBe('1582934400000000000');
    expect(callRaw('time.parse_ns', 'Mon Jan _2 15:04:05 MST 2006', 'Sat Feb 29 12:00:00 UTC 2020')).toBe(String(FEB29));
    expect(callRaw('time.parse_ns', '02 Jan 06 15:04 -0700', '29 Feb 20 05:00 -0700')).toBe(String(FEB29));
    expect(callError('time.parse_ns', '2006-01-02', '2020-02-30')).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('parses Go durations', () => {
    expect(call('time.parse_duration_ns', '1h2m3.5s')).toBe(3723500000000);
    expect(call('time.parse_duration_ns', '-1.5ms')).toBe(-1500000);
    expect(callError('time.parse_duration_ns', '1x')).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('splits timestamps into date, clock and weekday, in a time zone when asked', () => {
    expect(call('time.date', FEB29)).toEqual([2020, 2, 29]);
    expect(call('time.clock', [FEB29, 'Asia/Kolkata'])).toEqual([17, 30, 0]);
    expect(call('time.weekday', FEB29)).toBe('Saturday');
    expect(call('time.weekday', [FEB29, 'Pacific/Kiritimati'])).toBe('Sunday');
    expect(callError('time.date', [FEB29, 'Nowhere/Atlantis'])).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('formats with layouts, named layouts and zones', () => {
    expect(call('time.format', FEB29)).toBe('2020-02-29T12:00:00Z');
    expect(call('time.format', [FEB29, 'Asia/Kolkata'])).toBe('2020-02-29T17:30:00+05:30');
    expect(call('time.format', [FEB29, 'Asia/Kolkata', 'Mon Jan 02 15:04:05 -0700 2006'])).toBe('Sat Feb 29 17:30:00 +0530 2020');
    expect(call('time.format', [FEB29, 'America/New_York', 'RFC1123'])).toBe('Sat, 29 Feb 2020 07:00:00 EST');
    expect(call('time.format', [FEB29 + 120000000, 'UTC', '15:04:05.000 PM'])).toBe('12:00:00.120 PM');
    expect(callError('time.format', 1582977600 * 10e12)).toMatchObject({ message: 'time.format: timestamp too big' });
  });

  it('adds dates with Go\'s normalisation', () => {
    expect(callRaw('time.add_date', FEB29, 1, 0, 0)).toBe('1614600000000000000'); // 2021-03-01
    expect(callRaw('time.add_date', FEB29, 0, -1, 1)).toBe('1580385600000000000'); // 2020-01-30
    expect(callError('time.add_date', FEB29, 300, 0, 0)).toMatchObject({ message: 'time.add_date: time outside of valid range' });
  });

  it('diffs in years, months, days, hours, minutes, seconds', () => {
    const ns = (d: string) => call('time.parse_ns', '2006-01-02', d) as number;
    expect(call('time.diff', ns('2020-02-02'), ns('2020-03-01'))).toEqual([0, 0, 28, 0, 0, 0]);
    expect(call('time.diff', ns('2021-02-02'), ns('2021-03-01'))).toEqual([0, 0, 27, 0, 0, 0]);
    expect(call('time.diff', ns('2005-03-01'), ns('2004-02-29'))).toEqual([1, 0, 1, 0, 0, 0]);
  });

  it('now_ns is the current time in nanoseconds', () => {
    const before = Date.now();
    const now = call('time.now_ns') as number;
    expect(now / 1e6).toBeGreaterThanOrEqual(before - 1);
    expect(now / 1e6).toBeLessThanOrEqual(Date.now() + 1);
  });
});
