/**
 * Record decoding, in the order of spec/operations.md §6.3: tombstone, UTF-8, JSON, object,
 * version type. Every failure is an InvalidMessageError with its reason; never a crash.
 */
import { InvalidMessageError } from './errors.ts'

/** A decoded record value. */
export interface Decoded {
  readonly payload: Record<string, unknown>
  /** Version for handler lookup: the `version` field, `v1` when absent. */
  readonly version: string
  /** Version label of message_count_by_version: `None` when absent (as upstream). */
  readonly versionLabel: string
}

// ignoreBOM keeps a leading byte-order mark in the text, so JSON.parse rejects it (as upstream).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Decodes a record value or throws InvalidMessageError. */
export function decodeValue(value: Uint8Array | null | undefined): Decoded {
  if (value == null || value.length === 0) throw new InvalidMessageError('empty_value', 'record has no value (tombstone)')
  let text: string
  try {
    text = utf8.decode(value)
  } catch {
    throw new InvalidMessageError('not_utf8', 'value is not valid UTF-8')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new InvalidMessageError('not_json', `value is not JSON: ${(err as Error).message.slice(0, 200)}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`
    throw new InvalidMessageError('not_object', `value is JSON ${kind}, not an object`)
  }
  const payload = parsed as Record<string, unknown>
  if (!('version' in payload)) return { payload, version: 'v1', versionLabel: 'None' }
  const version = payload.version
  if (typeof version !== 'string') {
    throw new InvalidMessageError('schema', `field "version" must be a string, got ${version === null ? 'null' : typeof version}`)
  }
  return { payload, version, versionLabel: version }
}
