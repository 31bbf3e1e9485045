/**
 * The consume loop against the real broker (issue "Consumer engine", tests 1-4 and 6-10; the
 * SIGKILL crash test is in engine-crash.test.ts): ordering, retries, failure policy, dead
 * letters, halts shared through the control topic, quota waits, graceful shutdown.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Admin, Producer } from 'kafkajs'
import { z } from 'zod'
import type { RecordWorkflows } from '../../lib/context.ts'
import { ServiceError } from '../../lib/errors.ts'
import { defineHandler } from '../../lib/handler.ts'
import type { WorkflowFactory } from '../../lib/processor.ts'
import { fakeWorkflows } from '../fakes/context.ts'
import { mtlsBrokers, saslBrokers, saslCredentials, sslBrokers, tlsFiles } from '../helpers/stack.ts'
import { committed, createTopics, engineEnv, scriptedHandler, send, startTestService, testKafka, waitFor, type Script, type Seen, type TestService } from '../helpers/engine.ts'

setDefaultTimeout(60_000)

const UPSD = 'thoth.update-provides-source-distro'
const SOLVED = 'thoth.solver.solved-package'
const HASH = 'thoth.package-update.hash-mismatch'

const kafka = testKafka()
let admin: Admin
let producer: Producer
const running: TestService[] = []

beforeAll(async () => {
  admin = kafka.admin()
  producer = kafka.producer({ allowAutoTopicCreation: false })
  await Promise.all([admin.connect(), producer.connect()])
})
afterAll(async () => {
  await Promise.all(running.map((s) => s.service.stop().catch(() => {})))
  await Promise.all([admin.disconnect(), producer.disconnect()])
})

async function start(o: Parameters<typeof startTestService>[0]): Promise<TestService> {
  const s = await startTestService(o)
  running.push(s)
  return s
}
async function stop(s: TestService): Promise<void> {
  await s.service.stop()
  running.splice(running.indexOf(s), 1)
}

const retryable = (m = 'boom') => new ServiceError('UPSTREAM', m, true)
const ids = (seen: Seen[]) => seen.map((s) => s.id)

/** Reads every record of a topic (dead letters) from the beginning. */
async function readAll(topic: string, count: number) {
  const c = kafka.consumer({ groupId: `reader-${crypto.randomUUID()}`, maxWaitTimeInMs: 100 })
  const out: { key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[] = []
  await c.connect()
  await c.subscribe({ topic, fromBeginning: true })
  await c.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]))
      out.push({ key: message.key, value: message.value, headers })
    },
  })
  await waitFor(() => out.length >= count, 20_000, `${count} records on ${topic}`)
  await c.disconnect()
  return out
}

