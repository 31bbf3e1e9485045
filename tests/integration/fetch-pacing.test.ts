/**
 * lib/fetch-pacing.ts against the real broker: after a fetch that brought records the next one
 * waits only the busy wait; after an empty one the consumer's own long poll applies again; a
 * group that is not paced keeps kafkajs's settings. Fetch durations come from kafkajs's FETCH
 * event; the margins (a 1,500 ms long poll against a 5 ms busy wait) keep this about behaviour,
 * not speed.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs'
import { paceFetches } from '../../lib/fetch-pacing.ts'
import { fixKafkajsTimerLoop } from '../../lib/kafka.ts'
import { brokers } from '../helpers/stack.ts'

setDefaultTimeout(60_000)
fixKafkajsTimerLoop()
const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING })
const topic = `pacing-${randomUUID()}`
const LONG_POLL_MS = 1500
let admin: Admin
let producer: Producer

beforeAll(async () => {
  admin = kafka.admin()
  producer = kafka.producer({ allowAutoTopicCreation: false })
  await Promise.all([admin.connect(), producer.connect()])
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
})

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  await Promise.all([admin.disconnect(), producer.disconnect()])
})

/** Fetch durations of a consumer of `group` around one produced record: [the one that brought it, the next, the one after]. */
async function fetchesAroundARecord(group: string): Promise<number[]> {
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: LONG_POLL_MS, sessionTimeout: 30_000 })
  const fetches: { end: number; duration: number }[] = []
  let deliveredAt: number | undefined
  consumer.on(consumer.events.FETCH, ({ payload }) => void fetches.push({ end: performance.now(), duration: payload.duration }))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: false })
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()))
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (batch.messages.length) deliveredAt ??= performance.now()
    },
  })
  await joined
  await Bun.sleep(LONG_POLL_MS + 500) // one idle long poll, so the fetch position is at the end
  await producer.send({ topic, messages: [{ value: 'x' }] })
  const deadline = Date.now() + 20_000
  while ((deliveredAt === undefined || fetches.filter((f) => f.end > (deliveredAt as number)).length < 2) && Date.now() < deadline) await Bun.sleep(50)
  await consumer.disconnect()
  const at = deliveredAt as number
  const bringing = fetches.filter((f) => f.end <= at).at(-1)
  const after = fetches.filter((f) => f.end > at).slice(0, 2)
  return [bringing?.duration ?? NaN, ...after.map((f) => f.duration)]
}

test('paced: after records a short wait, after an empty fetch the long poll again', async () => {
  const group = `pacing-${randomUUID()}`
  paceFetches(group, { busyWaitMs: 5, busyMinBytes: 64 * 1024 })
  const [bringing, next, afterThat] = await fetchesAroundARecord(group)
  expect(bringing).toBeLessThan(LONG_POLL_MS - 300) // minBytes 1: it answered when the record came
  expect(next).toBeLessThan(300) // busy: waited only up to 5 ms for more
  expect(afterThat).toBeGreaterThan(LONG_POLL_MS - 300) // the busy fetch was empty: long poll again
})

test('a group that is not paced keeps the long poll after records', async () => {
  const [, next] = await fetchesAroundARecord(`unpaced-${randomUUID()}`)
  expect(next).toBeGreaterThan(LONG_POLL_MS - 300)
})
