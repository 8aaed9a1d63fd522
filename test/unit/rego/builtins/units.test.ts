import { describe, expect, it } from 'vitest';
import { call, callError, callRaw } from './sdk-call.ts';

describe('units builtins', () => {
  it('units.parse reads SI and binary suffixes exactly', () => {
    expect(call('units.parse', '500m')).toBe(0.5);
    expect(call('units.parse', '0.0005K')).toBe(0.5);
    expect(call('units.parse', '10Ki')).toBe(10240);
    expect(call('units.parse', '1M')).toBe(1000000);
    expect(call('units.parse', '1e3')).toBe(1000);
    expect(call('units.parse', '"2G"')).toBe(2e9);
    expect(call('units.parse', '1m')).toBe(0.001);
    expect(callRaw('units.parse', '10Ei')).toBe('11529215046068469760');
  });

  it('units.parse errors as OPA does', () => {
    expect(callError('units.parse', '')).toMatchObject({ message: 'units.parse: no amount provided' });
    expect(callError('units.parse', 'G')).toMatchObject({ message: 'units.parse: no amount provided' });
    expect(callError('units.parse', '1 G')).toMatchObject({ message: 'units.parse: spaces not allowed in resource strings' });
    expect(callError('units.parse', '0.0.0')).toMatchObject({ message: 'units.parse: could not parse amount to a number' });
    expect(callError('units.parse', '1X')).toMatchObject({ message: 'units.parse: unit X not recognized' });
  });

  it('units.parse_bytes is case-insensitive and truncates to whole bytes', () => {
    expect(call('units.parse_bytes', '1KiB')).toBe(1024);
    expect(call('units.parse_bytes', '8kb')).toBe(8000);
    expect(call('units.parse_bytes', '4.1Mi')).toBe(4299161);
    expect(call('units.parse_bytes', '128Gi')).toBe(137438953472);
    expect(callError('units.parse_bytes', 'GB')).toMatchObject({ message: 'units.parse_bytes: no byte amount provided' });
    expect(callError('units.parse_bytes', '1 kb')).toMatchObject({ message: 'units.parse_bytes: spaces not allowed in resource strings' });
    expect(callError('units.parse_bytes', '1..2kb')).toMatchObject({ message: 'units.parse_bytes: could not parse byte amount to a number' });
  });
});