const POISON: [string, string | Buffer | null][] = [
  ['empty_value', null],
  ['not_utf8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
  ['not_json', 'this is not json'],
  ['not_json', '\uFEFF{"id": 99}'],
  ['not_object', '[1, 2, 3]'],
  ['schema', '{"version": 3}'],
  ['schema', '{"id": "not-a-number"}'],
  ['missing_handler', '{"version": "v9", "id": 98}'],
]

function strictHandler(seen: Seen[], script: () => Script | undefined = () => undefined) {
  const base = scriptedHandler('update-provides-source-distro', 'middletier', seen, script)
  return defineHandler({ ...base, schema: z.looseObject({ id: z.number().optional() }) })
}

describe('poison records (every invalid kind) interleaved with good ones', () => {
  test('ack policy: good ones handled in order, bad ones dead-lettered with their reason, all committed', async () => {
    const seen: Seen[] = []
    const s = await start({ env: engineEnv({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '1' }), handlers: [strictHandler(seen)] })
    const topic = s.topic(UPSD)
    const values: (string | Buffer | null | object)[] = []
    POISON.forEach(([, v], i) => values.push({ id: i }, v))
    values.push({ id: 100 })
    await send(producer, topic, values)
    await waitFor(async () => (await committed(admin, s.config.kafka.groupId, topic)) === values.length, 20_000, 'all committed')
    expect(ids(seen)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 100])
    const dl = await readAll(s.config.deadLetterTopic as string, POISON.length)
    expect(dl.map((r) => r.headers['thoth.dl.reason'])).toEqual(POISON.map(([r]) => r))
    expect(dl.map((r) => r.headers['thoth.dl.offset'])).toEqual(POISON.map((_, i) => String(2 * i + 1)))
    expect(dl[1]?.value).toEqual(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])) // original bytes kept
    expect(dl[0]?.value).toBeNull()
    expect(dl.every((r) => r.headers['thoth.dl.topic'] === topic && r.headers['thoth.dl.attempts'] === '0')).toBe(true)
    expect(await s.metric('thoth_investigator_invalid_messages_total', { base_topic_name: UPSD, reason: 'not_json' })).toBe(2)
    expect(await s.metric('thoth_investigator_failures_total', { message_type: 'update_provides_source_distro' })).toBe(POISON.length)
    expect(await s.metric('thoth_investigator_dead_letters_total', { base_topic_name: UPSD, reason: 'schema' })).toBe(2)
    expect(await s.metric('thoth_investigator_missing_handler', { base_topic_name: UPSD, message_version: 'v9' })).toBe(1)
    expect(await s.metric('current_partition_offsets', { topic_name: topic, partition: '0' })).toBe(values.length - 1)
    expect(s.service.consumer.control.health().ready).toBe(true)
  })

  test('halt policy: the topic halts at the first bad record, which is not committed and comes first after resume', async () => {
    const seen: Seen[] = []
    const s = await start({ env: engineEnv(), handlers: [strictHandler(seen)] })
    const topic = s.topic(UPSD)
    await send(producer, topic, [{ id: 1 }, 'not json', { id: 2 }])
    await waitFor(async () => (await s.metric('thoth_investigator_halted_topics', { base_topic_name: UPSD })) === 1, 20_000, 'halted')
    await Bun.sleep(300)
    expect(ids(seen)).toEqual([1])
    expect(await committed(admin, s.config.kafka.groupId, topic)).toBe(1)
    expect(s.log.lines.some((l) => l.msg === 'invalid message' && l.reason === 'not_json' && l.offset === '1')).toBe(true)
    // Resume: the bad record is first again and halts again; nothing after it is handled.
    const res = await fetch(`${s.service.url}/resume/${UPSD}`)
    expect(res.status).toBe(200)
    await waitFor(async () => (await s.metric('thoth_investigator_invalid_messages_total', { base_topic_name: UPSD, reason: 'not_json' })) === 2, 20_000, 'bad record seen again')
    await waitFor(async () => (await s.metric('thoth_investigator_halted_topics', { base_topic_name: UPSD })) === 1)
    expect(ids(seen)).toEqual([1])
    expect(await committed(admin, s.config.kafka.groupId, topic)).toBe(1)
  })
})

test('one partition failing constantly does not slow the others (3 partitions, 100 records each)', async () => {
  const seen: Seen[] = []
  const env = engineEnv({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '1', THOTH_INVESTIGATOR_MAX_RETRIES: '3', THOTH_INVESTIGATOR_BACKOFF: '0.1', THOTH_CONSUMER_WORKERS: '2' })
  const topic = `${env.THOTH_DEPLOYMENT_NAME}.${UPSD}`
  await createTopics(admin, [topic], 3)
  const handler = strictHandler(seen, () => async (_m, ctx) => {
    if (ctx.record.partition === 0) {
      await Bun.sleep(50)
      throw retryable('partition 0 always fails')
    }
  })
  const s = await start({ env, handlers: [handler] })
  for (const p of [0, 1, 2]) await send(producer, topic, Array.from({ length: 100 }, (_, i) => ({ id: i })), p)
  await waitFor(async () => (await committed(admin, s.config.kafka.groupId, topic, 1)) === 100 && (await committed(admin, s.config.kafka.groupId, topic, 2)) === 100, 30_000, 'partitions 1 and 2 done')
  const p0 = await committed(admin, s.config.kafka.groupId, topic, 0)
  expect(p0).toBeLessThan(20) // each failing record costs 3 attempts with backoff; the others did not wait for it
  for (const p of [1, 2]) expect(seen.filter((x) => x.partition === p).map((x) => x.id)).toEqual(Array.from({ length: 100 }, (_, i) => i))
})

