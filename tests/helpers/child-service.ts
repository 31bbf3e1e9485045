/**
 * A service process for crash tests: the real service with a scripted solved-package handler
 * that appends every call to TEST_SEEN_FILE and throws for partition 0 while TEST_FAIL_P0=1.
 * Started by tests with Bun.spawn and killed with SIGKILL or SIGTERM.
 */
import { appendFileSync } from 'node:fs'
import { ServiceError } from '../../lib/errors.ts'
import { memoryLogger } from '../../lib/log.ts'
import { createMetrics } from '../../lib/metrics.ts'
import { startService } from '../../lib/service.ts'
import { testConfig } from '../fakes/config.ts'
import { fakeGit, fakePackageIndex } from '../fakes/context.ts'
import { memoryWorkflows, scriptedHandler, type Seen } from './engine.ts'

const seenFile = process.env.TEST_SEEN_FILE as string
const failP0 = process.env.TEST_FAIL_P0 === '1'
const config = testConfig({
  THOTH_DEPLOYMENT_NAME: process.env.TEST_PREFIX,
  KAFKA_CONSUMER_GROUP_ID: process.env.TEST_GROUP,
  KAFKA_BOOTSTRAP_SERVERS: process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092',
  KAFKA_CONSUMER_AUTO_OFFSET_RESET: 'earliest',
  THOTH_INVESTIGATOR_BACKOFF: '0.2',
  THOTH_INVESTIGATOR_MAX_RETRIES: '1000',
})
const seen: Seen[] = []
const handler = scriptedHandler('solved-package', 'middletier', seen, () => (m, ctx, attempt) => {
  appendFileSync(seenFile, `${JSON.stringify({ partition: ctx.record.partition, offset: ctx.record.offset, id: m.id, attempt })}\n`)
  if (failP0 && ctx.record.partition === 0) throw new ServiceError('UPSTREAM', 'partition 0 fails', true)
})
const service = await startService({
  config,
  log: memoryLogger('info'),
  metrics: createMetrics(),
  handlers: [handler],
  kg: null,
  workflows: memoryWorkflows(),
  git: fakeGit(),
  packageIndex: fakePackageIndex(),
  maxWaitTimeInMs: 100,
  port: 0,
})
process.on('SIGTERM', () => void service.stop().then(() => process.exit(0)))
appendFileSync(seenFile, `${JSON.stringify({ ready: true })}\n`)
