/**
 * The policy's data segment: constants (strings, C strings for messages, JSON for `entrypoints` and
 * `builtins`) laid out in linear memory right after the runtime's static data.
 */

/** Growing data segment placed right after the runtime's static data. */
export class DataSegment {
  readonly base: number;
  #bytes = new Uint8Array(1024);
  #length = 0;

  constructor(base: number) {
    this.base = base;
  }

  get end(): number {
    return this.base + this.#length;
  }

  /** Appends `bytes` (8-byte aligned); returns their address. */
  add(bytes: Uint8Array, align = 8): number {
    const start = (this.#length + align - 1) & ~(align - 1);
    const need = start + bytes.length;
    if (need > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(need, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#bytes.set(bytes, start);
    this.#length = need;
    return this.base + start;
  }

  /** Reserves `size` zero bytes; returns their address. */
  reserve(size: number, align = 8): number {
    return this.add(new Uint8Array(size), align);
  }

  write32(addr: number, value: number): void {
    const off = addr - this.base;
    this.#bytes[off] = value & 0xff;
    this.#bytes[off + 1] = (value >>> 8) & 0xff;
    this.#bytes[off + 2] = (value >>> 16) & 0xff;
    this.#bytes[off + 3] = (value >>> 24) & 0xff;
  }

  bytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

/** UTF-8 encoder shared by everything that writes text into the segment. */
export const utf8 = new TextEncoder();

/** `text` as NUL-terminated UTF-8. */
export function cstr(text: string): Uint8Array {
  const raw = utf8.encode(text);
  const out = new Uint8Array(raw.length + 1);
  out.set(raw);
  return out;
}
