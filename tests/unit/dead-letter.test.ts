import { describe, expect, test } from 'bun:test'
import { deadLetterHeaders, DL, truncateUtf8, type DeadLetterInput } from '../../lib/dead-letter.ts'

const AT = new Date('2026-03-02T01:00:00.5Z')

const input = (o: Partial<DeadLetterInput> = {}): DeadLetterInput => ({
  topic: 'prod.thoth.package-update.hash-mismatch',
  partition: 3,
  offset: '1234567890123',
  timestamp: '1685620800000',
  key: Buffer.from('k'),
  value: Buffer.from('{"version": "v1"}'),
  headers: undefined,
  baseName: 'thoth.package-update.hash-mismatch',
  version: 'v1',
  reason: 'handler_error',
  errorClass: 'UpstreamError',
  errorMessage: 'postgres: connection refused',
  attempts: 5,
  ...o,
})

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8')

describe('deadLetterHeaders (§6.5)', () => {
  test('every thoth.dl.* header, as text', () => {
    expect(deadLetterHeaders(input(), AT)).toEqual({
      'thoth.dl.topic': 'prod.thoth.package-update.hash-mismatch',
      'thoth.dl.partition': '3',
      'thoth.dl.offset': '1234567890123',
      'thoth.dl.timestamp': '1685620800000',
      'thoth.dl.base_name': 'thoth.package-update.hash-mismatch',
      'thoth.dl.version': 'v1',
      'thoth.dl.reason': 'handler_error',
      'thoth.dl.error_class': 'UpstreamError',
      'thoth.dl.error_message': 'postgres: connection refused',
      'thoth.dl.attempts': '5',
      'thoth.dl.dead_lettered_at': '2026-03-02T01:00:00.500Z',
    })
  })

  test('header names', () => {
    expect((Object.values(DL) as string[]).sort()).toEqual(
      [
        'thoth.dl.topic',
        'thoth.dl.partition',
        'thoth.dl.offset',
        'thoth.dl.timestamp',
        'thoth.dl.base_name',
        'thoth.dl.version',
        'thoth.dl.reason',
        'thoth.dl.error_class',
        'thoth.dl.error_message',
        'thoth.dl.attempts',
        'thoth.dl.dead_lettered_at',
      ].sort(),
    )
  })

  test('an invalid record: no timestamp, empty version, invalid reason, 0 attempts', () => {
    const h = deadLetterHeaders(
      input({ timestamp: '-1', version: '', reason: 'not_json', errorClass: 'InvalidMessageError', attempts: 0, value: null }),
      AT,
    )
    expect(h).toMatchObject({
      'thoth.dl.timestamp': '-1',
      'thoth.dl.version': '',
      'thoth.dl.reason': 'not_json',
      'thoth.dl.error_class': 'InvalidMessageError',
      'thoth.dl.attempts': '0',
    })
  })

  test('the original headers come first, unchanged', () => {
    const original = { traceparent: '00-abc-01', bin: Buffer.from([0xff, 0x00]), multi: ['a', 'b'] }
    const h = deadLetterHeaders(input({ headers: original }), AT)
    expect(Object.keys(h).slice(0, 3)).toEqual(['traceparent', 'bin', 'multi'])
    expect(h.traceparent).toBe('00-abc-01')
    expect(h.bin).toEqual(Buffer.from([0xff, 0x00]))
    expect(h.multi).toEqual(['a', 'b'])
    expect(Object.keys(h)).toHaveLength(3 + 11)
  })

  test('the error message is cut to 4096 bytes', () => {
    const h = deadLetterHeaders(input({ errorMessage: 'é'.repeat(3000) }), AT)
    const message = h['thoth.dl.error_message'] as string
    expect(utf8Length(message)).toBe(4096)
    expect(message).toBe('é'.repeat(2048))
    const short = deadLetterHeaders(input({ errorMessage: 'x'.repeat(4096) }), AT)
    expect(short['thoth.dl.error_message']).toBe('x'.repeat(4096))
  })
})

describe('truncateUtf8', () => {
  test('short texts are returned unchanged', () => {
    expect(truncateUtf8('', 4096)).toBe('')
    expect(truncateUtf8('abc', 3)).toBe('abc')
    expect(truncateUtf8('é', 2)).toBe('é')
  })

  test('ASCII is cut at the byte limit', () => {
    expect(truncateUtf8('x'.repeat(5000), 4096)).toBe('x'.repeat(4096))
  })

  test.each([
    ['2-byte', 'é'],
    ['3-byte', '✓'],
    ['4-byte', '😀'],
  ])('never splits a %s character', (_, ch) => {
    const size = utf8Length(ch)
    for (let prefix = 0; prefix < size; prefix++) {
      const text = 'a'.repeat(4096 - prefix) + ch.repeat(3)
      const cut = truncateUtf8(text, 4096)
      expect(utf8Length(cut)).toBeLessThanOrEqual(4096)
      expect(cut).not.toContain('\uFFFD')
      expect(text.startsWith(cut)).toBe(true)
      // As much as fits: adding the next character would exceed the limit.
      expect(utf8Length(cut) + size).toBeGreaterThan(4096)
    }
  })

  test('a limit inside the first character gives the empty string', () => {
    expect(truncateUtf8('😀😀', 3)).toBe('')
    expect(truncateUtf8('😀😀', 4)).toBe('😀')
    expect(truncateUtf8('abc', 0)).toBe('')
  })
})
