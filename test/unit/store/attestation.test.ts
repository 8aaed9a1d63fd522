import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertAttestation, checkAttestation, loadTrustedKeys, parseAttestation, signAttestation, type Attestation, type TrustedKey } from '../../../src/store/index.ts';
import { keyIdOf } from '../../../src/store/index.ts';

const claims = { name: 'greeter', version: '1.0.0', digest: `sha256:${'a'.repeat(64)}`, policyRevision: 'sha256:p', tests: { passed: 3, total: 3 }, time: '2026-01-01T00:00:00.000Z' };
const expected = { name: 'greeter', version: '1.0.0', digest: claims.digest };

function keyPair(): { privateKey: ReturnType<typeof generateKeyPairSync>['privateKey']; trusted: TrustedKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, trusted: { keyId: keyIdOf(publicKey), publicKey } };
}

describe('attestation', () => {
  it('verifies when signed by a trusted key over the current digest', () => {
    const { privateKey, trusted } = keyPair();
    const attestation = signAttestation(claims, privateKey);
    expect(attestation.verifier).toBe(trusted.keyId);
    expect(attestation.verifier).toMatch(/^[0-9a-f]{16}$/);
    expect(checkAttestation(attestation, expected, [trusted])).toBeNull();
  });

  it('survives a JSON round trip with keys in another order', () => {
    const { privateKey, trusted } = keyPair();
    const attestation = signAttestation(claims, privateKey);
    const reordered = Object.fromEntries(Object.entries(attestation).reverse());
    const parsed = parseAttestation(JSON.stringify(reordered));
    expect(checkAttestation(parsed as Attestation, expected, [trusted])).toBeNull();
  });

  it('rejects a forged signature', () => {
    const { privateKey, trusted } = keyPair();
    const forger = keyPair();
    const genuine = signAttestation(claims, privateKey);
    const forged = { ...signAttestation(claims, forger.privateKey), verifier: trusted.keyId };
    expect(checkAttestation(forged, expected, [trusted])).toEqual({ type: 'bad-signature' });
    expect(checkAttestation({ ...genuine, tests: { passed: 4, total: 4 } }, expected, [trusted])).toEqual({ type: 'bad-signature' });
  });

  it('rejects an attestation by a key that is not trusted', () => {
    const { privateKey } = keyPair();
    const other = keyPair();
    const attestation = signAttestation(claims, privateKey);
    expect(checkAttestation(attestation, expected, [other.trusted])).toEqual({ type: 'untrusted-key', verifier: attestation.verifier });
  });

  it('rejects a stale attestation whose digest is not the current one', () => {
    const { privateKey, trusted } = keyPair();
    const attestation = signAttestation(claims, privateKey);
    const now = { ...expected, digest: `sha256:${'b'.repeat(64)}` };
    expect(checkAttestation(attestation, now, [trusted])).toEqual({ type: 'digest-mismatch', attested: claims.digest, actual: now.digest });
  });

  it('rejects a genuine attestation copied to another workflow', () => {
    const { privateKey, trusted } = keyPair();
    const attestation = signAttestation(claims, privateKey);
    expect(checkAttestation(attestation, { ...expected, name: 'other' }, [trusted])?.type).toBe('identity-mismatch');
  });

  it('assertAttestation throws ATTESTATION_INVALID with the problem', () => {
    const { privateKey, trusted } = keyPair();
    const attestation = signAttestation(claims, privateKey);
    expect(() => assertAttestation(attestation, expected, [trusted])).not.toThrow();
    expect(() => assertAttestation({ type: 'missing' }, expected, [trusted])).toThrow(
      expect.objectContaining({ code: 'ATTESTATION_INVALID', message: 'Cannot trust workflow "greeter@1.0.0": no attestation.json' }),
    );
  });

  it('explains malformed attestation files', () => {
    expect(parseAttestation('nope')).toMatchObject({ type: 'malformed' });
    expect(parseAttestation('{"name":1}')).toMatchObject({ type: 'malformed', reason: '"name" is not a string' });
  });

  it('loads trusted keys from inline PEM and refuses a non-Ed25519 key', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const [key] = await loadTrustedKeys([publicKey.export({ type: 'spki', format: 'pem' }).toString()]);
    expect(key?.keyId).toBe(keyIdOf(publicKey));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(loadTrustedKeys([rsa])).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