test('retry then success: delays as §6.4, handlers that succeeded are not run again', async () => {
  const seen: Seen[] = []
  const times: number[] = []
  const middle = scriptedHandler('hash-mismatch', 'middletier', seen, () => undefined)
  const back = scriptedHandler('hash-mismatch', 'backend', seen, () => (_m, _c, attempt) => {
    times.push(performance.now())
    if (attempt < 3) throw retryable(`attempt ${attempt}`)
  })
  const s = await start({ env: engineEnv({ THOTH_INVESTIGATOR_BACKOFF: '0.4' }), handlers: [middle, back] })
  await send(producer, s.topic(HASH), [{ id: 1 }])
  await waitFor(async () => (await committed(admin, s.config.kafka.groupId, s.topic(HASH))) === 1, 20_000)
  expect(seen.map((x) => `${x.handler}#${x.attempt}`)).toEqual(['middletier:hash-mismatch#1', 'backend:hash-mismatch#1', 'backend:hash-mismatch#2', 'backend:hash-mismatch#3'])
  const [t1, t2, t3] = times as [number, number, number]
  expect(t2 - t1).toBeLessThan(300) // attempt 2 starts at once
  expect(t3 - t2).toBeGreaterThanOrEqual(390) // attempt 3 after BACKOFF
  expect(await s.metric('thoth_investigator_exceptions_total', { message_type: 'hash_mismatch' })).toBe(2)
  expect(s.log.lines.filter((l) => l.msg === 'handler attempt failed' && l.attempt === 2 && l.offset === '0').length).toBe(1)
})

test('halt holds across a rebalance; /resume on the other replica hands the failed record first', async () => {
  const seen: Seen[] = []
  let failing = true
  const script = () => (m: { id?: unknown }) => {
    if (failing && m.id === 2) throw retryable('not yet')
  }
  const env = engineEnv({ THOTH_INVESTIGATOR_MAX_RETRIES: '1' })
  const a = await start({ env, handlers: [scriptedHandler('solved-package', 'middletier', seen, script)] })
  const topic = a.topic(SOLVED)
  await send(producer, topic, [{ id: 1 }, { id: 2 }, { id: 3 }])
  await waitFor(async () => (await a.metric('thoth_investigator_halted_topics', { base_topic_name: SOLVED })) === 1, 20_000, 'halted on A')
  const b = await start({ env, handlers: [scriptedHandler('solved-package', 'middletier', seen, script)] })
  expect(await b.metric('thoth_investigator_halted_topics', { base_topic_name: SOLVED })).toBe(1) // read from the control topic
  await send(producer, topic, [{ id: 4 }])
  await Bun.sleep(1500) // rebalance happened; whoever owns the partition must keep it paused
  expect(ids(seen)).toEqual([1, 2])
  const owner = a.service.consumer.control.partitions().some((p) => p.topic === topic) ? a : b
  const other = owner === a ? b : a
  failing = false
  const res = await fetch(`${other.service.url}/resume/${SOLVED}`)
  expect(await res.json()).toEqual({ message: `Successfully resumed consumption of ${topic}.` })
  await waitFor(() => ids(seen).length === 5, 20_000, 'records after resume')
  expect(ids(seen)).toEqual([1, 2, 2, 3, 4])
  await waitFor(async () => (await a.metric('thoth_investigator_halted_topics', { base_topic_name: SOLVED })) === 0 && (await b.metric('thoth_investigator_halted_topics', { base_topic_name: SOLVED })) === 0)
  await stop(b)
  await stop(a)
})

test('a halt survives a restart and /halt is shared with a replica that starts later', async () => {
  const seen: Seen[] = []
  const env = engineEnv()
  const a = await start({ env, handlers: [scriptedHandler('solved-package', 'middletier', seen, () => undefined)] })
  const res = await fetch(`${a.service.url}/halt/${SOLVED}`)
  expect(res.status).toBe(200)
  await stop(a)
  const b = await start({ env, handlers: [scriptedHandler('solved-package', 'middletier', seen, () => undefined)] })
  expect(await b.metric('thoth_investigator_halted_topics', { base_topic_name: SOLVED })).toBe(1)
  await send(producer, b.topic(SOLVED), [{ id: 1 }])
  await Bun.sleep(800)
  expect(seen).toEqual([])
  await fetch(`${b.service.url}/resume/${SOLVED}`)
  await waitFor(() => seen.length === 1, 20_000, 'handled after resume')
})

