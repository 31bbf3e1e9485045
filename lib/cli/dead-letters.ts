/**
 * `investigator dead-letters list | replay`: inspect the dead-letter topic and re-publish dead
 * letters to their original topics (lib/cli/replay.ts holds the replay rules).
 */
import { loadConfig, type Config, type Env } from '../config.ts'
import { EXIT, UsageError, commandKafka, commandLogger, errorText, intOption, parseCommand, resolveBaseName, table, type Io } from './common.ts'
import { listDeadLetters, type DeadLetter } from './dead-letter-reader.ts'
import { NoReplayPositionError, replayDeadLetters, type ReplaySummary } from './replay.ts'

/** Help text of `dead-letters`. */
export const DEAD_LETTERS_HELP = `Usage: investigator dead-letters list [--limit N] [--topic T] [--json]
       investigator dead-letters replay [--topic T] [--limit N] [--dry-run] [--from-beginning] [--group G]

list    prints the newest N dead letters (default 20): where they are, where they came from, the
        reason, the attempts, the time and the error. Commits nothing.
replay  re-publishes dead letters, from the replay group's position to the end of the topic as it
        was when the replay started, to their original topic (thoth.dl.topic) with their key,
        value and original headers (without thoth.dl.*). Each dead letter's offset is committed
        only after the broker acknowledged the copy, so a replay never loses or duplicates one;
        a replay that stops (error, --limit, Ctrl-C) goes on from there next time. A progress
        line is printed every 1000 dead letters, a summary at the end.

Options:
  --topic T          only dead letters of this topic (base name, handler name or full topic name);
                     replay keeps a position of its own for it (group <G>.<base name>)
  --limit N          list: how many (default 20); replay: stop after N replayed dead letters
  --dry-run          replay: show what would be replayed; publishes and commits nothing
  --from-beginning   replay: allowed to start at the beginning of the topic when the group has no
                     position yet (first replay, or Kafka expired it after offsets.retention.minutes)
  --group G          replay group (default <KAFKA_CONSUMER_GROUP_ID>.dead-letter-replay)
  --json             list: one JSON object per dead letter
  --timeout S        give up when the broker sends nothing for S seconds (default 30)
  --verbose          client logs on stderr

The dead-letter topic is THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC (default
<THOTH_DEPLOYMENT_NAME>.thoth.investigator.dead-letter); the rest of the configuration is serve's.
Exit status: 0 done, 1 failed or a record could not be replayed, 2 bad arguments.`

const OPTIONS = {
  topic: { type: 'string' },
  limit: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'from-beginning': { type: 'boolean' },
  group: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean' },
} as const

const clip = (s: string | undefined, n: number) => {
  const one = (s ?? '').replace(/\s+/g, ' ')
  return one.length > n ? `${one.slice(0, n - 1)}…` : one
}

function printList(io: Io, topic: string, total: number, dls: DeadLetter[], json: boolean): void {
  if (json) {
    for (const d of dls) {
      const { key, value, headers: _h, ...rest } = d
      io.out(`${JSON.stringify({ ...rest, key: key?.toString('utf8') ?? null, value: value?.toString('utf8') ?? null })}\n`)
    }
    return
  }
  io.out(`${topic}: ${total} dead letter(s) retained, newest ${dls.length} shown\n`)
  if (!dls.length) return
  const rows = dls.map((d) => [
    `${d.partition}@${d.offset}`,
    d.deadLetteredAt ?? '',
    `${d.topic ?? '?'} ${d.originalPartition ?? '?'}@${d.originalOffset ?? '?'}`,
    d.reason ?? '',
    d.attempts ?? '',
    clip(`${d.errorClass ?? ''}: ${d.errorMessage ?? ''}`, 100),
  ])
  io.out(table(['DEAD LETTER', 'AT', 'ORIGINAL', 'REASON', 'ATTEMPTS', 'ERROR'], rows))
}

