/**
 * Quantiles from a Prometheus histogram's cumulative buckets, as PromQL's histogram_quantile
 * estimates them (linear inside a bucket), so the console shows what a dashboard would.
 */

/** One cumulative bucket: observations <= `le` (Infinity for +Inf). */
export interface Bucket {
  readonly le: number
  readonly count: number
}

/** The q-quantile (0..1) of the buckets; null without observations. */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le)
  const total = sorted.at(-1)?.count ?? 0
  if (total === 0) return null
  const rank = q * total
  let lowerLe = 0
  let lowerCount = 0
  for (const b of sorted) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerLe // above the highest finite bucket: its bound, like PromQL
      if (b.count === lowerCount) return b.le
      return lowerLe + ((b.le - lowerLe) * (rank - lowerCount)) / (b.count - lowerCount)
    }
    lowerLe = b.le
    lowerCount = b.count
  }
  return lowerLe
}
