/**
 * Secret redaction (spec/operations.md §1.5, D-36): values that can be secrets never reach logs,
 * error texts, dead-letter headers or metric labels.
 */

const SECRET_FIELDS = new Set([
  'registry_user',
  'registry_password',
  'base_registry_user',
  'base_registry_password',
  'output_registry_user',
  'output_registry_password',
])
const SECRET_NAME = /password|token|secret/i

/** Replacement text for a secret. */
export const REDACTED = '[redacted]'

/** Collects the non-empty string values of secret fields at any depth of a payload. */
export function secretValues(payload: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(payload)) {
    for (const item of payload) secretValues(item, out)
  } else if (payload !== null && typeof payload === 'object') {
    const record = payload as Record<string, unknown>
    // for-in over a parsed JSON object = its own keys, without Object.entries' arrays (hot path).
    for (const key in record) {
      const value = record[key]
      if (typeof value === 'string' && value !== '' && (SECRET_FIELDS.has(key) || SECRET_NAME.test(key))) {
        out.add(value)
      } else {
        secretValues(value, out)
      }
    }
  }
  return out
}

/** A function that replaces every occurrence of the given secrets in a text. */
export type Redactor = (text: string) => string

/**
 * Builds a redactor. Values of 4+ characters are replaced wherever they occur; shorter ones
 * only where they are the whole text (a whole field or parameter value).
 */
export function createRedactor(secrets: Iterable<string>): Redactor {
  const list = [...new Set(secrets)].filter((s) => s !== '').sort((a, b) => b.length - a.length)
  if (list.length === 0) return (text) => text
  return (text) => {
    let out = text
    for (const s of list) {
      if (s.length >= 4) {
        if (out.includes(s)) out = out.split(s).join(REDACTED)
      }
      else if (out === s) return REDACTED
    }
    return out
  }
}
