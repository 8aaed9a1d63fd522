/**
 * A minimal DER reader: enough ASN.1 to take apart a PKCS #10 certificate request, which
 * `node:crypto` cannot parse (`crypto.x509.parse_certificate_request`).
 */

/** One DER element. */
export interface DerNode {
  readonly tag: number;
  /** The element's contents. */
  readonly body: Buffer;
  /** The whole element, header included. */
  readonly raw: Buffer;
}

/** Read the element at `offset`. @throws Error on truncated or indefinite-length input */
export function readDer(buf: Buffer, offset = 0): DerNode {
  const tag = buf[offset];
  let len = buf[offset + 1];
  if (tag === undefined || len === undefined) throw new Error('asn1: truncated element');
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('asn1: unsupported length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[offset + 2 + i] ?? 0);
    header += n;
  }
  if (offset + header + len > buf.length) throw new Error('asn1: truncated element');
  return { tag, body: buf.subarray(offset + header, offset + header + len), raw: buf.subarray(offset, offset + header + len) };
}

/** The elements inside a constructed element. */
export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.body.length; ) {
    const child = readDer(node.body, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

/** An OBJECT IDENTIFIER's dotted text. */
export function oidText(body: Buffer): string {
  const parts: number[] = [Math.floor(body[0]! / 40), body[0]! % 40];
  let value = 0;
  for (const byte of body.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}
