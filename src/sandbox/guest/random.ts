/**
 * The guest's seeded random generators: `Math.random` and `crypto.getRandomValues`/`randomUUID`.
 *
 * Runs inside the isolate. A run's seed string is hashed (cyrb128) into the 128-bit state of an sfc32
 * generator, so the same seed gives the same sequence on every machine and every Node version: no V8
 * entropy is involved. `Math.random` and `crypto` draw from separate streams (the crypto stream's
 * seed gets a suffix), so adding a `randomUUID()` call does not shift the `Math.random` sequence.
 * This is not a cryptographic generator; guest randomness is for reproducible behaviour, not secrets.
 */

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

/** sfc32 over the hashed seed: returns unsigned 32-bit words; same seed, same sequence. */
export function createRandomWords(seed: string): () => number {
  let [a, b, c, d] = hashSeed(seed);
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // The first outputs of sfc32 still echo the hash; discarding a few is the generator's usual warm-up.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A `Math.random` replacement: uniform doubles in [0, 1) with 53 random bits, from `seed`. */
export function createRandom(seed: string): () => number {
  const word = createRandomWords(seed);
  return function random(): number {
    const high = word() >>> 5;
    const low = word() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  };
}
