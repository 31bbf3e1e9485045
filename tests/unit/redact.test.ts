import { describe, expect, test } from 'bun:test'
import { createRedactor, REDACTED, secretValues } from '../../lib/redact.ts'

const sorted = (s: Set<string>) => [...s].sort()

describe('secretValues (operations.md §1.5, D-36)', () => {
  test('the six registry credential fields', () => {
    const payload = {
      registry_user: 'reg-user',
      registry_password: 'reg-pass',
      base_registry_user: 'base-user',
      base_registry_password: 'base-pass',
      output_registry_user: 'out-user',
      output_registry_password: 'out-pass',
      package_name: 'flask',
      user: 'not-a-secret',
    }
    expect(sorted(secretValues(payload))).toEqual(
      ['reg-user', 'reg-pass', 'base-user', 'base-pass', 'out-user', 'out-pass'].sort(),
    )
  })

  test('any field whose name contains password, token or secret, ignoring case', () => {
    const payload = {
      Password: 'p1',
      GITHUB_TOKEN: 't1',
      clientSecret: 's1',
      my_passwordHash: 'p2',
      tokenizer: 't2',
      name: 'plain',
    }
    expect(sorted(secretValues(payload))).toEqual(['p1', 'p2', 's1', 't1', 't2'])
  })

  test('at any depth, inside objects and arrays', () => {
    const payload = {
      metadata: { auth: { api_token: 'deep-token' } },
      runs: [{ registry_password: 'in-array' }, { nested: [{ secret: 'deeper' }] }],
    }
    expect(sorted(secretValues(payload))).toEqual(['deep-token', 'deeper', 'in-array'])
  })

  test('only non-empty strings', () => {
    expect(secretValues({ password: '', token: 42, secret: null, registry_user: true })).toEqual(new Set())
  })

  test('payloads that are not objects have none', () => {
    for (const p of [null, undefined, 'password', 3, ['token']]) expect(secretValues(p)).toEqual(new Set())
  })
})

describe('createRedactor', () => {
  test('replaces every occurrence of a secret of 4+ characters', () => {
    const r = createRedactor(['hunter2', 'ghp_abcd'])
    expect(r('login hunter2 failed; hunter2 again with ghp_abcd')).toBe(
      `login ${REDACTED} failed; ${REDACTED} again with ${REDACTED}`,
    )
    expect(REDACTED).toBe('[redacted]')
  })

  test('values built from secrets (user:password) lose both parts', () => {
    const r = createRedactor(secretValues({ registry_user: 'thoth-bot', registry_password: 's3cr3t!' }))
    expect(r('THOTH_REGISTRY_CREDENTIALS=thoth-bot:s3cr3t!')).toBe(`THOTH_REGISTRY_CREDENTIALS=${REDACTED}:${REDACTED}`)
  })

  test('the longer of two overlapping secrets is replaced first', () => {
    const r = createRedactor(['abcd', 'abcdefgh'])
    expect(r('x abcdefgh y abcd')).toBe(`x ${REDACTED} y ${REDACTED}`)
  })

  test('secrets shorter than 4 characters only where they are the whole value', () => {
    const r = createRedactor(['abc'])
    expect(r('abc')).toBe(REDACTED)
    expect(r('abcdef abc')).toBe('abcdef abc')
    expect(r('')).toBe('')
  })

  test('special characters are matched literally', () => {
    const r = createRedactor(['a.b*c+(d)$'])
    expect(r('x a.b*c+(d)$ y aXbbc')).toBe(`x ${REDACTED} y aXbbc`)
  })

  test('no secrets (or only empty ones): text unchanged', () => {
    expect(createRedactor([])('password=x')).toBe('password=x')
    expect(createRedactor(['', ''])('a b')).toBe('a b')
  })
})
