import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, callError } from './sdk-call.ts';
import { certPem, keyPem } from './fixtures.ts';

const ecJwk = createPrivateKey(keyPem).export({ format: 'jwk' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaJwk = rsa.privateKey.export({ format: 'jwk' });
const rsaPublicPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string;
const rsaPublicJwk = JSON.stringify(rsa.publicKey.export({ format: 'jwk' }));
const ed = generateKeyPairSync('ed25519');
const secret = 'shh';
const octJwk = { kty: 'oct', k: Buffer.from(secret).toString('base64url') };

function tamper(token: string): string {
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
  payload['sub'] = 'mallory';
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}

describe('JWT builtins', () => {
  it('signs and verifies HS256 tokens', () => {
    const token = call('io.jwt.encode_sign', { alg: 'HS256', typ: 'JWT' }, { sub: 'alice' }, octJwk) as string;
    expect(call('io.jwt.verify_hs256', token, secret)).toBe(true);
    expect(call('io.jwt.verify_hs256', token, 'wrong')).toBe(false);
    expect(call('io.jwt.verify_hs256', tamper(token), secret)).toBe(false);
    expect(call('io.jwt.decode', token)).toEqual([{ alg: 'HS256', typ: 'JWT' }, { sub: 'alice' }, expect.stringMatching(/^[0-9a-f]{64}$/)]);
  });

  it('signs ES256 with a JWK and verifies with the certificate', () => {
    const token = call('io.jwt.encode_sign', { alg: 'ES256' }, { sub: 'alice' }, ecJwk) as string;
    expect(call('io.jwt.verify_es256', token, certPem)).toBe(true);
    expect(call('io.jwt.verify_es256', tamper(token), certPem)).toBe(false);
    expect(call('io.jwt.verify_rs256', token, certPem)).toBe(false);
  });

  it('verifies RS256 and PS256 with a PEM public key or a JWK set', () => {
    for (const alg of ['RS256', 'PS384'] as const) {
      const token = call('io.jwt.encode_sign', { alg }, { n: 1 }, rsaJwk) as string;
      const verify = `io.jwt.verify_${alg.toLowerCase()}`;
      expect(call(verify, token, rsaPublicPem)).toBe(true);
      expect(call(verify, token, JSON.stringify({ keys: [JSON.parse(rsaPublicJwk)] }))).toBe(true);
      expect(call(verify, tamper(token), rsaPublicPem)).toBe(false);
    }
  });

  it('verifies EdDSA', () => {
    const token = call('io.jwt.encode_sign', { alg: 'EdDSA' }, { a: 1 }, ed.privateKey.export({ format: 'jwk' })) as string;
    expect(call('io.jwt.verify_eddsa', token, ed.publicKey.export({ format: 'pem', type: 'spki' }) as string)).toBe(true);
  });

  it('encode_sign_raw signs the given text verbatim', () => {
    const token = call('io.jwt.encode_sign_raw', '{"alg":"HS256"}', '{"b":1,"a":2}', JSON.stringify(octJwk)) as string;
    expect(Buffer.from(token.split('.')[1]!, 'base64url').toString()).toBe('{"b":1,"a":2}');
    expect(callError('io.jwt.encode_sign_raw', '{"alg":"dummy"}', '{}', JSON.stringify(octJwk))).toMatchObject({ message: 'io.jwt.encode_sign_raw: unknown JWS algorithm: dummy' });
    expect(callError('io.jwt.encode_sign_raw', '{}', '{}', JSON.stringify(octJwk))).toMatchObject({ code: 'eval_builtin_error' });
    expect(callError('io.jwt.encode_sign_raw', '{"typ":"JWT","alg":"HS256"}', '{nope', JSON.stringify(octJwk))).toMatchObject({
      message: 'io.jwt.encode_sign_raw: type is JWT but payload is not JSON',
    });
  });

  it('decode fails on malformed tokens with OPA\'s messages', () => {
    expect(callError('io.jwt.decode', 'abc')).toMatchObject({ message: 'io.jwt.decode: encoded JWT had no period separators' });
    expect(callError('io.jwt.decode', 'a.b')).toMatchObject({ message: 'io.jwt.decode: encoded JWT must have 3 sections, found 2' });
    expect(callError('io.jwt.decode', 'a.b.c.d.e')).toMatchObject({ message: 'io.jwt.decode: JWT is a JWE object, which is not supported' });
  });

  describe('#decode_verify', () => {
    const nowNs = 1_700_000_000e9;
    const token = call('io.jwt.encode_sign', { alg: 'HS256' }, { iss: 'me', aud: 'you', exp: 1_700_000_100, nbf: 1_699_999_900 }, octJwk) as string;

    it('returns [true, header, payload] when signature and claims check out', () => {
      expect(call('io.jwt.decode_verify', token, { secret, iss: 'me', aud: 'you', time: nowNs })).toEqual([
        true,
        { alg: 'HS256' },
        { iss: 'me', aud: 'you', exp: 1_700_000_100, nbf: 1_699_999_900 },
      ]);
    });

    it('returns [false, {}, {}] for a bad signature, expiry, issuer or audience', () => {
      const bad = [false, {}, {}];
      expect(call('io.jwt.decode_verify', token, { secret: 'x', aud: 'you', time: nowNs })).toEqual(bad);
      expect(call('io.jwt.decode_verify', token, { secret, aud: 'you', time: 1_700_000_200e9 })).toEqual(bad);
      expect(call('io.jwt.decode_verify', token, { secret, aud: 'you', time: 1_699_999_000e9 })).toEqual(bad);
      expect(call('io.jwt.decode_verify', token, { secret, aud: 'you', iss: 'other', time: nowNs })).toEqual(bad);
      expect(call('io.jwt.decode_verify', token, { secret, time: nowNs })).toEqual(bad);
      expect(call('io.jwt.decode_verify', token, { secret, aud: 'you', alg: 'RS256', time: nowNs })).toEqual(bad);
    });

    it('verifies with a certificate', () => {
      const es = call('io.jwt.encode_sign', { alg: 'ES256' }, { sub: 'x' }, ecJwk) as string;
      expect(call('io.jwt.decode_verify', es, { cert: certPem })).toEqual([true, { alg: 'ES256' }, { sub: 'x' }]);
    });

    it('rejects unknown constraints and non-numeric exp', () => {
      expect(callError('io.jwt.decode_verify', token, { secret, bogus: 1 })).toMatchObject({ code: 'eval_builtin_error' });
      const t = call('io.jwt.encode_sign', { alg: 'HS256' }, { exp: 'soon' }, octJwk) as string;
      expect(callError('io.jwt.decode_verify', t, { secret })).toMatchObject({ message: 'io.jwt.decode_verify: exp value must be a number' });
    });
  });
});
