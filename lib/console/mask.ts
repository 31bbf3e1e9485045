/**
 * What the console may show of a dead letter's bytes: JSON pretty-printed with the values of
 * secret fields (lib/redact.ts: registry passwords, anything named password/token/secret)
 * masked, and every other occurrence of those values replaced too.
 */
import { createRedactor, REDACTED, secretValues, type Redactor } from '../redact.ts'

/** A record value as the detail view shows it. */
export type ShownPayload =
  | { kind: 'empty' }
  | { kind: 'json'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; hex: string; bytes: number }

const MAX_TEXT = 256 * 1024
const MAX_HEX = 2048
const utf8 = new TextDecoder('utf-8', { fatal: true })
/** `"secret_name": "value"` in text that is not valid JSON. */
const SECRET_PAIR = /("(?:[^"\\]*(?:password|token|secret)[^"\\]*|registry_user|base_registry_user|output_registry_user)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi

/** True for a field whose value is a secret. */
export const isSecretKey = (key: string): boolean => secretValues({ [key]: 'x' }).size > 0

function maskFields(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskFields)
  if (v === null || typeof v !== 'object') return v
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isSecretKey(k) && x !== null && x !== '' && typeof x !== 'object' ? REDACTED : maskFields(x)]))
}

/** The redactor of a value's secrets (for its headers and texts). */
export function redactorOf(value: Buffer | null): Redactor {
  try {
    return createRedactor(secretValues(JSON.parse(utf8.decode(value ?? new Uint8Array()))))
  } catch {
    return (t) => t
  }
}

/** Decodes and masks a record value for display. */
export function showPayload(value: Buffer | null): ShownPayload {
  if (!value || value.length === 0) return { kind: 'empty' }
  let text: string
  try {
    text = utf8.decode(value)
  } catch {
    return { kind: 'binary', hex: value.subarray(0, MAX_HEX).toString('hex').replace(/(..)/g, '$1 ').trim(), bytes: value.length }
  }
  try {
    const parsed: unknown = JSON.parse(text)
    const redact = createRedactor(secretValues(parsed))
    return { kind: 'json', text: redact(JSON.stringify(maskFields(parsed), null, 2)) }
  } catch {
    const masked = text.replace(SECRET_PAIR, `$1"${REDACTED}"`)
    return { kind: 'text', text: masked.length > MAX_TEXT ? `${masked.slice(0, MAX_TEXT)}…` : masked }
  }
}
