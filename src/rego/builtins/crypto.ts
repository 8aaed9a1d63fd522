/**
 * Crypto builtins over `node:crypto`: digests, HMACs, constant-time comparison, and X.509 parsing
 * (`crypto.x509.parse_certificates`, `parse_and_verify_certificates`, `parse_certificate_request`,
 * `parse_rsa_private_key`, `crypto.parse_private_keys`, `parse_keypair`).
 *
 * OPA returns Go's `x509.Certificate` marshalled to JSON; aiws returns the commonly used subset of
 * those fields under the same names (`Subject.CommonName`, `DNSNames`, `NotAfter`, `IsCA`, ...).
 */
import { createHash, createHmac, createPrivateKey, timingSafeEqual, X509Certificate } from 'node:crypto';
import { builtinError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { JsonObject, JsonValue } from './value.ts';

const bytes = (s: JsonValue): Buffer => Buffer.from(s as string, 'utf8');

function hmac(name: string, alg: string) {
  return defineBuiltin(name, (message, key) => createHmac(alg, bytes(key!)).update(bytes(message!)).digest('hex'));
}

function digest(name: string, alg: string) {
  return defineBuiltin(name, (s) => createHash(alg).update(bytes(s!)).digest('hex'));
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

interface PemBlock {
  readonly type: string;
  readonly der: Buffer;
}

/** PEM blocks in `text`; `undefined` when it contains none. */
function pemBlocks(text: string): PemBlock[] | undefined {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) out.push({ type: m[1]!, der: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') });
  return out.length === 0 ? undefined : out;
}

/** Input as OPA reads it: PEM, base64 of PEM, or base64 of DER. */
function derBlocks(name: string, input: string, wantType: string): Buffer[] {
  const direct = pemBlocks(input);
  if (direct !== undefined) return direct.filter((b) => b.type === wantType).map((b) => b.der);
  const decoded = Buffer.from(input, 'base64');
  if (decoded.length === 0) throw builtinError(name, 'failed to decode input');
  const inner = pemBlocks(decoded.toString('latin1'));
  if (inner !== undefined) return inner.filter((b) => b.type === wantType).map((b) => b.der);
  return [decoded];
}

/** A certificate chain in DER order: each certificate is one X509Certificate. */
function splitDerChain(der: Buffer): X509Certificate[] {
  const out: X509Certificate[] = [];
  let offset = 0;
  while (offset < der.length) {
    if (der[offset] !== 0x30) throw new Error('x509: malformed certificate');
    let len = der[offset + 1]!;
    let header = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[offset + 2 + i]!;
      header = 2 + n;
    }
    out.push(new X509Certificate(der.subarray(offset, offset + header + len)));
    offset += header + len;
  }
  return out;
}

const nameKeys: Record<string, string> = {
  C: 'Country', O: 'Organization', OU: 'OrganizationalUnit', L: 'Locality', ST: 'Province', street: 'StreetAddress', postalCode: 'PostalCode',
};

/** Go's `pkix.Name` from Node's `"C=US\nO=Google Inc\nCN=mail.google.com"`. */
function pkixName(text: string): JsonObject {
  const name: JsonObject = {
    Country: null, Organization: null, OrganizationalUnit: null, Locality: null, Province: null, StreetAddress: null, PostalCode: null,
    SerialNumber: '', CommonName: '',
  };
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq === -1) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'CN') name['CommonName'] = value;
    else if (key === 'serialNumber') name['SerialNumber'] = value;
    else {
      const field = nameKeys[key];
      if (field !== undefined) name[field] = [...((name[field] as string[] | null) ?? []), value];
    }
  }
  return name;
}

function altNames(cert: X509Certificate, prefix: string): string[] | null {
  const list = (cert.subjectAltName ?? '')
    .split(', ')
    .filter((p) => p.startsWith(`${prefix}:`))
    .map((p) => p.slice(prefix.length + 1));
  return list.length === 0 ? null : list;
}

/** Go's `x509.PublicKeyAlgorithm` numbering. */
const publicKeyAlgorithms: Record<string, number> = { rsa: 1, dsa: 2, ec: 3, ed25519: 4 };

function certificateJson(cert: X509Certificate): JsonObject {
  return {
    Raw: cert.raw.toString('base64'),
    Version: 3,
    SerialNumber: Number(BigInt(`0x${cert.serialNumber}`)),
    Issuer: pkixName(cert.issuer),
    Subject: pkixName(cert.subject),
    NotBefore: new Date(cert.validFrom).toISOString().replace('.000Z', 'Z'),
    NotAfter: new Date(cert.validTo).toISOString().replace('.000Z', 'Z'),
    IsCA: cert.ca,
    DNSNames: altNames(cert, 'DNS'),
    EmailAddresses: altNames(cert, 'email'),
    IPAddresses: altNames(cert, 'IP Address'),
    URIs: altNames(cert, 'URI'),
    PublicKeyAlgorithm: publicKeyAlgorithms[cert.publicKey.asymmetricKeyType ?? ''] ?? 0,
  };
}

