import { describe, expect, test } from 'bun:test'
import { decodeValue } from '../../lib/decode.ts'
import { InvalidMessageError, type InvalidReason } from '../../lib/errors.ts'

const bytes = (text: string) => new TextEncoder().encode(text)

/** The reason decodeValue rejects `value` with; fails when it does not. */
function reason(value: Uint8Array | null | undefined): InvalidReason {
  try {
    decodeValue(value)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessageError)
    expect((err as InvalidMessageError).retryable).toBe(false)
    expect((err as InvalidMessageError).code).toBe('MESSAGE_INVALID')
    return (err as InvalidMessageError).reason
  }
  throw new Error('expected an InvalidMessageError')
}

describe('invalid records (§6.3 order)', () => {
  test('tombstone and empty value: empty_value', () => {
    expect(reason(null)).toBe('empty_value')
    expect(reason(undefined)).toBe('empty_value')
    expect(reason(new Uint8Array())).toBe('empty_value')
  })

  test('bytes that are not UTF-8: not_utf8', () => {
    expect(reason(new Uint8Array([0x7b, 0xff, 0x7d]))).toBe('not_utf8')
    expect(reason(new Uint8Array([0xc3]))).toBe('not_utf8') // truncated sequence
    expect(reason(new Uint8Array([0xed, 0xa0, 0x80]))).toBe('not_utf8') // encoded surrogate
    // Checked before JSON: invalid UTF-8 inside an otherwise valid object is still not_utf8.
    expect(reason(new Uint8Array([...bytes('{"a": "'), 0xfe, ...bytes('"}')]))).toBe('not_utf8')
  })

  test('a leading byte-order mark is not_json, as upstream', () => {
    expect(reason(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('{"version": "v1"}')]))).toBe('not_json')
  })

  test.each(['{', 'hello', "{'a': 1}", '{"a": 1,}', '{"a": 1} x', ' ', 'NaN'])('%p: not_json', (text) => {
    expect(reason(bytes(text))).toBe('not_json')
  })

  test.each(['[]', '[{"version": "v1"}]', 'null', '"text"', '42', '1.5', 'true', 'false'])('%s: not_object', (text) => {
    expect(reason(bytes(text))).toBe('not_object')
  })

  test.each(['null', '1', '1.0', 'true', '["v1"]', '{"v": 1}'])('version %s (not a string): schema', (v) => {
    expect(reason(bytes(`{"version": ${v}, "package_name": "flask"}`))).toBe('schema')
  })

  test('the error text never repeats the payload', () => {
    try {
      decodeValue(bytes('{"version": 2, "registry_password": "hunter2-long"}'))
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2-long')
      return
    }
    throw new Error('expected an error')
  })
})

describe('valid records', () => {
  test('version absent: lookup v1, metric label None', () => {
    const d = decodeValue(bytes('{"package_name": "flask"}'))
    expect(d).toEqual({ payload: { package_name: 'flask' }, version: 'v1', versionLabel: 'None' })
  })

  test('version present: used as is for lookup and label', () => {
    const d = decodeValue(bytes('{"version": "v3", "x": [1, {"y": null}]}'))
    expect(d.version).toBe('v3')
    expect(d.versionLabel).toBe('v3')
    expect(d.payload).toEqual({ version: 'v3', x: [1, { y: null }] })
  })

  test('any string version is taken (an unknown one is a missing handler later, not here)', () => {
    expect(decodeValue(bytes('{"version": ""}')).version).toBe('')
    expect(decodeValue(bytes('{"version": "v99"}')).version).toBe('v99')
  })

  test('an empty object, surrounding whitespace and non-ASCII text are fine', () => {
    expect(decodeValue(bytes('{}')).payload).toEqual({})
    expect(decodeValue(bytes(' \n{"a": "é✓😀"}\n')).payload).toEqual({ a: 'é✓😀' })
  })

  test('a Buffer value (as kafkajs gives it) decodes', () => {
    expect(decodeValue(Buffer.from('{"version": "v2"}')).version).toBe('v2')
  })
})
