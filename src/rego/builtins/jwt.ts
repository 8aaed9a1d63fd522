/**
 * JWT builtins over `node:crypto`: `io.jwt.decode`, `decode_verify`, `verify_{hs,rs,ps,es}{256,384,512}`,
 * `verify_eddsa`, `encode_sign`, `encode_sign_raw`.
 *
 * Verification keys are what OPA accepts: a PEM certificate, a PEM public key, or a JWK / JWK set
 * (JSON text); HMAC secrets are plain strings. A bad signature yields `false`; a malformed token or
 * key fails with OPA's message.
 */
import { createHmac, createPrivateKey, createPublicKey, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify, constants, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { builtinError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { JsonObject, JsonValue } from './value.ts';
import { isObject, marshalJson } from './value.ts';

interface Token {
  readonly header: JsonObject;
  readonly payload: JsonValue;
  readonly signature: Buffer;
  /** `header.payload` as signed. */
  readonly signingInput: string;
}

const algHash: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

function b64urlDecode(name: string, what: string, s: string): Buffer {
  const text = s.replace(/=+$/, '');
  const bad = [...text].findIndex((c) => !/[A-Za-z0-9_-]/.test(c));
  if (bad !== -1 || text.length % 4 === 1) throw builtinError(name, `${what} had invalid encoding: illegal base64 data at input byte ${bad === -1 ? text.length : bad}`);
  return Buffer.from(text, 'base64url');
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** A token whose payload is another token (`cty: "JWT"`), which OPA decodes in turn. */
function isNested(header: JsonObject): boolean {
  return typeof header['cty'] === 'string' && header['cty'].toUpperCase() === 'JWT';
}

/** Split and decode a compact JWS (`io.jwt.decode`'s checks and messages). */
function decodeToken(name: string, jwt: string): Token {
  if (!jwt.includes('.')) throw builtinError(name, 'encoded JWT had no period separators');
  const parts = jwt.split('.');
  if (parts.length === 5) throw builtinError(name, 'JWT is a JWE object, which is not supported');
  if (parts.length !== 3) throw builtinError(name, `encoded JWT must have 3 sections, found ${parts.length}`);
  const [h, p, s] = parts as [string, string, string];
  let header: JsonValue;
  try {
    header = JSON.parse(b64urlDecode(name, 'JWT header', h).toString('utf8')) as JsonValue;
  } catch (err) {
    if (err instanceof Error && err.name === 'BuiltinError') throw err;
    throw builtinError(name, 'JWT header had invalid encoding: not JSON', err);
  }
  if (!isObject(header)) throw builtinError(name, 'JWT header is not an object');
  if (header['enc'] !== undefined) throw builtinError(name, 'JWT is a JWE object, which is not supported');
  const payloadText = b64urlDecode(name, 'JWT payload', p).toString('utf8');
  const signature = b64urlDecode(name, 'JWT signature', s);
  let payload: JsonValue;
  if (isNested(header)) payload = payloadText;
  else {
    try {
      payload = JSON.parse(payloadText) as JsonValue;
    } catch (err) {
      if (header['typ'] === undefined || header['typ'] === 'JWT') throw builtinError(name, 'type is JWT but payload is not JSON', err);
      payload = payloadText;
    }
  }
  return { header, payload, signature, signingInput: `${h}.${p}` };
}

/** Keys for verification from a PEM certificate, PEM public key, or JWK / JWK set. */
function verificationKeys(name: string, material: string): KeyObject[] {
  const text = material.trim();
  if (text.startsWith('-----BEGIN CERTIFICATE-----')) {
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (text.replace(blocks.join(''), '').replace(/\s+/g, '') !== '' && blocks.length === 1) {
      throw builtinError(name, 'extra data after a PEM certificate block');
    }
    try {
      return blocks.map((b) => new X509Certificate(b).publicKey);
    } catch (err) {
      throw builtinError(name, 'failed to parse a PEM certificate', err);
    }
  }
  if (text.startsWith('-----BEGIN')) {
    try {
      return [createPublicKey(text)];
    } catch (err) {
      throw builtinError(name, 'failed to extract a Key from the PEM certificate', err);
    }
  }
  try {
    const jwk = JSON.parse(text) as JsonValue;
    const keys = isObject(jwk) && Array.isArray(jwk['keys']) ? jwk['keys'] : [jwk];
    return keys.map((k) => createPublicKey({ key: k as JsonObject as never, format: 'jwk' }));
  } catch (err) {
    throw builtinError(name, 'failed to parse a JWK key (set)', err);
  }
}

function verifySignature(alg: string, key: KeyObject | Buffer, input: string, sig: Buffer): boolean {
  const family = alg.slice(0, 2);
  const hash = algHash[alg.slice(2)];
  const data = Buffer.from(input, 'utf8');
  try {
    if (family === 'HS' && hash !== undefined) {
      const mac = createHmac(hash, key as Buffer).update(data).digest();
      return mac.length === sig.length && timingSafeEqual(mac, sig);
    }
    if (alg === 'EdDSA') return cryptoVerify(null, data, key as KeyObject, sig);
    if (hash === undefined) return false;
    if (family === 'RS') return cryptoVerify(hash, data, key as KeyObject, sig);
    if (family === 'PS') {
      return cryptoVerify(hash, data, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
    }
    if (family === 'ES') return cryptoVerify(hash, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' }, sig);
  } catch {
    return false;
  }
  return false;
}

function verifier(name: string, alg: string) {
  return defineBuiltin(name, (jwt, keyText) => {
    const token = decodeToken(name, jwt as string);
    if (alg.startsWith('HS')) return verifySignature(alg, Buffer.from(keyText as string, 'utf8'), token.signingInput, token.signature);
    const keys = verificationKeys(name, keyText as string);
    const want = alg === 'EdDSA' ? token.header['alg'] : alg;
    if (want !== token.header['alg'] && alg !== 'EdDSA') return false;
    return keys.some((k) => verifySignature(alg, k, token.signingInput, token.signature));
  });
}

const constraintKeys = new Set(['cert', 'secret', 'alg', 'iss', 'aud', 'time']);

function decodeVerify(jwt: string, constraints: JsonObject): JsonValue {
  const name = 'io.jwt.decode_verify';
  for (const k of Object.keys(constraints)) {
    if (!constraintKeys.has(k)) throw builtinError(name, `unknown token validation constraint: ${k}`);
  }
  const cert = constraints['cert'];
  const secret = constraints['secret'];
  if (cert !== undefined && secret !== undefined) throw builtinError(name, 'duplicate key constraints: cert and secret');
  if (cert === undefined && secret === undefined) throw builtinError(name, 'token validation constraints must include cert or secret');
  const invalid: JsonValue = [false, {}, {}];
  const token = decodeToken(name, jwt);
  const alg = token.header['alg'];
  if (typeof alg !== 'string') return invalid;
  if (constraints['alg'] !== undefined && constraints['alg'] !== alg) return invalid;
  let ok: boolean;
  if (typeof secret === 'string') ok = alg.startsWith('HS') && verifySignature(alg, Buffer.from(secret, 'utf8'), token.signingInput, token.signature);
  else if (typeof cert === 'string') ok = !alg.startsWith('HS') && verificationKeys(name, cert).some((k) => verifySignature(alg, k, token.signingInput, token.signature));
  else throw builtinError(name, 'cert and secret constraints must be strings');
  if (!ok) return invalid;
  // No JWS extension is supported, so a token that marks any as critical cannot be accepted (RFC 7515 §4.1.11).
  if (token.header['crit'] !== undefined) return invalid;
  if (isNested(token.header)) return decodeVerify(token.payload as string, constraints);
  const payload = token.payload;
  if (!isObject(payload)) return invalid;
  const nowNs = typeof constraints['time'] === 'number' ? constraints['time'] : Date.now() * 1e6;
  const exp = payload['exp'];
  if (exp !== undefined) {
    if (typeof exp !== 'number') throw builtinError(name, 'exp value must be a number');
    if (nowNs >= exp * 1e9) return invalid;
  }
  const nbf = payload['nbf'];
  if (nbf !== undefined) {
    if (typeof nbf !== 'number') throw builtinError(name, 'nbf value must be a number');
    if (nowNs < nbf * 1e9) return invalid;
  }
  if (constraints['iss'] !== undefined && payload['iss'] !== constraints['iss']) return invalid;
  const aud = payload['aud'];
  const wantAud = constraints['aud'];
  if (aud !== undefined) {
    if (typeof wantAud !== 'string') return invalid;
    const auds = Array.isArray(aud) ? aud : [aud];
    if (!auds.includes(wantAud)) return invalid;
  } else if (wantAud !== undefined) return invalid;
  return [true, token.header, payload];
}

function signingKey(name: string, alg: string, jwk: JsonValue): KeyObject | Buffer {
  if (!isObject(jwk)) throw builtinError(name, 'failed to parse a JWK key');
  if (alg.startsWith('HS')) {
    if (typeof jwk['k'] !== 'string') throw builtinError(name, 'JWK of type oct needs "k"');
    return Buffer.from(jwk['k'], 'base64url');
  }
  try {
    return createPrivateKey({ key: jwk as never, format: 'jwk' });
  } catch (err) {
    throw builtinError(name, 'failed to parse a JWK key', err);
  }
}

function signToken(name: string, headerText: string, payloadText: string, jwk: JsonValue): string {
  let header: JsonValue;
  try {
    if (headerText === '') throw new Error('cannot parse empty string');
    header = JSON.parse(headerText) as JsonValue;
  } catch (err) {
    const detail = (err as Error).message === 'cannot parse empty string' ? 'cannot parse JSON: cannot parse empty string' : 'cannot parse JSON';
    throw builtinError(name, `missing or invalid 'alg' header: ${detail}`, err);
  }
  if (!isObject(header)) throw builtinError(name, `missing or invalid 'alg' header: cannot parse JSON`);
  const alg = header['alg'];
  if (typeof alg !== 'string') throw builtinError(name, `missing or invalid 'alg' header: jwsbb: header "alg" not found`);
  const family = alg.slice(0, 2);
  const hash = algHash[alg.slice(2)];
  if (alg !== 'EdDSA' && (hash === undefined || !['HS', 'RS', 'PS', 'ES'].includes(family))) throw builtinError(name, `unknown JWS algorithm: ${alg}`);
  if (header['typ'] === 'JWT' || header['typ'] === undefined) {
    try {
      JSON.parse(payloadText);
    } catch (err) {
      throw builtinError(name, 'type is JWT but payload is not JSON', err);
    }
  }
  const input = `${b64url(headerText)}.${b64url(payloadText)}`;
  const key = signingKey(name, alg, jwk);
  const data = Buffer.from(input, 'utf8');
  let sig: Buffer;
  try {
    if (family === 'HS') sig = createHmac(hash!, key as Buffer).update(data).digest();
    else if (alg === 'EdDSA') sig = cryptoSign(null, data, key as KeyObject);
    else if (family === 'RS') sig = cryptoSign(hash!, data, key as KeyObject);
    else if (family === 'PS') sig = cryptoSign(hash!, data, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    else sig = cryptoSign(hash!, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  } catch (err) {
    throw builtinError(name, `failed to sign token: ${(err as Error).message}`, err);
  }
  return `${input}.${b64url(sig)}`;
}

/** The JWT builtins by name. */
export const jwtBuiltins: JsBuiltinTable = {
  'io.jwt.decode': defineBuiltin('io.jwt.decode', (jwt) => {
    let t = decodeToken('io.jwt.decode', jwt as string);
    while (isNested(t.header)) t = decodeToken('io.jwt.decode', t.payload as string);
    return [t.header, t.payload, t.signature.toString('hex')];
  }),
  'io.jwt.decode_verify': defineBuiltin('io.jwt.decode_verify', (jwt, constraints) => decodeVerify(jwt as string, constraints as JsonObject)),
  'io.jwt.encode_sign': defineBuiltin('io.jwt.encode_sign', (header, payload, key) =>
    signToken('io.jwt.encode_sign', marshalJson(header!), marshalJson(payload!), key!),
  ),
  'io.jwt.encode_sign_raw': defineBuiltin('io.jwt.encode_sign_raw', (header, payload, key) => {
    let jwk: JsonValue;
    try {
      jwk = JSON.parse(key as string) as JsonValue;
    } catch (err) {
      throw builtinError('io.jwt.encode_sign_raw', 'failed to parse a JWK key', err);
    }
    return signToken('io.jwt.encode_sign_raw', header as string, payload as string, jwk);
  }),
  ...Object.fromEntries(
    ['hs256', 'hs384', 'hs512', 'rs256', 'rs384', 'rs512', 'ps256', 'ps384', 'ps512', 'es256', 'es384', 'es512'].map((a) => [
      `io.jwt.verify_${a}`,
      verifier(`io.jwt.verify_${a}`, a.toUpperCase()),
    ]),
  ),
  'io.jwt.verify_eddsa': verifier('io.jwt.verify_eddsa', 'EdDSA'),
};
