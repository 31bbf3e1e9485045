/**
 * Kafka client construction from the config (§1.4) and start-up topic creation (§2 step 5, D-24).
 * The same connection and security settings serve the admin client, consumer, control-topic
 * reader and producer.
 */
import { readFileSync } from 'node:fs'
import { Kafka, logLevel, type Admin, type ITopicConfig, type KafkaConfig, type LogEntry } from 'kafkajs'
// @ts-expect-error kafkajs ships no types for its internals; used only by fixKafkajsTimerLoop().
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js'
import type { Config } from './config.ts'
import type { Logger } from './log.ts'

const LEVELS: Record<number, 'debug' | 'info' | 'warn' | 'error'> = {
  [logLevel.DEBUG]: 'debug',
  [logLevel.INFO]: 'info',
  [logLevel.WARN]: 'warn',
  [logLevel.ERROR]: 'error',
  [logLevel.NOTHING]: 'error',
}

/** kafkajs options for this deployment (TLS files read here, once). */
export function kafkaClientConfig(config: Config, log: Logger): KafkaConfig {
  const k = config.kafka
  const ssl = k.ssl
    ? {
        ca: k.ssl.caLocation ? [readFileSync(k.ssl.caLocation, 'utf8')] : undefined,
        cert: k.ssl.certificateLocation ? readFileSync(k.ssl.certificateLocation, 'utf8') : undefined,
        key: k.ssl.keyLocation ? readFileSync(k.ssl.keyLocation, 'utf8') : undefined,
        passphrase: k.ssl.keyPassword,
        rejectUnauthorized: true,
        // D-30: host-name check unless the endpoint identification algorithm is `none`.
        ...(k.ssl.checkHostname ? {} : { checkServerIdentity: () => undefined }),
      }
    : undefined
  const kafkaLog = log.child({ component: 'kafkajs' })
  return {
    clientId: k.clientId,
    brokers: [...k.brokers],
    ssl,
    // A copy: kafkajs writes into the sasl object (its authentication provider), the config is frozen.
    sasl: k.sasl ? ({ ...k.sasl } as KafkaConfig['sasl']) : undefined,
    connectionTimeout: 10_000,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...rest } = entry
        kafkaLog[LEVELS[level] ?? 'info'](String(message), rest)
      },
  }
}

/** Builds the client. */
export function createKafka(config: Config, log: Logger): Kafka {
  fixKafkajsTimerLoop()
  return new Kafka(kafkaClientConfig(config, log))
}

let timerLoopFixed = false

/**
 * kafkajs 2.2.4 (tulios/kafkajs#1751): once a connection's request queue has held a pending
 * request, every check of the emptied queue schedules the next one with a negative delay, which
 * runs after 1 ms: each such connection wakes the event loop ~1000 times a second for good
 * (measured: 960 epoll waits/s and 5% CPU while idle). With nothing pending there is nothing to
 * check, and push() schedules a check again when a request queues, so that timer is skipped.
 */
export function fixKafkajsTimerLoop(): void {
  if (timerLoopFixed) return
  timerLoopFixed = true
  const proto = (RequestQueue as { prototype: { pending: unknown[]; scheduleCheckPendingRequests(): void } }).prototype
  const schedule = proto.scheduleCheckPendingRequests
  proto.scheduleCheckPendingRequests = function (this: typeof proto) {
    if (this.pending.length > 0) schedule.call(this)
  }
}

/** One topic the service wants to exist. */
export interface TopicSpec {
  topic: string
  numPartitions: number
  /** -1: the broker's default replication factor. */
  replicationFactor: number
  configEntries: ITopicConfig['configEntries']
}

/** The topics of §2 step 5: the subscribed ones, the dead-letter topic and the control topic. */
export function topicSpecs(config: Config, subscribed: readonly string[]): TopicSpec[] {
  const compression = config.kafka.compressionType ? [{ name: 'compression.type', value: config.kafka.compressionType }] : []
  const specs: TopicSpec[] = subscribed.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1, configEntries: compression }))
  if (config.deadLetterTopic) {
    specs.push({
      topic: config.deadLetterTopic,
      numPartitions: config.deadLetterPartitions,
      replicationFactor: -1,
      configEntries: [
        ...compression,
        { name: 'retention.ms', value: '2592000000' },
        ...(config.kafka.messageMaxBytesSet ? [{ name: 'max.message.bytes', value: String(config.kafka.messageMaxBytes) }] : []),
      ],
    })
  }
  specs.push({ topic: config.controlTopic, numPartitions: 1, replicationFactor: -1, configEntries: [...compression, { name: 'cleanup.policy', value: 'compact' }] })
  return specs
}

/**
 * Creates the missing topics one by one, waiting for each result and logging failures; never
 * throws for a creation failure (D-24). Existing topics are never changed; an existing control
 * topic that is not compacted gets a warning. Returns the topics that exist now (undefined when
 * they could not be listed).
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[], controlTopic: string, log: Logger): Promise<Set<string> | undefined> {
  let existing: Set<string>
  try {
    existing = new Set(await admin.listTopics())
  } catch (err) {
    log.error('could not list topics; topic creation skipped', { error: err })
    return undefined
  }
  const found = new Set(existing)
  for (const spec of specs) {
    if (existing.has(spec.topic)) continue
    try {
      await admin.createTopics({ topics: [spec], waitForLeaders: true })
      log.info('topic created', { topic: spec.topic, partitions: spec.numPartitions })
      found.add(spec.topic)
    } catch (err) {
      const already = (err as { type?: string }).type === 'TOPIC_ALREADY_EXISTS' || /already exists/i.test(String(err))
      if (already) found.add(spec.topic)
      else log.error('topic creation failed', { topic: spec.topic, error: err })
    }
  }
  // Only a warning: not worth a round trip on the way to ready.
  if (existing.has(controlTopic)) void warnIfNotCompacted(admin, controlTopic, log)
  return found
}

async function warnIfNotCompacted(admin: Admin, topic: string, log: Logger): Promise<void> {
  try {
    const res = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }], includeSynonyms: false })
    const policy = res.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? ''
    if (!policy.includes('compact')) log.warn('control topic is not compacted; halts are still kept but the topic grows', { topic, cleanup_policy: policy })
  } catch (err) {
    log.warn('could not read the control topic configuration', { topic, error: err })
  }
}
