/**
 * Crypto builtins over `node:crypto`: digests, HMACs, constant-time comparison, and X.509 parsing
 * (`crypto.x509.parse_certificates`, `parse_and_verify_certificates`, `parse_certificate_request` (own DER reader),
 * `parse_rsa_private_key`, `crypto.parse_private_keys`, `parse_keypair`).
 *
 * OPA returns Go's `x509.Certificate` marshalled to JSON; aiws returns the commonly used subset of
 * those fields under the same names (`Subject.CommonName`, `DNSNames`, `NotAfter`, `IsCA`, ...).
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, timingSafeEqual, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { builtinError } from './builtin-error.ts';
import { children, oidText, readDer } from './der.ts';
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
    URIStrings: altNames(cert, 'URI'),
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

/**
 * OPA's chain order: the first certificate is the trusted root, the last the leaf, those between
 * intermediates. Valid when each certificate is issued and signed by the one before it, the root is
 * self-signed, and all are within their validity period now. Returns the chain leaf first.
 */
function verifyChain(certs: X509Certificate[]): X509Certificate[] | undefined {
  if (certs.length < 2) return undefined;
  const root = certs[0]!;
  if (!root.checkIssued(root) || !root.verify(root.publicKey)) return undefined;
  for (let i = 1; i < certs.length; i++) {
    if (!certs[i]!.checkIssued(certs[i - 1]!) || !certs[i]!.verify(certs[i - 1]!.publicKey)) return undefined;
  }
  const now = Date.now();
  if (!certs.every((c) => new Date(c.validFrom).getTime() <= now && now <= new Date(c.validTo).getTime())) return undefined;
  return [...certs].reverse();
}

const nameOids: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.9': 'street',
  '2.5.4.17': 'postalCode', '2.5.4.5': 'serialNumber',
};

/**
 * The subset of Go's `x509.CertificateRequest` aiws reports: `Raw`, `Version`, `Subject`, `DNSNames`,
 * `EmailAddresses`, `IPAddresses`, `URIs`, `PublicKeyAlgorithm`; the request's signature is checked.
 */
function parseCsr(input: string): JsonObject {
  const name = 'crypto.x509.parse_certificate_request';
  const blocks = pemBlocks(input) ?? pemBlocks(Buffer.from(input, 'base64').toString('latin1'));
  const der = blocks?.find((b) => b.type === 'CERTIFICATE REQUEST' || b.type === 'NEW CERTIFICATE REQUEST')?.der ?? Buffer.from(input, 'base64');
  try {
    const [info, , signature] = children(readDer(der));
    const [version, subject, spki, attributes] = children(info!);
    const lines: string[] = [];
    for (const rdn of children(subject!)) {
      for (const atv of children(rdn)) {
        const [oid, value] = children(atv);
        const key = nameOids[oidText(oid!.body)];
        if (key !== undefined) lines.push(`${key}=${value!.body.toString('utf8')}`);
      }
    }
    const publicKey = createPublicKey({ key: spki!.raw, format: 'der', type: 'spki' });
    const alt: Record<string, string[]> = {};
    for (const attr of attributes === undefined ? [] : children(attributes)) {
      const [oid, values] = children(attr);
      if (oidText(oid!.body) !== '1.2.840.113549.1.9.14') continue;
      for (const ext of children(children(values!)[0]!)) {
        const parts = children(ext);
        if (oidText(parts[0]!.body) !== '2.5.29.17') continue;
        for (const gn of children(readDer(parts[parts.length - 1]!.body))) {
          const kind = { 0x82: 'DNS', 0x81: 'email', 0x86: 'URI', 0x87: 'IP Address' }[gn.tag];
          if (kind === undefined) continue;
          const text = kind === 'IP Address' ? [...gn.body].join('.') : gn.body.toString('utf8');
          (alt[kind] ??= []).push(text);
        }
      }
    }
    const algorithm = children(children(readDer(der))[1]!)[0]!;
    const hash = ({ '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512', '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512', '1.2.840.113549.1.1.5': 'sha1' } as Record<string, string>)[oidText(algorithm.body)];
    if (hash !== undefined && !cryptoVerify(hash, info!.raw, publicKey, signature!.body.subarray(1))) {
      throw builtinError(name, 'x509: ECDSA verification failure');
    }
    return {
      Raw: der.toString('base64'),
      Version: version!.body[0] ?? 0,
      Subject: pkixName(lines.join('\n')),
      DNSNames: alt['DNS'] ?? null,
      EmailAddresses: alt['email'] ?? null,
      IPAddresses: alt['IP Address'] ?? null,
      URIs: alt['URI'] ?? null,
      PublicKeyAlgorithm: publicKeyAlgorithms[publicKey.asymmetricKeyType ?? ''] ?? 0,
    };
  } catch (err) {
    if (err instanceof Error && err.name === 'BuiltinError') throw err;
    throw builtinError(name, 'asn1: structure error: failed to parse certificate request', err);
  }
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
    const chain = verifyChain(certs);
    return chain === undefined ? [false, []] : [true, chain.map(certificateJson)];
  }),
  'crypto.x509.parse_certificate_request': defineBuiltin('crypto.x509.parse_certificate_request', (s) => parseCsr(s as string)),
  'crypto.x509.parse_rsa_private_key': defineBuiltin('crypto.x509.parse_rsa_private_key', (s) => {
    const jwk = privateKeyJson('crypto.x509.parse_rsa_private_key', decodeMaybeBase64(s as string));
    if (jwk['kty'] !== 'RSA') throw builtinError('crypto.x509.parse_rsa_private_key', 'PEM data does not contain an RSA private key');
    return jwk;
  }),
  'crypto.x509.parse_keypair': defineBuiltin('crypto.x509.parse_keypair', (certText, keyText) => {
    const name = 'crypto.x509.parse_keypair';
    const certs = parseCertificates(name, decodeMaybeBase64(certText as string));
    const key = privateKeyJson(name, decodeMaybeBase64(keyText as string));
    const leafKey = certs[0]!.publicKey.export({ format: 'jwk' }) as JsonObject;
    // Go's tls.X509KeyPair refuses a key that does not belong to the first certificate.
    if (leafKey['n'] !== key['n'] || leafKey['x'] !== key['x'] || leafKey['y'] !== key['y']) {
      throw builtinError(name, 'tls: private key does not match public key');
    }
    // Go's tls.Certificate: DER certificates (base64 in JSON) and the private key.
    return { Certificate: certs.map((c) => c.raw.toString('base64')), PrivateKey: key, Leaf: certificateJson(certs[0]!) };
  }),
  'crypto.parse_private_keys': defineBuiltin('crypto.parse_private_keys', (s) => {
    const text = s as string;
    if (text === '') return [];
    const blocks = pemBlocks(decodeMaybeBase64(text)) ?? [];
    return blocks.map((b) => privateKeyJson('crypto.parse_private_keys', `-----BEGIN ${b.type}-----\n${b.der.toString('base64')}\n-----END ${b.type}-----\n`));
  }),
};
