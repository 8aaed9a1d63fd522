import { describe, expect, it } from 'vitest';
import { call, callError } from './sdk-call.ts';
import { certPem, keyPem, leafCsrPem, leafPem, rootCaPem } from './fixtures.ts';

describe('crypto builtins', () => {
  it('hashes UTF-8 text to lowercase hex', () => {
    expect(call('crypto.md5', 'abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(call('crypto.sha1', 'abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(call('crypto.sha256', 'abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('computes HMACs and compares them in constant time', () => {
    expect(call('crypto.hmac.sha256', 'message', 'key')).toBe('6e9ef29b75fffc5b7abae527d58fdadb2fe42e7219011976917343065f58ed4a');
    expect(call('crypto.hmac.md5', 'message', 'key')).toBe('4e4748e62b463521f6775fbf921234b5');
    expect([call('crypto.hmac.equal', 'abc', 'abc'), call('crypto.hmac.equal', 'abc', 'abd'), call('crypto.hmac.equal', 'a', 'ab')]).toEqual([true, false, false]);
  });

  it('parses certificates from PEM, base64 PEM and base64 DER', () => {
    const der = certPem.replace(/-----[A-Z ]+-----|\s/g, '');
    for (const input of [certPem, Buffer.from(certPem).toString('base64'), der]) {
      const [cert] = call('crypto.x509.parse_certificates', input) as Record<string, unknown>[];
      expect(cert!['Subject']).toMatchObject({ CommonName: 'policy.example', Country: ['DE'], Organization: ['aiws test'] });
      expect(cert!['DNSNames']).toEqual(['policy.example', 'www.policy.example']);
      expect(cert!['IsCA']).toBe(true);
    }
    expect(callError('crypto.x509.parse_certificates', 'not a cert')).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('parse_and_verify_certificates takes root first, leaf last, and returns the chain leaf first', () => {
    const [ok, certs] = call('crypto.x509.parse_and_verify_certificates', rootCaPem + leafPem) as [boolean, Record<string, Record<string, unknown>>[]];
    expect(ok).toBe(true);
    expect(certs.map((c) => c['Subject']!['CommonName'])).toEqual(['leaf.example', 'aiws test root']);
    expect(certs[0]!['URIStrings']).toEqual(['spiffe://example.test/leaf']);
    expect(call('crypto.x509.parse_and_verify_certificates', leafPem + rootCaPem)).toEqual([false, []]);
    expect(call('crypto.x509.parse_and_verify_certificates', certPem)).toEqual([false, []]);
    expect(call('crypto.x509.parse_and_verify_certificates', certPem + leafPem)).toEqual([false, []]);
  });

  it('parses certificate requests (PEM or base64) and checks their signature', () => {
    const csr = call('crypto.x509.parse_certificate_request', leafCsrPem) as Record<string, Record<string, unknown>>;
    expect(csr['Subject']).toMatchObject({ CommonName: 'leaf.example' });
    expect(call('crypto.x509.parse_certificate_request', Buffer.from(leafCsrPem).toString('base64'))).toEqual(csr);
    const der = Buffer.from(leafCsrPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    der[der.length - 5] = der[der.length - 5]! ^ 0xff;
    expect(callError('crypto.x509.parse_certificate_request', der.toString('base64'))).toMatchObject({ code: 'eval_builtin_error' });
    expect(callError('crypto.x509.parse_certificate_request', 'bm9wZQ==')).toMatchObject({ code: 'eval_builtin_error' });
  });

  it('parse_keypair pairs a certificate with its private key', () => {
    const pair = call('crypto.x509.parse_keypair', certPem, keyPem) as { Certificate: string[] };
    expect(pair.Certificate).toEqual([certPem.replace(/-----[A-Z ]+-----|\s/g, '')]);
    expect(callError('crypto.x509.parse_keypair', leafPem, keyPem)).toMatchObject({ message: 'crypto.x509.parse_keypair: tls: private key does not match public key' });
  });

  it('parses private keys to JWKs', () => {
    expect(call('crypto.parse_private_keys', keyPem)).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256' })]);
    expect(call('crypto.parse_private_keys', '')).toEqual([]);
    expect(callError('crypto.x509.parse_rsa_private_key', keyPem)).toMatchObject({ code: 'eval_builtin_error' });
  });
});

describe('misc builtins', () => {
  it('semver validates strictly and compares by precedence', () => {
    expect([call('semver.is_valid', '1.2.3-rc.1+b5'), call('semver.is_valid', 'v1.2.3'), call('semver.is_valid', 1)]).toEqual([true, false, false]);
    expect([call('semver.compare', '1.0.0', '2.0.0'), call('semver.compare', '1.0.0-alpha', '1.0.0'), call('semver.compare', '1.0.0+a', '1.0.0+b')]).toEqual([-1, -1, 0]);
    expect(callError('semver.compare', '1.0.0', '1')).toMatchObject({ message: 'semver.compare: operand 2: string "1" is not a valid SemVer' });
  });

  it('uuid.parse reads the version, variant and v1/v2 fields', () => {
    expect(call('uuid.parse', '{00000000-0000-4000-8000-000000000000}')).toEqual({ version: 4, variant: 'RFC4122' });
    expect(call('uuid.parse', 'urn:uuid:000003e8-48b9-21ee-b200-325096b39f47')).toEqual({
      version: 2, variant: 'RFC4122', time: 1693566990121469600, clocksequence: 12800, nodeid: '32-50-96-b3-9f-47',
      macvariables: 'local:unicast', domain: 'Person', id: 1000,
    });
    expect(call('uuid.parse', 'not-a-uuid')).toBeUndefined();
  });

  it('uuid.rfc4122 gives a version 4 UUID, the same for the same key', () => {
    const a = call('uuid.rfc4122', 'k') as string;
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(call('uuid.rfc4122', 'k')).toBe(a);
    expect(call('uuid.rfc4122', 'other')).not.toBe(a);
  });

  it('cast_* check kinds (sets arrive as arrays)', () => {
    expect(call('cast_set', [2, 1, 2])).toEqual([1, 2]);
    expect(callError('cast_boolean', 1)).toMatchObject({ code: 'eval_type_error' });
  });
});