test('quota wait longer than the max poll interval: no eviction, other topics flow, then it continues', async () => {
  const seen: Seen[] = []
  let pending = 10
  const limit = 5
  const workflows: WorkflowFactory = {
    newMemory: () => ({}),
    forRecord: (_r, _m, scope): RecordWorkflows => {
      const inner = fakeWorkflows()
      return {
        ...inner,
        async submit(kind, params, opts) {
          if (pending > limit) {
            scope.onWaiting?.(true)
            while (pending > limit && !scope.signal.aborted) await Bun.sleep(100)
            scope.onWaiting?.(false)
          }
          return inner.submit(kind, params, opts)
        },
      }
    },
  }
  const submitting = scriptedHandler('solved-package', 'middletier', seen, () => async (_m, ctx) => void (await ctx.workflows.submit('solver', {}, { idPrefix: 'solver' })))
  const other = scriptedHandler('update-provides-source-distro', 'middletier', seen, () => undefined)
  const s = await start({ env: engineEnv({ KAFKA_CONSUMER_MAX_POLL_INTERVAL_MS: '3000', THOTH_CONSUMER_WORKERS: '1', THOTH_INVESTIGATOR_STUCK_SECONDS: '1' }), handlers: [submitting, other], workflows })
  await send(producer, s.topic(SOLVED), [{ id: 's1' }, { id: 's2' }])
  await Bun.sleep(500)
  await send(producer, s.topic(UPSD), [{ id: 'u1' }, { id: 'u2' }])
  await waitFor(() => ids(seen).includes('u2'), 10_000, 'other topic flows while waiting')
  await Bun.sleep(5000) // > max poll interval and > the stuck threshold
  expect(s.service.consumer.control.health()).toEqual({ ready: true }) // waiting partitions never count as stuck
  expect(s.log.lines.filter((l) => l.msg === 'partitions assigned').length).toBe(1) // no rebalance
  expect(await committed(admin, s.config.kafka.groupId, s.topic(SOLVED))).toBe(-1)
  pending = 3
  await waitFor(async () => (await committed(admin, s.config.kafka.groupId, s.topic(SOLVED))) === 2, 10_000, 'waiting topic continues')
})

test('graceful shutdown during a slow handler: it finishes, is committed, nothing after it is started or skipped', async () => {
  const seen: Seen[] = []
  const env = engineEnv()
  let slowStarted = false
  const slow = () => async (m: { id?: unknown }) => {
    if (m.id === 1) {
      slowStarted = true
      await Bun.sleep(1500)
    }
  }
  const a = await start({ env, handlers: [scriptedHandler('solved-package', 'middletier', seen, slow)] })
  const topic = a.topic(SOLVED)
  await send(producer, topic, [0, 1, 2, 3, 4].map((id) => ({ id })))
  await waitFor(() => slowStarted, 10_000, 'slow handler running')
  await stop(a)
  expect(ids(seen)).toEqual([0, 1])
  expect(await committed(admin, a.config.kafka.groupId, topic)).toBe(2)
  const b = await start({ env, handlers: [scriptedHandler('solved-package', 'middletier', seen, () => undefined)] })
  await waitFor(async () => (await committed(admin, b.config.kafka.groupId, topic)) === 5, 20_000)
  expect(ids(seen)).toEqual([0, 1, 2, 3, 4])
})

test('ACK_ON_FAIL as a list: listed topics are dead-lettered and go on, the others halt', async () => {
  const seen: Seen[] = []
  const failOnTwo = () => (m: { id?: unknown }) => {
    if (m.id === 2) throw retryable('fails')
  }
  const s = await start({
    env: engineEnv({ THOTH_INVESTIGATOR_ACK_ON_FAIL: JSON.stringify([UPSD]), THOTH_INVESTIGATOR_MAX_RETRIES: '2' }),
    handlers: [scriptedHandler('update-provides-source-distro', 'middletier', seen, failOnTwo), scriptedHandler('solved-package', 'middletier', seen, failOnTwo)],
  })
  for (const b of [UPSD, SOLVED]) await send(producer, s.topic(b), [{ id: 1 }, { id: 2 }, { id: 3 }])
  await waitFor(async () => (await committed(admin, s.config.kafka.groupId, s.topic(UPSD))) === 3, 20_000, 'listed topic done')
  await waitFor(async () => (await s.metric('thoth_investigator_halted_topics', { base_topic_name: SOLVED })) === 1, 20_000, 'other halted')
  expect(await committed(admin, s.config.kafka.groupId, s.topic(SOLVED))).toBe(1)
  expect(await s.metric('thoth_investigator_halted_topics', { base_topic_name: UPSD })).toBe(0)
  const dl = await readAll(s.config.deadLetterTopic as string, 1)
  expect(dl[0]?.headers).toMatchObject({ 'thoth.dl.reason': 'handler_error', 'thoth.dl.attempts': '2', 'thoth.dl.error_class': 'ServiceError', 'thoth.dl.base_name': UPSD })
  expect(await s.metric('thoth_investigator_failures_total', { message_type: 'update_provides_source_distro' })).toBe(1)
  expect(await s.metric('thoth_investigator_failures_total', { message_type: 'solved_package' })).toBeUndefined()
})

