// The guest's strict JSON serialisation and error description (src/sandbox/guest/serialise.ts), run
// here in Node: the same code runs inside every isolate.
import { describe, expect, it } from 'vitest';
import { describeError, guestFrames, toJson } from '../../../src/sandbox/guest/serialise.ts';

describe('toJson', () => {
  it('serialises plain JSON values', () => {
    expect(toJson({ a: [1, 'two', null, true], b: { c: 1.5 } })).toEqual({ ok: true, json: '{"a":[1,"two",null,true],"b":{"c":1.5}}' });
  });

  it('turns undefined into null', () => {
    expect(toJson(undefined)).toEqual({ ok: true, json: 'null' });
  });

  it('refuses what JSON.stringify would drop or mangle, naming the key', () => {
    expect(toJson({ f: () => 1 })).toEqual({ ok: false, reason: 'key "f" is a function' });
    expect(toJson([Symbol('s')])).toEqual({ ok: false, reason: 'key "0" is a symbol' });
    expect(toJson({ n: Number.POSITIVE_INFINITY })).toEqual({ ok: false, reason: 'key "n" is a non-finite number' });
    expect(toJson(10n)).toEqual({ ok: false, reason: 'the value is a bigint' });
  });

  it('refuses cycles', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toJson(cyclic).ok).toBe(false);
  });

  it('survives a toJSON that throws something hostile', () => {
    const hostile = { toJSON() { throw { get message() { throw new Error('nope'); } }; } };
    expect(toJson(hostile)).toEqual({ ok: false, reason: '[unreadable error]' });
  });
});

describe('describeError', () => {
  it('reads message and keeps only frames of the workflow file', () => {
    const error = new Error('boom');
    error.stack = ['Error: boom', '    at f (wf.js:1:2)', '    at ready (aiws:guest/runtime.ts:9:9)', '    at wf.js:3:4'].join('\n');
    expect(describeError(error, 'wf.js')).toEqual({ message: 'boom', stack: 'Error: boom\n    at f (wf.js:1:2)\n    at wf.js:3:4', code: '' });
  });

  it('describes thrown non-errors by their string form', () => {
    expect(describeError('plain', 'wf.js')).toEqual({ message: 'plain', stack: '', code: '' });
    expect(describeError(42, 'wf.js').message).toBe('42');
    expect(describeError(Object.create(null), 'wf.js').message).toBe('[unprintable value]');
  });

  it('passes on the thrown value\'s own string code, and nothing else', () => {
    expect(describeError(Object.assign(new Error('no funds'), { code: 'INSUFFICIENT_FUNDS' }), 'wf.js').code).toBe('INSUFFICIENT_FUNDS');
    expect(describeError(Object.assign(new Error('x'), { code: 42 }), 'wf.js').code).toBe('');
    expect(describeError(Object.assign(new Error('x'), { code: 'C'.repeat(65) }), 'wf.js').code).toBe('');
    const hostile = { message: 'm', get code(): string { throw new Error('trap'); } };
    expect(describeError(hostile, 'wf.js')).toMatchObject({ message: '[unreadable error]', code: '' });
  });

  it('truncates huge messages', () => {
    expect(describeError(new Error('x'.repeat(20_000)), 'wf.js').message).toHaveLength(8193);
  });
});

describe('guestFrames', () => {
  it('keeps multi-line headers', () => {
    expect(guestFrames('Error: one\ntwo\n    at a (other.js:1:1)', 'wf.js')).toBe('Error: one\ntwo');
  });
});
