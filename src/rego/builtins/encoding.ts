/**
 * Encoding builtins: `base64.* base64url.* hex.* urlquery.* json.* yaml.*`.
 *
 * Decoders follow Go's strictness (`base64.StdEncoding` needs padding, `hex` rejects odd lengths).
 * Decoded bytes become a string as Go's `string(bytes)` does; invalid UTF-8 then turns into U+FFFD
 * on its way through JSON, as it does in OPA's output. `json.marshal` writes Go's `encoding/json`
 * form: keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped.
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { builtinError, typeError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { BuiltinResult, JsonObject, JsonValue } from './value.ts';
import { compareStrings, exactInteger, isObject, marshalJson } from './value.ts';

const str = (v: JsonValue): string => v as string;

const stdAlphabet = /^[A-Za-z0-9+/]*={0,2}$/;
const urlAlphabet = /^[A-Za-z0-9_-]*={0,2}$/;

/** Strict padded base64 as Go's `DecodeString` checks it. */
function decodeBase64(name: string, s: string, url: boolean): string {
  const alphabet = url ? urlAlphabet : stdAlphabet;
  if (s.length % 4 !== 0 || !alphabet.test(s) || /=[^=]/.test(s)) {
    const bad = [...s].findIndex((c) => !(url ? /[A-Za-z0-9_=-]/ : /[A-Za-z0-9+/=]/).test(c));
    throw builtinError(name, `illegal base64 data at input byte ${bad === -1 ? Math.max(s.length - (s.length % 4), 0) : bad}`);
  }
  const bytes = Buffer.from(s, url ? 'base64url' : 'base64');
  // Go rejects non-zero bits in the padding; Buffer ignores them, so re-encode and compare.
  if (bytes.toString(url ? 'base64url' : 'base64').replace(/=+$/, '') !== s.replace(/=+$/, '')) {
    throw builtinError(name, `illegal base64 data at input byte ${s.length - 1}`);
  }
  return bytes.toString('utf8');
}

/** Go's `json.Marshal` escaping on top of JSON text. */
export function goJsonEscape(text: string): string {
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/** JSON text to a value, keeping integers beyond 2^53 exact. */
export function parseJsonExact(text: string): BuiltinResult {
  return JSON.parse(text, function (this: unknown, _key: string, value: unknown, context?: { source?: string }) {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && /^-?\d+$/.test(context.source)) {
      return exactInteger(BigInt(context.source));
    }
    return value;
  }) as BuiltinResult;
}

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Go's `url.QueryEscape`. */
function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}

/** Go's `url.QueryUnescape`. */
function queryUnescape(name: string, s: string): string {
  const bad = /%(?![0-9a-fA-F]{2})(.{0,2})/.exec(s);
  if (bad !== null) throw builtinError(name, `invalid URL escape "${bad[0].slice(0, 3)}"`);
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '+') bytes.push(0x20);
    else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function marshalIndent(value: JsonValue, prefix: string, indent: string, depth = 0): string {
  const nl = (d: number): string => `\n${prefix}${indent.repeat(d)}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${value.map((v) => nl(depth + 1) + marshalIndent(v, prefix, indent, depth + 1)).join(',')}${nl(depth)}]`;
  }
  if (isObject(value)) {
    const keys = Object.keys(value).sort(compareStrings);
    if (keys.length === 0) return '{}';
    return `{${keys.map((k) => `${nl(depth + 1)}${goJsonEscape(JSON.stringify(k))}: ${marshalIndent(value[k]!, prefix, indent, depth + 1)}`).join(',')}${nl(depth)}}`;
  }
  return goJsonEscape(marshalJson(value));
}

function yamlError(name: string, err: unknown): never {
  const detail = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  throw builtinError(name, `yaml: ${detail}`, err);
}

function unmarshalYaml(name: string, text: string): JsonValue {
  try {
    return (parseYaml(text, { version: '1.1', uniqueKeys: false, maxAliasCount: 100 }) ?? null) as JsonValue;
  } catch (err) {
    return yamlError(name, err);
  }
}

