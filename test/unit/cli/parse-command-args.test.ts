// parseCommandArgs and the shared option helpers turn bad command lines into short UsageErrors.
import { describe, expect, it } from 'vitest';
import { resolveConnection } from '../../../src/cli/connection-flags.ts';
import { parseCommandArgs, parseIntegerOption } from '../../../src/cli/parse-command-args.ts';
import { UsageError } from '../../../src/cli/usage-error.ts';

describe('parseCommandArgs', () => {
  const config = { allowPositionals: true, options: { json: { type: 'boolean' }, input: { type: 'string' } } } as const;

  it('parses options and positionals strictly', () => {
    const { values, positionals } = parseCommandArgs(['a.js', '--json', '--input', '{}'], config);
    expect(values).toEqual({ json: true, input: '{}' });
    expect(positionals).toEqual(['a.js']);
  });

  it('names an unknown option in a one-line UsageError', () => {
    expect(() => parseCommandArgs(['--jsn'], config)).toThrow(new UsageError('unknown option "--jsn"'));
  });

  it('says which option lacks its value', () => {
    expect(() => parseCommandArgs(['--input'], config)).toThrow(/--input <value>' argument missing/);
  });

  it('rejects positionals where the command takes none', () => {
    expect(() => parseCommandArgs(['extra'], { options: {} })).toThrow(new UsageError('unexpected argument "extra"'));
  });
});

describe('parseIntegerOption', () => {
  it('accepts whole numbers from the minimum up', () => {
    expect(parseIntegerOption('wall-ms', '250')).toBe(250);
    expect(parseIntegerOption('wall-ms', undefined)).toBeUndefined();
  });

  it.each(['0', '-1', '1.5', '1e3', 'ten', ''])('rejects %j', (value) => {
    expect(() => parseIntegerOption('wall-ms', value)).toThrow(UsageError);
  });
});

describe('resolveConnection', () => {
  it('prefers the flags, then AIWS_URL/AIWS_TOKEN, then the default URL', () => {
    const env = { AIWS_URL: 'ws://10.0.0.1:9000/v1', AIWS_TOKEN: 'from-env' };
    expect(resolveConnection({ url: 'ws://127.0.0.1:1/v1', token: 'flag' }, env)).toEqual({ url: 'ws://127.0.0.1:1/v1', token: 'flag' });
    expect(resolveConnection({}, env)).toEqual({ url: 'ws://10.0.0.1:9000/v1', token: 'from-env' });
    expect(resolveConnection({}, {})).toEqual({ url: 'ws://127.0.0.1:7777/v1', token: undefined });
  });

  it('rejects URLs that are not ws:// or wss://', () => {
    expect(() => resolveConnection({ url: 'http://127.0.0.1/v1' }, {})).toThrow('expected ws:// or wss://');
    expect(() => resolveConnection({ url: 'not a url' }, {})).toThrow('not a URL');
  });
});
