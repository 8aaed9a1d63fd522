/**
 * Removes or replaces globals before workflow code runs.
 *
 * Runs inside the isolate. isolated-vm's memoryLimit does not count WebAssembly memories, resizable
 * ArrayBuffers or growable SharedArrayBuffers (see ../shared/ISOLATED-VM.md), so the guest does not get
 * them. Math.random is replaced by a seeded generator so a run can be repeated (the journal issue adds
 * Date and timers).
 */

/** Globals deleted from every context, listed in docs/sandbox.md. */
export const removedGlobals = ['WebAssembly', 'SharedArrayBuffer', 'Atomics'] as const;

/** Removes unaccounted memory growth and seeds Math.random. */
export function harden(seed: string): void {
  const global = globalThis as unknown as Record<string, unknown>;
  for (const name of removedGlobals) Reflect.deleteProperty(global, name);
  Reflect.deleteProperty(ArrayBuffer.prototype, 'resize');
  Reflect.deleteProperty(ArrayBuffer.prototype, 'transfer');
  Reflect.deleteProperty(ArrayBuffer.prototype, 'transferToFixedLength');
  Object.defineProperty(Math, 'random', { value: createRandom(seed), writable: true, configurable: true, enumerable: false });
}

/** cyrb128: spreads a string seed over four 32-bit words. */
function hashSeed(seed: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

/** sfc32: a small, fast generator with a 128-bit state; same seed, same sequence. */
export function createRandom(seed: string): () => number {
  let [a, b, c, d] = hashSeed(seed);
  return function random(): number {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}
