/**
 * `investigator produce <base-topic> <json | @file>`: checks a message exactly as the consumer
 * would (decoding rules of §6.3, then the zod schema of every handler that takes it) and only
 * then publishes it to `<THOTH_DEPLOYMENT_NAME>.<base-topic>`.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { loadConfig, type Env } from '../config.ts'
import { decodeValue } from '../decode.ts'
import type { Handler, Mode } from '../handler.ts'
import { createRegistry } from '../registry.ts'
import { messageTypeByBaseName, topicName } from '../topics.ts'
import { EXIT, UsageError, commandKafka, commandLogger, errorText, parseCommand, resolveBaseName, type Io } from './common.ts'

/** Help text of `produce`. */
export const PRODUCE_HELP = `Usage: investigator produce <base-topic> <json | @file | @-> [--key KEY] [--dry-run] [--verbose]

Validates a message with the zod schema of every handler that consumes it (any mode) and
publishes it to <THOTH_DEPLOYMENT_NAME>.<base-topic> (acks=all). <base-topic> is a base name
(thoth.solver.solved-package), a handler name (solved-package) or the full topic name. The
message is inline JSON, @path to read a file, or @- to read stdin; a JSON array publishes each
element as one message, in order, after all of them were validated. Nothing is published when
any message is invalid. --dry-run validates only (no Kafka connection).

Exit status: 0 published (or valid with --dry-run), 1 publishing failed, 2 invalid message or
bad arguments.`

/** Every mode, so a message is checked against every handler of its topic. */
const ALL_MODES: readonly Mode[] = ['middletier', 'backend', 'metrics']

/** Why a message would not be handled: empty when it is valid. */
export function validateMessage(handlers: readonly Handler[], baseName: string, text: string): string[] {
  let decoded
  try {
    decoded = decodeValue(Buffer.from(text, 'utf8'))
  } catch (err) {
    return [errorText(err)]
  }
  const lookup = createRegistry(handlers, ALL_MODES).lookup(baseName, decoded.version)
  if (lookup.kind !== 'handlers') {
    const stem = messageTypeByBaseName(baseName)?.stem
    const known = [...new Set(handlers.filter((h) => h.name === stem).flatMap((h) => h.versions))]
    return [`no handler for version "${decoded.version}" of ${baseName} (known versions: ${known.join(', ') || 'none'})`]
  }
  const problems: string[] = []
  for (const h of lookup.handlers) {
    const result = h.schema.safeParse(decoded.payload)
    if (!result.success) problems.push(`${h.mode} handler ${h.name}:\n${z.prettifyError(result.error)}`)
  }
  return problems
}

/** The messages of the argument: one JSON text per message. */
function messagesOf(arg: string, readStdin: () => string): string[] {
  let text = arg
  if (arg.startsWith('@')) {
    const path = arg.slice(1)
    try {
      text = path === '-' ? readStdin() : readFileSync(path, 'utf8')
    } catch (err) {
      throw new UsageError(`cannot read ${path}: ${errorText(err)}`)
    }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new UsageError(`the message is not JSON: ${errorText(err)}`)
  }
  return Array.isArray(parsed) ? parsed.map((m) => JSON.stringify(m)) : [text.trim()]
}

/** The `produce` command; `handlers` is the service's handler list. */
export async function produce(args: string[], env: Env, io: Io, handlers: readonly Handler[]): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { key: { type: 'string' }, 'dry-run': { type: 'boolean' }, verbose: { type: 'boolean' } },
    2,
  )
  const [topicArg, messageArg] = positionals
  if (topicArg === undefined || messageArg === undefined) throw new UsageError('produce needs <base-topic> and <json | @file>')
  const baseName = resolveBaseName(topicArg, env.THOTH_DEPLOYMENT_NAME)
  if (!baseName) throw new UsageError(`unknown topic "${topicArg}": expected one of the 19 base names (see README), a handler name or a full topic name`)
  const messages = messagesOf(messageArg, () => readFileSync(0, 'utf8'))
  if (messages.length === 0) throw new UsageError('the JSON array is empty: nothing to publish')
  let invalid = 0
  messages.forEach((text, i) => {
    const problems = validateMessage(handlers, baseName, text)
    if (problems.length === 0) return
    invalid++
    io.err(`${messages.length > 1 ? `message ${i + 1}: ` : ''}invalid ${baseName} message:\n${problems.join('\n')}\n`)
  })
  if (invalid) {
    io.err(`nothing published: ${invalid} of ${messages.length} message(s) invalid\n`)
    return EXIT.usage
  }
  if (values['dry-run']) {
    io.out(`${messages.length} valid ${baseName} message(s); --dry-run: nothing published\n`)
    return EXIT.ok
  }
  const config = loadConfig(env)
  const topic = topicName(config.deploymentName, baseName)
  const producer = commandKafka(config, commandLogger(env, io, values.verbose ?? false)).producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 2_000 },
  })
  try {
    await producer.connect()
    for (const text of messages) {
      const [meta] = await producer.send({ topic, acks: -1, messages: [{ key: values.key ?? null, value: text }] })
      io.out(`published to ${topic} partition ${meta?.partition ?? '?'} offset ${meta?.baseOffset ?? '?'}\n`)
    }
  } catch (err) {
    io.err(`publishing to ${topic} failed: ${errorText(err)}\n`)
    return EXIT.failed
  } finally {
    await producer.disconnect().catch(() => {})
  }
  return EXIT.ok
}
