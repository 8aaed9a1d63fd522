/**
 * Signed attestations: the record `aiws workflow verify` leaves in `attestation.json` saying that one
 * exact content digest of one workflow version passed verification under one policy revision.
 *
 * The signature is Ed25519 over the canonical JSON of every other field, so no field (digest, test
 * counts, time) can be changed without breaking it. Verification checks the signature against the
 * trusted keys AND that the attested digest equals the digest of the files as they are now, so a
 * workflow edited after verification is unverified until verified again.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonError } from '../errors/index.ts';
import { canonicalJson } from './canonical-json.ts';
import { attestationFileName } from './content-digest.ts';
import { keyIdOf, type TrustedKey } from './signing-keys.ts';

/** What verification produced, before signing. */
export interface AttestationClaims {
  readonly name: string;
  readonly version: string;
  /** `sha256:<hex>` content digest (content-digest.ts). */
  readonly digest: string;
  /** The policy revision the recorded calls were decided under. */
  readonly policyRevision: string;
  readonly tests: { readonly passed: number; readonly total: number };
  /** Key id of the signing key (signing-keys.ts `keyIdOf`). */
  readonly verifier: string;
  /** ISO 8601 time of verification. */
  readonly time: string;
}

/** `attestation.json`: the claims plus a base64 Ed25519 signature over their canonical JSON. */
export interface Attestation extends AttestationClaims {
  readonly signature: string;
}

/** Why an attestation does not verify a workflow version (null when it does). */
export type AttestationProblem =
  | { readonly type: 'missing' }
  | { readonly type: 'malformed'; readonly reason: string }
  | { readonly type: 'untrusted-key'; readonly verifier: string }
  | { readonly type: 'bad-signature' }
  | { readonly type: 'digest-mismatch'; readonly attested: string; readonly actual: string }
  | { readonly type: 'identity-mismatch'; readonly reason: string };

/** Signs `claims` (with `verifier` filled in from the key) and returns the attestation. */
export function signAttestation(claims: Omit<AttestationClaims, 'verifier'>, privateKey: KeyObject): Attestation {
  const full: AttestationClaims = { ...claims, verifier: keyIdOf(createPublicKey(privateKey)) };
  const signature = sign(null, Buffer.from(canonicalJson(full)), privateKey).toString('base64');
  return { ...full, signature };
}

/** Parses attestation JSON text, or explains why it is not one. */
export function parseAttestation(text: string): Attestation | AttestationProblem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { type: 'malformed', reason: `not JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { type: 'malformed', reason: 'not an object' };
  const v = value as Record<string, unknown>;
  for (const key of ['name', 'version', 'digest', 'policyRevision', 'verifier', 'time', 'signature']) {
    if (typeof v[key] !== 'string') return { type: 'malformed', reason: `"${key}" is not a string` };
  }
  const tests = v.tests as Record<string, unknown> | undefined;
  if (tests === null || typeof tests !== 'object' || !Number.isInteger(tests.passed) || !Number.isInteger(tests.total)) {
    return { type: 'malformed', reason: '"tests" is not {passed, total}' };
  }
  const known = new Set(['name', 'version', 'digest', 'policyRevision', 'tests', 'verifier', 'time', 'signature']);
  const extra = Object.keys(v).find((key) => !known.has(key));
  if (extra !== undefined) return { type: 'malformed', reason: `unknown key "${extra}"` };
  return v as unknown as Attestation;
}

/** Checks `attestation` against the trusted keys and the expected identity and digest. */
export function checkAttestation(
  attestation: Attestation,
  expected: { readonly name: string; readonly version: string; readonly digest: string },
  trustedKeys: readonly TrustedKey[],
): AttestationProblem | null {
  const key = trustedKeys.find((candidate) => candidate.keyId === attestation.verifier);
  if (key === undefined) return { type: 'untrusted-key', verifier: attestation.verifier };
  const { signature, ...claims } = attestation;
  let valid = false;
  try {
    valid = verify(null, Buffer.from(canonicalJson(claims)), key.publicKey, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return { type: 'bad-signature' };
  if (attestation.name !== expected.name || attestation.version !== expected.version) {
    return { type: 'identity-mismatch', reason: `attests "${attestation.name}@${attestation.version}", not "${expected.name}@${expected.version}"` };
  }
  if (attestation.digest !== expected.digest) return { type: 'digest-mismatch', attested: attestation.digest, actual: expected.digest };
  if (attestation.tests.passed !== attestation.tests.total) return { type: 'malformed', reason: 'not every test passed' };
  return null;
}

/** Reads `attestation.json` of a version directory; a problem when absent or malformed. */
export async function readAttestation(dir: string): Promise<Attestation | AttestationProblem> {
  let text: string;
  try {
    text = await readFile(join(dir, attestationFileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { type: 'missing' };
    throw error;
  }
  return parseAttestation(text);
}

/** True when `value` is a problem rather than an attestation. */
export function isAttestationProblem(value: Attestation | AttestationProblem): value is AttestationProblem {
  return 'type' in value;
}

/** One line saying what is wrong with an attestation. */
export function describeAttestationProblem(problem: AttestationProblem): string {
  switch (problem.type) {
    case 'missing': return 'no attestation.json';
    case 'malformed': return `attestation is malformed: ${problem.reason}`;
    case 'untrusted-key': return `attestation is signed by key "${problem.verifier}", which is not trusted`;
    case 'bad-signature': return 'attestation signature does not verify';
    case 'digest-mismatch': return `files changed since verification: attested ${problem.attested}, now ${problem.actual}`;
    case 'identity-mismatch': return `attestation ${problem.reason}`;
  }
}

/** Writes `attestation` as `attestation.json` into `dir` (pretty-printed, trailing newline); returns its path. */
export async function writeAttestation(dir: string, attestation: Attestation): Promise<string> {
  const path = join(dir, attestationFileName);
  await writeFile(path, `${JSON.stringify(attestation, null, 2)}\n`);
  return path;
}

/**
 * Throws unless `attestation` verifies; for callers that need a hard answer.
 * @throws ATTESTATION_INVALID with `details.problem`
 */
export function assertAttestation(
  attestation: Attestation | AttestationProblem,
  expected: { readonly name: string; readonly version: string; readonly digest: string },
  trustedKeys: readonly TrustedKey[],
): void {
  const problem = isAttestationProblem(attestation) ? attestation : checkAttestation(attestation, expected, trustedKeys);
  if (problem !== null) {
    throw new DaemonError('ATTESTATION_INVALID', `Cannot trust workflow "${expected.name}@${expected.version}": ${describeAttestationProblem(problem)}`, { details: { problem } });
  }
}
