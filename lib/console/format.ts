/** Pure text formatting of the console pages. */

/** 0.0123 -> "12 ms", 2.5 -> "2.5 s", null -> "–". */
export function seconds(s: number | null): string {
  if (s === null) return '–'
  if (s < 1) return `${Math.round(s * 1000)} ms`
  return `${Number(s.toFixed(s < 10 ? 2 : 1))} s`
}

/** 3725 -> "1 h 2 min", 59 -> "59 s". */
export function duration(totalSeconds: number): string {
  const d = Math.floor(totalSeconds / 86400)
  const h = Math.floor((totalSeconds % 86400) / 3600)
  const m = Math.floor((totalSeconds % 3600) / 60)
  if (d) return `${d} d ${h} h`
  if (h) return `${h} h ${m} min`
  if (m) return `${m} min ${totalSeconds % 60} s`
  return `${totalSeconds} s`
}

/** "2026-11-27T06:00:01.123Z" -> "2026-11-27 06:00:01Z". */
export function time(iso: string | null | undefined): string {
  if (!iso) return '–'
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

/** Thousands separated by thin spaces, so large counters stay readable. */
export function count(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009')
}