/** The encoding builtins by name. */
export const encodingBuiltins: JsBuiltinTable = {
  'base64.encode': defineBuiltin('base64.encode', (s) => Buffer.from(str(s!), 'utf8').toString('base64')),
  'base64.decode': defineBuiltin('base64.decode', (s) => decodeBase64('base64.decode', str(s!), false)),
  'base64.is_valid': defineBuiltin('base64.is_valid', (s) => {
    try {
      decodeBase64('base64.is_valid', str(s!), false);
      return true;
    } catch {
      return false;
    }
  }),
  'base64url.encode': defineBuiltin('base64url.encode', (s) => {
    const raw = Buffer.from(str(s!), 'utf8').toString('base64url');
    return raw + '='.repeat((4 - (raw.length % 4)) % 4);
  }),
  'base64url.encode_no_pad': defineBuiltin('base64url.encode_no_pad', (s) => Buffer.from(str(s!), 'utf8').toString('base64url')),
  'base64url.decode': defineBuiltin('base64url.decode', (s) => {
    let text = str(s!);
    if (!text.endsWith('=')) {
      const rem = text.length % 4;
      if (rem === 1) throw builtinError('base64url.decode', `illegal base64url string: ${text}`);
      text += rem === 2 ? '==' : rem === 3 ? '=' : '';
    }
    return decodeBase64('base64url.decode', text, true);
  }),
  'hex.encode': defineBuiltin('hex.encode', (s) => Buffer.from(str(s!), 'utf8').toString('hex')),
  'hex.decode': defineBuiltin('hex.decode', (s) => {
    const text = str(s!);
    const bad = [...text].find((c) => !/[0-9a-fA-F]/.test(c));
    if (bad !== undefined) {
      throw builtinError('hex.decode', `encoding/hex: invalid byte: U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} ${goQuoteRune(bad)}`);
    }
    if (text.length % 2 !== 0) throw builtinError('hex.decode', 'encoding/hex: odd length hex string');
    return Buffer.from(text, 'hex').toString('utf8');
  }),
  'urlquery.encode': defineBuiltin('urlquery.encode', (s) => queryEscape(str(s!))),
  'urlquery.decode': defineBuiltin('urlquery.decode', (s) => queryUnescape('urlquery.decode', str(s!))),
  'urlquery.encode_object': defineBuiltin('urlquery.encode_object', (obj) => {
    const parts: string[] = [];
    for (const key of Object.keys(obj as JsonObject).sort(compareStrings)) {
      const value = (obj as JsonObject)[key]!;
      const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
      if (values === undefined || values.some((v) => typeof v !== 'string')) {
        throw typeError('urlquery.encode_object', 'operand 1 must be object[string: string|array[string]|set[string]]');
      }
      for (const v of values) parts.push(`${queryEscape(key)}=${queryEscape(v as string)}`);
    }
    return parts.join('&');
  }),
  'urlquery.decode_object': defineBuiltin('urlquery.decode_object', (s) => {
    const out: Record<string, string[]> = {};
    for (const pair of str(s!).split('&')) {
      if (pair === '') continue;
      if (pair.includes(';')) throw builtinError('urlquery.decode_object', 'invalid semicolon separator in query');
      const eq = pair.indexOf('=');
      const key = queryUnescape('urlquery.decode_object', eq === -1 ? pair : pair.slice(0, eq));
      const value = queryUnescape('urlquery.decode_object', eq === -1 ? '' : pair.slice(eq + 1));
      (out[key] ??= []).push(value);
    }
    return out;
  }),
  'json.marshal': defineBuiltin('json.marshal', (x) => goJsonEscape(marshalJson(x!))),
  'json.marshal_with_options': defineBuiltin('json.marshal_with_options', (x, opts) => {
    const o = opts as JsonObject;
    for (const [k, v] of Object.entries(o)) {
      if (k === 'pretty' ? typeof v !== 'boolean' : k === 'prefix' || k === 'indent' ? typeof v !== 'string' : true) {
        throw typeError('json.marshal_with_options', `operand 2 object contained unknown key or invalid value for "${k}"`);
      }
    }
    const pretty = o['pretty'] ?? ('indent' in o || 'prefix' in o);
    if (pretty === false) return goJsonEscape(marshalJson(x!));
    return marshalIndent(x!, (o['prefix'] as string | undefined) ?? '', (o['indent'] as string | undefined) ?? '\t');
  }),
  'json.unmarshal': defineBuiltin('json.unmarshal', (s) => {
    try {
      return parseJsonExact(str(s!));
    } catch (err) {
      throw builtinError('json.unmarshal', (err as Error).message, err);
    }
  }),
  'json.is_valid': defineBuiltin('json.is_valid', (s) => typeof s === 'string' && isValidJson(s), { unchecked: [1] }),
  'yaml.marshal': defineBuiltin('yaml.marshal', (x) =>
    stringifyYaml(x, { sortMapEntries: true, indentSeq: false, lineWidth: 0, version: '1.1' }),
  ),
  'yaml.unmarshal': defineBuiltin('yaml.unmarshal', (s) => unmarshalYaml('yaml.unmarshal', str(s!))),
  'yaml.is_valid': defineBuiltin('yaml.is_valid', (s) => {
    if (typeof s !== 'string') return false;
    try {
      unmarshalYaml('yaml.is_valid', str(s!));
      return true;
    } catch {
      return false;
    }
  }, { unchecked: [1] }),
};

function goQuoteRune(ch: string): string {
  return `'${ch}'`;
}
