/**
 * Ed25519 keys for workflow attestations: generation, loading, and the short key id that names a
 * verifier in an attestation.
 *
 * Keys are PEM (PKCS#8 private, SPKI public) so `openssl` and every other tool read them. A key id is
 * the first 16 hex digits of sha256 over the public key's DER: stable, short enough to print, and
 * computed from the key itself so an attestation cannot claim a verifier it was not signed by.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonError } from '../errors/index.ts';

/** A public key an attestation may be signed by. */
export interface TrustedKey {
  readonly keyId: string;
  readonly publicKey: KeyObject;
}

/** The file names `writeKeyPair` uses. */
export const keyFileNames = { privateKey: 'aiws-signing.key.pem', publicKey: 'aiws-signing.pub.pem' } as const;

/** The short id of a public key: 16 hex digits of sha256 over its SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Generates an Ed25519 key pair as PEM strings. */
export function generateSigningKeyPair(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/**
 * Writes a fresh key pair into `dir` (created if missing): the private key with mode 0600.
 * Refuses to overwrite existing key files.
 * @throws CONFIG_INVALID when a key file already exists
 */
export async function writeSigningKeyPair(dir: string): Promise<{ privateKeyPath: string; publicKeyPath: string; keyId: string }> {
  const pair = generateSigningKeyPair();
  await mkdir(dir, { recursive: true });
  const privateKeyPath = join(dir, keyFileNames.privateKey);
  const publicKeyPath = join(dir, keyFileNames.publicKey);
  try {
    await writeFile(privateKeyPath, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
    await writeFile(publicKeyPath, pair.publicKeyPem, { mode: 0o644, flag: 'wx' });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new DaemonError('CONFIG_INVALID', `Cannot write key pair into "${dir}": a key file already exists`, { cause });
    }
    throw cause;
  }
  // The umask may have widened the mode given to open(); make 0600 certain.
  await chmod(privateKeyPath, 0o600);
  return { privateKeyPath, publicKeyPath, keyId: pair.keyId };
}

/**
 * Loads an Ed25519 private key from a PEM file.
 * @throws CONFIG_INVALID when the file is missing or holds no Ed25519 private key
 */
export async function loadSigningKey(path: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new DaemonError('CONFIG_INVALID', `Cannot load signing key "${path}": ${(cause as Error).message}`, { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new DaemonError('CONFIG_INVALID', `Cannot load signing key "${path}": it is not an Ed25519 key`);
  return key;
}

/**
 * Loads trusted public keys, each given as a PEM string or a path to a PEM file (public or private;
 * a private key contributes its public half).
 * @throws CONFIG_INVALID when an entry cannot be read or is not an Ed25519 key
 */
export async function loadTrustedKeys(entries: readonly string[]): Promise<TrustedKey[]> {
  const keys: TrustedKey[] = [];
  for (const entry of entries) {
    const isPem = entry.includes('-----BEGIN');
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(isPem ? entry : await readFile(entry, 'utf8'));
    } catch (cause) {
      throw new DaemonError('CONFIG_INVALID', `Cannot load trusted key ${isPem ? '(inline PEM)' : `"${entry}"`}: ${(cause as Error).message}`, { cause });
    }
    if (publicKey.asymmetricKeyType !== 'ed25519') {
      throw new DaemonError('CONFIG_INVALID', `Cannot load trusted key ${isPem ? '(inline PEM)' : `"${entry}"`}: it is not an Ed25519 key`);
    }
    keys.push({ keyId: keyIdOf(publicKey), publicKey });
  }
  return keys;
}