/** Parse certificates from PEM or base64 (PEM or DER). */
export function parseCertificates(name: string, input: string): X509Certificate[] {
  try {
    const ders = derBlocks(name, input, 'CERTIFICATE');
    if (ders.length === 0) throw builtinError(name, 'failed to parse a PEM certificate');
    return ders.flatMap(splitDerChain);
  } catch (err) {
    if (err instanceof Error && err.name === 'BuiltinError') throw err;
    throw builtinError(name, 'x509: malformed certificate', err);
  }
}

function verifyChain(certs: X509Certificate[]): boolean {
  if (certs.length < 2) return false;
  for (let i = 0; i < certs.length - 1; i++) {
    if (!certs[i]!.checkIssued(certs[i + 1]!) || !certs[i]!.verify(certs[i + 1]!.publicKey)) return false;
  }
  const root = certs[certs.length - 1]!;
  const now = Date.now();
  return root.checkIssued(root) && certs.every((c) => new Date(c.validFrom).getTime() <= now && now <= new Date(c.validTo).getTime());
}

function privateKeyJson(name: string, pem: string): JsonObject {
  try {
    return createPrivateKey(pem).export({ format: 'jwk' }) as JsonObject;
  } catch (err) {
    throw builtinError(name, 'failed to parse private key', err);
  }
}

function decodeMaybeBase64(text: string): string {
  return text.includes('-----BEGIN') ? text : Buffer.from(text, 'base64').toString('utf8');
}

/** The crypto builtins by name. */
export const cryptoBuiltins: JsBuiltinTable = {
  'crypto.md5': digest('crypto.md5', 'md5'),
  'crypto.sha1': digest('crypto.sha1', 'sha1'),
  'crypto.sha256': digest('crypto.sha256', 'sha256'),
  'crypto.hmac.md5': hmac('crypto.hmac.md5', 'md5'),
  'crypto.hmac.sha1': hmac('crypto.hmac.sha1', 'sha1'),
  'crypto.hmac.sha256': hmac('crypto.hmac.sha256', 'sha256'),
  'crypto.hmac.sha512': hmac('crypto.hmac.sha512', 'sha512'),
  'crypto.hmac.equal': defineBuiltin('crypto.hmac.equal', (a, b) => {
    const x = bytes(a!);
    const y = bytes(b!);
    return x.length === y.length && timingSafeEqual(x, y);
  }),
  'crypto.x509.parse_certificates': defineBuiltin('crypto.x509.parse_certificates', (s) =>
    parseCertificates('crypto.x509.parse_certificates', s as string).map(certificateJson),
  ),
  'crypto.x509.parse_and_verify_certificates': defineBuiltin('crypto.x509.parse_and_verify_certificates', (s) => {
    let certs: X509Certificate[];
    try {
      certs = parseCertificates('crypto.x509.parse_and_verify_certificates', s as string);
    } catch {
      return [false, []];
    }
    // OPA lists the leaf first and the root last; a chain that does not verify yields [false, []].
    return verifyChain(certs) ? [true, certs.map(certificateJson)] : [false, []];
  }),
  'crypto.x509.parse_certificate_request': defineBuiltin('crypto.x509.parse_certificate_request', () => {
    throw builtinError('crypto.x509.parse_certificate_request', 'not supported by aiws: node:crypto cannot parse certificate requests');
  }),
  'crypto.x509.parse_rsa_private_key': defineBuiltin('crypto.x509.parse_rsa_private_key', (s) => {
    const jwk = privateKeyJson('crypto.x509.parse_rsa_private_key', decodeMaybeBase64(s as string));
    if (jwk['kty'] !== 'RSA') throw builtinError('crypto.x509.parse_rsa_private_key', 'PEM data does not contain an RSA private key');
    return jwk;
  }),
  'crypto.parse_private_keys': defineBuiltin('crypto.parse_private_keys', (s) => {
    const text = s as string;
    if (text === '') return [];
    const blocks = pemBlocks(decodeMaybeBase64(text)) ?? [];
    return blocks.map((b) => privateKeyJson('crypto.parse_private_keys', `-----BEGIN ${b.type}-----\n${b.der.toString('base64')}\n-----END ${b.type}-----\n`));
  }),
};
