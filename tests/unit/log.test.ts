import { afterEach, beforeEach, describe, expect, setSystemTime, test } from 'bun:test'
import { InvalidMessageError, UpstreamError } from '../../lib/errors.ts'
import { createLogger, memoryLogger, serializeError, type Level, type LoggerOptions } from '../../lib/log.ts'
import { createRedactor } from '../../lib/redact.ts'

const NOW = new Date('2026-05-04T03:02:01.123Z')

function capture(o: Partial<LoggerOptions> = {}) {
  const lines: string[] = []
  const log = createLogger({ level: 'debug', ...o, write: (l) => lines.push(l) })
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  return { log, lines, parsed }
}

beforeEach(() => setSystemTime(NOW))
afterEach(() => setSystemTime())

describe('JSON lines', () => {
  test('one JSON object per line with time (ISO 8601 UTC), level and msg first, then fields', () => {
    const { log, lines } = capture()
    log.info('record handled', { topic: 't', partition: 0, offset: '7' })
    log.warn('second')
    expect(lines).toHaveLength(2)
    for (const l of lines) expect(l).not.toContain('\n')
    expect(lines[0]).toBe('{"time":"2026-05-04T03:02:01.123Z","level":"info","msg":"record handled","topic":"t","partition":0,"offset":"7"}')
    expect(lines[1]).toBe('{"time":"2026-05-04T03:02:01.123Z","level":"warn","msg":"second"}')
  })

  test('newlines in values stay inside the one line', () => {
    const { log, lines } = capture()
    log.error('multi\nline', { text: 'a\nb' })
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'multi\nline', text: 'a\nb' })
  })

  test('bigint values are written as decimal strings', () => {
    const { log, parsed } = capture()
    log.info('x', { offset: 12345678901234567890n })
    expect(parsed()[0]!.offset).toBe('12345678901234567890')
  })

  test('each level is named in the record', () => {
    const { log, parsed } = capture()
    log.debug('d')
    log.info('i')
    log.warn('w')
    log.error('e')
    expect(parsed().map((r) => r.level)).toEqual(['debug', 'info', 'warn', 'error'])
  })
})

describe('level filtering', () => {
  test.each([
    ['debug', ['d', 'i', 'w', 'e']],
    ['info', ['i', 'w', 'e']],
    ['warn', ['w', 'e']],
    ['error', ['e']],
  ] as [Level, string[]][])('level %s', (level, expected) => {
    const { log, parsed } = capture({ level })
    const child = log.child({ c: 1 })
    for (const l of [log, child]) {
      l.debug('d')
      l.info('i')
      l.warn('w')
      l.error('e')
    }
    expect(parsed().map((r) => r.msg)).toEqual([...expected, ...expected])
  })
})

describe('child loggers', () => {
  test('bindings appear on every line of the child and its children, not on the parent', () => {
    const { log, parsed } = capture()
    const child = log.child({ handler: 'solved-package', topic: 't', partition: 2 })
    const grandchild = child.child({ offset: '9', attempt: 1 })
    child.info('a')
    grandchild.info('b', { extra: true })
    log.info('c')
    const [a, b, c] = parsed()
    expect(a).toEqual({ time: NOW.toISOString(), level: 'info', msg: 'a', handler: 'solved-package', topic: 't', partition: 2 })
    expect(b).toEqual({
      time: NOW.toISOString(),
      level: 'info',
      msg: 'b',
      handler: 'solved-package',
      topic: 't',
      partition: 2,
      offset: '9',
      attempt: 1,
      extra: true,
    })
    expect(c).toEqual({ time: NOW.toISOString(), level: 'info', msg: 'c' })
  })

  test('later bindings and call fields win over earlier ones', () => {
    const { log, parsed } = capture()
    log.child({ attempt: 1 }).child({ attempt: 2 }).info('x')
    log.child({ attempt: 1 }).info('y', { attempt: 3 })
    expect(parsed().map((r) => r.attempt)).toEqual([2, 3])
  })
})