function printSummary(io: Io, topic: string, s: ReplaySummary, limit: number | undefined): void {
  const verb = s.dryRun ? 'would replay' : 'replayed'
  io.out(`${s.dryRun ? 'dry run: ' : ''}${verb} ${s.replayed} dead letter(s) of ${s.read} read from ${topic} (group ${s.group}, ${s.pending} pending at the start)\n`)
  const topics = Object.entries(s.byTopic)
  if (topics.length) io.out(table(['TOPIC', 'COUNT'], topics.map(([t, n]) => [t, String(n)])))
  if (s.skippedOtherTopics) io.out(`passed over ${s.skippedOtherTopics} dead letter(s) of other topics (left for a full replay)\n`)
  if (s.skippedAlreadyReplayed) io.out(`skipped ${s.skippedAlreadyReplayed} dead letter(s) already replayed by a --topic replay\n`)
  if (s.expired) io.err(`warning: ${s.expired} dead letter(s) were removed by retention before any replay reached them\n`)
  for (const b of s.blocked) {
    io.err(`partition ${b.partition} offset ${b.offset} has no thoth.dl.topic header (not written by the investigator): the replay of that partition stops there; move the group past it with kafka-consumer-groups.sh --reset-offsets if it is not needed\n`)
  }
  if (s.dryRun) io.out('nothing published, nothing committed\n')
  else if (!s.complete && limit !== undefined && s.replayed >= limit) io.out(`stopped after --limit ${limit}; run again to go on\n`)
  else if (!s.complete && !s.blocked.length && s.error === undefined) io.out('stopped before the end; run again to go on\n')
}

function deadLetterTopic(config: Config): string {
  if (!config.deadLetterTopic) throw new UsageError('dead letters are off (THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC is empty)')
  return config.deadLetterTopic
}

/** The `dead-letters` command. */
export async function deadLetters(args: string[], env: Env, io: Io): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, 1)
  const sub = positionals[0]
  if (sub !== 'list' && sub !== 'replay') throw new UsageError(`dead-letters needs "list" or "replay"${sub ? `, not "${sub}"` : ''}`)
  const config = loadConfig(env)
  const topic = deadLetterTopic(config)
  const baseName = values.topic === undefined ? undefined : resolveBaseName(values.topic, config.deploymentName)
  if (values.topic !== undefined && !baseName) throw new UsageError(`--topic: unknown topic "${values.topic}"`)
  const idleTimeoutMs = intOption(values.timeout, 'timeout', 30) * 1000
  const kafka = commandKafka(config, commandLogger(env, io, values.verbose ?? false))
  const admin = kafka.admin()
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
  })
  try {
    await admin.connect()
    if (sub === 'list') {
      const limit = intOption(values.limit, 'limit', 20)
      const { total, deadLetters: dls } = await listDeadLetters({ kafka, admin, topic, limit, baseName, idleTimeoutMs })
      printList(io, topic, total, dls, values.json ?? false)
      return EXIT.ok
    }
    const limit = values.limit === undefined ? undefined : intOption(values.limit, 'limit', 0)
    const dryRun = values['dry-run'] ?? false
    if (!dryRun) await producer.connect()
    const stop = new AbortController()
    const onSignal = () => {
      io.err('stopping after the dead letter being replayed (a second Ctrl-C exits at once)\n')
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
      stop.abort()
    }
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
    const summary = await replayDeadLetters({
      kafka, admin, producer, topic, baseName, limit, dryRun, idleTimeoutMs, signal: stop.signal,
      group: values.group ?? `${config.kafka.groupId}.dead-letter-replay`,
      fromBeginning: values['from-beginning'] ?? false,
      onProgress: (s) => io.err(`replay: ${s.read}/${s.pending} read, ${s.replayed} ${dryRun ? 'to replay' : 'replayed'}\n`),
      onReplay: dryRun ? (d) => io.out(`would replay ${d.partition}@${d.offset} -> ${d.topic}\n`) : undefined,
    })
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
    printSummary(io, topic, summary, limit)
    if (summary.error !== undefined) io.err(`replay stopped: ${errorText(summary.error)}\n`)
    return summary.blocked.length || summary.error !== undefined ? EXIT.failed : EXIT.ok
  } catch (err) {
    if (err instanceof NoReplayPositionError) {
      io.err(`${err.message}\n`)
      return EXIT.usage
    }
    const missing = (err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION'
    io.err(`dead-letters ${sub} failed: ${missing ? `the dead-letter topic ${topic} does not exist (serve creates it at start-up)` : errorText(err)}\n`)
    return EXIT.failed
  } finally {
    await producer.disconnect().catch(() => {})
    await admin.disconnect().catch(() => {})
  }
}
