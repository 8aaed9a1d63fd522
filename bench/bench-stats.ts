// Summary statistics every benchmark reports (medians, p99, means), defined once so that the numbers
// of different benchmarks mean the same thing. Quantiles are nearest-rank: the smallest sample with at
// least q of the samples at or below it, so p99 of 100 samples is the 99th, never an interpolation.

/**
 * The nearest-rank `q` quantile of `samples` (any order; not modified).
 * @returns NaN for no samples
 */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** The median of `samples` (the lower middle one for an even count); NaN for no samples. */
export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

/** The 99th percentile of `samples`; NaN for no samples. */
export function p99(samples: readonly number[]): number {
  return quantile(samples, 0.99);
}

/** The arithmetic mean of `samples`; NaN for no samples. */
export function mean(samples: readonly number[]): number {
  return samples.reduce((sum, value) => sum + value, 0) / samples.length;
}