describe('errors (D-28)', () => {
  test('an error field is serialised with name, code, retryable, message, stack and cause', () => {
    const { log, parsed } = capture()
    const root = new TypeError('socket hang up')
    log.error('attempt failed', { error: new UpstreamError('postgres', 'query failed', true, { cause: root }) })
    const error = parsed()[0]!.error as Record<string, unknown>
    expect(error).toMatchObject({ name: 'UpstreamError', code: 'UPSTREAM', retryable: true, message: 'postgres: query failed' })
    expect(error.stack).toContain('UpstreamError')
    expect(error.stack).toContain('log.test.ts')
    expect(error.cause).toMatchObject({ name: 'TypeError', message: 'socket hang up' })
    expect((error.cause as Record<string, unknown>).code).toBeUndefined()
  })

  test('serializeError: non-errors, plain errors, a cause chain cut after three levels', () => {
    expect(serializeError('boom')).toEqual({ message: 'boom' })
    expect(serializeError(42)).toEqual({ message: '42' })
    expect(serializeError(new InvalidMessageError('schema', 'bad field'))).toMatchObject({
      name: 'InvalidMessageError',
      code: 'MESSAGE_INVALID',
      retryable: false,
      message: 'bad field',
    })
    let err: Error = new Error('e0')
    for (let i = 1; i <= 6; i++) err = new Error(`e${i}`, { cause: err })
    let s = serializeError(err) as Record<string, unknown>
    const chain: string[] = []
    while (s) {
      chain.push(s.message as string)
      s = s.cause as Record<string, unknown>
    }
    expect(chain).toEqual(['e6', 'e5', 'e4', 'e3'])
  })
})

describe('redaction', () => {
  test('the root redactor filters messages, fields, bindings and error texts', () => {
    const { log, lines } = capture({ redact: createRedactor(['kg-password-1']) })
    log
      .child({ dsn: 'postgres://u:kg-password-1@db/x' })
      .error('login with kg-password-1 failed', { error: new Error('auth kg-password-1'), list: ['kg-password-1'] })
    expect(lines[0]).not.toContain('kg-password-1')
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(rec.msg).toBe('login with [redacted] failed')
    expect(rec.dsn).toBe('postgres://u:[redacted]@db/x')
    expect(rec.list).toEqual(['[redacted]'])
    expect((rec.error as Record<string, unknown>).message).toBe('auth [redacted]')
  })

  test('secrets with characters JSON escapes are still removed', () => {
    const secret = 'pa"ss\\wörd'
    const { log, lines } = capture({ redact: createRedactor([secret]) })
    log.info('x', { value: `before ${secret} after`, error: new Error(secret) })
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(rec.value).toBe('before [redacted] after')
    expect(lines[0]).not.toContain(JSON.stringify(secret).slice(1, -1))
  })

  test('a short secret is removed where it is a whole field value only', () => {
    const { log, parsed } = capture({ redact: createRedactor(['abc']) })
    log.info('abc', { user: 'abc', text: 'abcdef' })
    expect(parsed()[0]).toMatchObject({ msg: '[redacted]', user: '[redacted]', text: 'abcdef' })
  })

  test("a child's redactor applies to that child and its children, not to the parent", () => {
    const { log, parsed } = capture({ redact: createRedactor(['service-secret']) })
    const record = log.child({ offset: '1' }, createRedactor(['payload-token']))
    record.child({ attempt: 2 }).info('with payload-token and service-secret')
    log.info('parent sees payload-token')
    expect(parsed().map((r) => r.msg)).toEqual(['with [redacted] and [redacted]', 'parent sees payload-token'])
  })
})

describe('plain text (THOTH_LOGGING_NO_JSON=1)', () => {
  test('time, upper-case level, msg, then the fields as JSON', () => {
    const { log, lines } = capture({ json: false })
    log.child({ topic: 't' }).warn('slow', { ms: 5 })
    log.info('bare')
    expect(lines).toEqual([`${NOW.toISOString()} WARN slow {"topic":"t","ms":5}`, `${NOW.toISOString()} INFO bare`])
  })

  test('redaction applies too', () => {
    const { log, lines } = capture({ json: false, redact: createRedactor(['tok-123456']) })
    log.error('auth tok-123456', { error: new Error('tok-123456 rejected') })
    expect(lines[0]).not.toContain('tok-123456')
    expect(lines[0]).toStartWith(`${NOW.toISOString()} ERROR auth [redacted] {"error":{`)
  })
})

describe('memoryLogger', () => {
  test('keeps parsed lines, debug by default', () => {
    const log = memoryLogger()
    log.debug('d', { a: 1 })
    log.child({ b: 2 }).info('i')
    expect(log.lines).toEqual([
      { time: NOW.toISOString(), level: 'debug', msg: 'd', a: 1 },
      { time: NOW.toISOString(), level: 'info', msg: 'i', b: 2 },
    ])
    const quiet = memoryLogger('warn')
    quiet.info('dropped')
    expect(quiet.lines).toEqual([])
  })
})