test('dead-letter write failure: nothing committed, the topic halts with dead_letter_unavailable', async () => {
  const seen: Seen[] = []
  const env = engineEnv({ THOTH_INVESTIGATOR_ACK_ON_FAIL: '1', THOTH_INVESTIGATOR_MAX_RETRIES: '2' })
  await createTopics(admin, [`${env.THOTH_DEPLOYMENT_NAME}.thoth.investigator.dead-letter`], 1, [{ name: 'max.message.bytes', value: '200' }])
  const s = await start({ env, handlers: [scriptedHandler('solved-package', 'middletier', seen, () => undefined)] })
  // The invalid record must be dead-lettered but cannot be: it is larger than the topic allows.
  await send(producer, s.topic(SOLVED), [{ id: 1 }, `{"not json ${'y'.repeat(2000)}`, { id: 3 }])
  await waitFor(async () => (await s.metric('thoth_investigator_halted_topics', { base_topic_name: SOLVED })) === 1, 20_000, 'halted')
  expect(await committed(admin, s.config.kafka.groupId, s.topic(SOLVED))).toBe(1)
  expect(ids(seen)).toEqual([1])
  expect(s.log.lines.some((l) => l.msg === 'topic halted after a failed record' && l.reason === 'dead_letter_unavailable')).toBe(true)
  expect(await s.metric('thoth_investigator_dead_letters_total', { base_topic_name: SOLVED, reason: 'not_json' })).toBeUndefined()
  expect(await s.metric('thoth_investigator_failures_total', { message_type: 'solved_package' })).toBeUndefined()
})

test('a topic that cannot be created is logged, the others flow, and it is subscribed once it exists', async () => {
  const seen: Seen[] = []
  const env = engineEnv()
  const topic = `${env.THOTH_DEPLOYMENT_NAME}.${SOLVED}`
  const colliding = topic.replaceAll('.', '_') // Kafka refuses topics whose names collide this way
  await createTopics(admin, [colliding])
  const s = await start({
    env,
    handlers: [scriptedHandler('solved-package', 'middletier', seen, () => undefined), scriptedHandler('update-provides-source-distro', 'middletier', seen, () => undefined)],
    missingTopicRecheckMs: 500,
  })
  expect(s.log.lines.some((l) => l.msg === 'topic creation failed' && l.topic === topic)).toBe(true)
  expect(s.log.lines.some((l) => l.msg === 'topics do not exist; they are subscribed once they do')).toBe(true)
  await send(producer, s.topic(UPSD), [{ id: 'u' }])
  await waitFor(() => ids(seen).includes('u'), 20_000, 'other topic flows')
  await admin.deleteTopics({ topics: [colliding] })
  await waitFor(async () => {
    try {
      await createTopics(admin, [topic])
      return true
    } catch {
      return false
    }
  }, 20_000, 'topic created after the collision is gone')
  await send(producer, topic, [{ id: 's' }])
  await waitFor(() => ids(seen).includes('s'), 30_000, 'late topic subscribed')
  expect(s.service.consumer.control.health().ready).toBe(true)
})

test('auto-resume of failure halts: S, then 2S after a re-halt without success; operator halts stay', async () => {
  const seen: Seen[] = []
  let calls = 0
  const failTwice = () => () => {
    calls++
    if (calls <= 2) throw retryable(`failure ${calls}`)
  }
  const s = await start({
    env: engineEnv({ THOTH_INVESTIGATOR_MAX_RETRIES: '1', THOTH_INVESTIGATOR_HALT_AUTO_RESUME_SECONDS: '1' }),
    handlers: [scriptedHandler('solved-package', 'middletier', seen, failTwice), scriptedHandler('update-provides-source-distro', 'middletier', seen, () => undefined)],
  })
  await send(producer, s.topic(SOLVED), [{ id: 1 }, { id: 2 }])
  await waitFor(async () => (await committed(admin, s.config.kafka.groupId, s.topic(SOLVED))) === 2, 20_000, 'handled after two auto-resumes')
  expect(seen.map((x) => x.id)).toEqual([1, 1, 1, 2])
  const control = (await readAll(s.config.controlTopic, 4)).filter((r) => r.key?.toString() === SOLVED).map((r) => JSON.parse(String(r.value)))
  expect(control.map((r) => [r.halted, r.reason, r.auto_resume_seconds])).toEqual([
    [true, 'handler_error', 1],
    [false, 'auto_resume', 1],
    [true, 'handler_error', 2],
    [false, 'auto_resume', 2],
  ])
  // An operator's halt is never resumed automatically.
  await fetch(`${s.service.url}/halt/${UPSD}`)
  await Bun.sleep(2500)
  expect(await s.metric('thoth_investigator_halted_topics', { base_topic_name: UPSD })).toBe(1)
})

