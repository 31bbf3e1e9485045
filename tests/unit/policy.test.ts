import { describe, expect, test } from 'bun:test'
import {
  InvalidMessageError,
  MisconfiguredError,
  NameConflictError,
  ServiceError,
  UpstreamError,
  toServiceError,
} from '../../lib/errors.ts'
import { decide, failurePolicy, type FailurePolicy } from '../../lib/policy.ts'
import { testConfig } from '../fakes/config.ts'

const BASE = 'thoth.package-update.missing-package'
const retryable = new UpstreamError('postgres', 'connection reset', true)
const defaults: FailurePolicy = testConfig()

describe('decide: attempts and backoff (§6.4)', () => {
  test('default backoff: 0, 0.5, 1.0, 1.5 s before attempts 2..5, then the failure policy (D-29)', () => {
    expect(defaults.maxRetries).toBe(5)
    expect(defaults.backoffMs).toBe(500)
    const outcomes = [1, 2, 3, 4, 5].map((attempt) => decide(retryable, attempt, defaults, BASE))
    expect(outcomes).toEqual([
      { kind: 'retry', delayMs: 0 },
      { kind: 'retry', delayMs: 500 },
      { kind: 'retry', delayMs: 1000 },
      { kind: 'retry', delayMs: 1500 },
      { kind: 'halt' },
    ])
  })

  test('the step follows THOTH_INVESTIGATOR_BACKOFF and the count THOTH_INVESTIGATOR_MAX_RETRIES', () => {
    const p: FailurePolicy = { maxRetries: 3, backoffMs: 2000, ackOnFail: true }
    expect(decide(retryable, 1, p, BASE)).toEqual({ kind: 'retry', delayMs: 0 })
    expect(decide(retryable, 2, p, BASE)).toEqual({ kind: 'retry', delayMs: 2000 })
    expect(decide(retryable, 3, p, BASE)).toEqual({ kind: 'ack' })
  })

  test('backoff 0: retries without delay', () => {
    const p: FailurePolicy = { maxRetries: 3, backoffMs: 0, ackOnFail: false }
    expect(decide(retryable, 2, p, BASE)).toEqual({ kind: 'retry', delayMs: 0 })
  })

  test('MAX_RETRIES=1: one attempt, no retry', () => {
    expect(decide(retryable, 1, { ...defaults, maxRetries: 1 }, BASE)).toEqual({ kind: 'halt' })
  })

  test('errors that are not ours are retryable', () => {
    expect(decide(toServiceError(new TypeError('x is undefined')), 1, defaults, BASE)).toEqual({ kind: 'retry', delayMs: 0 })
    expect(decide(new NameConflictError('w', 'ns'), 1, defaults, BASE).kind).toBe('retry')
  })

  test.each([
    ['invalid message', new InvalidMessageError('schema', 'bad')],
    ['misconfiguration', new MisconfiguredError('template missing')],
    ['4xx upstream', new UpstreamError('kubernetes', '422 Unprocessable Entity', false, { status: 422 })],
    ['non-retryable service error', new ServiceError('UNEXPECTED', 'no', false)],
  ])('%s: straight to the failure policy on the first attempt', (_, err) => {
    expect(decide(err, 1, defaults, BASE)).toEqual({ kind: 'halt' })
    expect(decide(err, 1, { ...defaults, ackOnFail: true }, BASE)).toEqual({ kind: 'ack' })
  })
})

describe('failure policy (§6.5)', () => {
  test('integer ACK_ON_FAIL: non-zero acks every topic, 0 halts every topic', () => {
    const ack = testConfig({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '1' })
    const halt = testConfig({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '0' })
    for (const base of [BASE, 'thoth.adviser-trigger']) {
      expect(failurePolicy(ack, base)).toEqual({ kind: 'ack' })
      expect(failurePolicy(halt, base)).toEqual({ kind: 'halt' })
      expect(decide(retryable, 5, ack, base)).toEqual({ kind: 'ack' })
      expect(decide(retryable, 5, halt, base)).toEqual({ kind: 'halt' })
    }
  })

  test('list ACK_ON_FAIL: ack the listed base names, halt the others', () => {
    const p = testConfig({ THOTH_INVESTIGATOR_ACK_ON_FAIL: `["${BASE}", "thoth.repo-init"]` })
    expect(failurePolicy(p, BASE)).toEqual({ kind: 'ack' })
    expect(failurePolicy(p, 'thoth.repo-init')).toEqual({ kind: 'ack' })
    expect(failurePolicy(p, 'thoth.adviser-trigger')).toEqual({ kind: 'halt' })
    expect(decide(retryable, 5, p, BASE)).toEqual({ kind: 'ack' })
    expect(decide(retryable, 5, p, 'thoth.adviser-trigger')).toEqual({ kind: 'halt' })
  })

  test('empty list: halt everything', () => {
    expect(failurePolicy(testConfig({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '[]' }), BASE)).toEqual({ kind: 'halt' })
  })
})
