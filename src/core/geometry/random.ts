/**
 * Seeded randomness for the geometry code. Every random choice (range-finder probes, shift nulls,
 * bootstrap resamples) draws from an injected `RandomFn`, so the same seed gives the same result.
 */

/** Uniform draws in [0, 1). */
export type RandomFn = () => number;

/** mulberry32: a small, fast 32-bit generator; plenty for probes and resampling (not cryptographic). */
export function seededRandom(seed: number): RandomFn {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box-Muller (one of each pair; simplicity over speed, probes are small). */
export function gaussian(random: RandomFn): number {
  let u = random();
  while (u <= 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Fills `out` with standard normal draws and returns it. */
export function fillGaussian(out: Float64Array, random: RandomFn): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = gaussian(random);
  return out;
}

/** An integer uniform in [lo, hi] (inclusive). */
export function randomInt(random: RandomFn, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}