test('stuck partition: /_health 503 while a partition with lag makes no progress, 200 once it does (D-33)', async () => {
  const seen: Seen[] = []
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  const s = await start({
    env: engineEnv({ THOTH_INVESTIGATOR_STUCK_SECONDS: '1' }),
    handlers: [scriptedHandler('solved-package', 'middletier', seen, () => async (m) => void (m.id === 1 && (await gate)))],
  })
  await send(producer, s.topic(SOLVED), [{ id: 1 }, { id: 2 }])
  await waitFor(() => !s.service.consumer.control.health().ready, 20_000, 'reported stuck')
  const res = await fetch(`${s.service.url}/_health`)
  expect(res.status).toBe(503)
  expect(((await res.json()) as { reason: string }).reason).toContain(`of ${s.topic(SOLVED)} is stuck`)
  release()
  await waitFor(async () => (await committed(admin, s.config.kafka.groupId, s.topic(SOLVED))) === 2, 20_000)
  await waitFor(() => s.service.consumer.control.health().ready, 20_000, 'healthy again')
})

/** The test broker's SASL/PLAIN login as KAFKA_* variables. */
const SASL_LOGIN = { KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: saslCredentials.username, KAFKA_SASL_PASSWORD: saslCredentials.password }

test('SASL_PLAINTEXT through the KAFKA_* variables: the service joins and handles a record', async () => {
  const seen: Seen[] = []
  const s = await start({
    env: engineEnv({
      KAFKA_BOOTSTRAP_SERVERS: saslBrokers.join(','),
      KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext',
      ...SASL_LOGIN,
    }),
    handlers: [scriptedHandler('solved-package', 'middletier', seen, () => undefined)],
  })
  await send(producer, s.topic(SOLVED), [{ id: 1 }])
  await waitFor(() => seen.length === 1, 20_000, 'handled over SASL')
  expect(s.log.lines.some((l) => JSON.stringify(l).includes(saslCredentials.password))).toBe(false)
})

test('SASL_SSL through the KAFKA_* variables (CA file, host name checked): the service joins and handles a record', async () => {
  const seen: Seen[] = []
  const s = await start({
    env: engineEnv({
      KAFKA_BOOTSTRAP_SERVERS: sslBrokers.join(','),
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SSL_CA_LOCATION: tlsFiles.ca,
      ...SASL_LOGIN,
    }),
    handlers: [scriptedHandler('solved-package', 'middletier', seen, () => undefined)],
  })
  expect(s.config.kafka.ssl?.checkHostname).toBe(true)
  await send(producer, s.topic(SOLVED), [{ id: 1 }])
  await waitFor(() => seen.length === 1, 20_000, 'handled over SASL_SSL')
  expect(await committed(admin, s.config.kafka.groupId, s.topic(SOLVED))).toBe(1)
})

test('SSL with a client certificate through the KAFKA_SSL_* variables: the service joins and handles a record', async () => {
  const seen: Seen[] = []
  const password = tlsFiles.clientKeyPassword()
  const s = await start({
    env: engineEnv({
      KAFKA_BOOTSTRAP_SERVERS: mtlsBrokers.join(','),
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_SSL_CA_LOCATION: tlsFiles.ca,
      KAFKA_SSL_CERTIFICATE_LOCATION: tlsFiles.clientCert,
      KAFKA_SSL_KEY_LOCATION: tlsFiles.clientKey,
      KAFKA_SSL_KEY_PASSWORD: password,
    }),
    handlers: [scriptedHandler('solved-package', 'middletier', seen, () => undefined)],
  })
  await send(producer, s.topic(SOLVED), [{ id: 1 }])
  await waitFor(() => seen.length === 1, 20_000, 'handled over mTLS')
  expect(await committed(admin, s.config.kafka.groupId, s.topic(SOLVED))).toBe(1)
  expect(s.log.lines.some((l) => JSON.stringify(l).includes(password))).toBe(false)
})
