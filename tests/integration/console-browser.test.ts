/**
 * The operator console in a real browser: Debian's chromium driven by playwright-core, against
 * the real service on the local Kafka broker and PostgreSQL (a scratch knowledge graph that the
 * handlers query). Scripted handlers fail on demand. Screenshots go to tests/artifacts/.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Producer } from 'kafkajs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { testConfig } from '../fakes/config.ts'
import { fakeGit, fakePackageIndex } from '../fakes/context.ts'
import { ServiceError } from '../../lib/errors.ts'
import { createKnowledgeGraph } from '../../lib/knowledge-graph.ts'
import { memoryLogger } from '../../lib/log.ts'
import { createMetrics } from '../../lib/metrics.ts'
import { startService, type RunningService } from '../../lib/service.ts'
import { engineEnv, memoryWorkflows, scriptedHandler, send, testKafka, waitFor, type Seen } from '../helpers/engine.ts'
import { createScratchDatabase, type ScratchDatabase } from '../helpers/stack.ts'

setDefaultTimeout(60_000)

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = join(import.meta.dir, '..', 'artifacts')
const UPSD = 'thoth.update-provides-source-distro' // halt policy
const SOLVED = 'thoth.solver.solved-package' // ack policy: failures are dead-lettered
const TOKEN = 'console-test-token'

const kafka = testKafka()
const metrics = createMetrics()
const seen: Seen[] = []
const failing = new Set<string>()
const requests: string[] = []
const prompts: string[] = []
let db: ScratchDatabase
let producer: Producer
let service: RunningService
let browser: Browser
let page: Page
let prefix = ''

/** A handler that asks the real knowledge graph, then fails while its topic is in `failing`. */
const handler = (stem: string, base: string) =>
  scriptedHandler(stem, 'middletier', seen, () => async (_msg, ctx) => {
    await ctx.kg.indexUrls()
    if (failing.has(base)) throw new ServiceError('UPSTREAM', `argo refused the workflow for ${stem}`, false)
  })

const row = (base: string) => page.locator(`#topics tr[data-topic="${base}"]`)
const handledIds = (base: string) => seen.filter((s) => s.topic === `${prefix}.${base}`).map((s) => s.id)

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install.sh (apt-get install chromium)`)
  mkdirSync(ARTIFACTS, { recursive: true })
  db = await createScratchDatabase()
  const pg = new URL(db.url)
  const env = engineEnv({
    THOTH_CONSUMER_MODE: '["middletier"]',
    THOTH_INVESTIGATOR_ACK_ON_FAIL: JSON.stringify([SOLVED]),
    THOTH_INVESTIGATOR_ADMIN_TOKEN: TOKEN,
    KNOWLEDGE_GRAPH_HOST: pg.hostname,
    KNOWLEDGE_GRAPH_PORT: pg.port,
    KNOWLEDGE_GRAPH_USER: decodeURIComponent(pg.username),
    KNOWLEDGE_GRAPH_PASSWORD: decodeURIComponent(pg.password),
    KNOWLEDGE_GRAPH_DATABASE: pg.pathname.slice(1),
    KNOWLEDGE_GRAPH_SSL_DISABLED: '1',
  })
  const config = testConfig(env)
  prefix = config.deploymentName
  const log = memoryLogger('info')
  service = await startService({
    config,
    log,
    metrics,
    handlers: [handler('update-provides-source-distro', UPSD), handler('solved-package', SOLVED)],
    kg: createKnowledgeGraph({ ...config.knowledgeGraph, maxConnections: 2 }, log),
    workflows: memoryWorkflows(),
    git: fakeGit(),
    packageIndex: fakePackageIndex(),
    maxWaitTimeInMs: 100,
    port: 0,
  })
  await waitFor(() => service.consumer.control.health().ready, 30_000, 'service ready')
  producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  // playwright's launch() gives chromium a fresh --user-data-dir of its own (a temporary profile).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  page.on('request', (r) => void requests.push(r.url()))
  page.on('dialog', (d) => {
    if (d.type() === 'prompt') prompts.push(d.message())
    void d.accept(d.type() === 'prompt' ? TOKEN : undefined)
  })
})

afterAll(async () => {
  await browser?.close().catch(() => {})
  await producer?.disconnect().catch(() => {})
  await service?.stop().catch(() => {})
  await db?.drop().catch(() => {})
})

describe('operator console in chromium', () => {
  test('the overview shows a flowing topic with its handled record', async () => {
    await send(producer, `${prefix}.${UPSD}`, [{ id: 1 }])
    await waitFor(() => handledIds(UPSD).includes(1), 20_000, 'record 1 handled')
    await page.goto(service.url)
    await expect(row(UPSD).getAttribute('data-state')).resolves.toBe('flowing')
    await page.waitForFunction(
      (b) => {
        const r = document.querySelector(`#topics tr[data-topic="${b}"]`)
        return r?.querySelector('[data-testid=handled]')?.textContent === '1' && r.querySelector('[data-testid=lag]')?.textContent === '0'
      },
      UPSD,
      { timeout: 15_000 }, // the lag is measured every 5 s
    )
    await expect(page.getByTestId('health').textContent()).resolves.toBe('ready')
    await page.screenshot({ path: join(ARTIFACTS, 'console-overview.png'), fullPage: true })
  })

  test('a failure under the halt policy shows the warning box with the failed offset', async () => {
    failing.add(UPSD)
    await send(producer, `${prefix}.${UPSD}`, [{ id: 2 }, { id: 3 }])
    const box = page.locator(`[data-testid=halted-topic][data-topic="${UPSD}"]`)
    await box.waitFor({ timeout: 20_000 }) // the page refreshes itself
    await expect(box.getByTestId('halt-offset').textContent()).resolves.toBe('1')
    await expect(box.getByTestId('halt-partition').textContent()).resolves.toBe('0')
    await expect(box.textContent()).resolves.toContain('argo refused the workflow')
    await expect(row(UPSD).getAttribute('data-state')).resolves.toBe('halted')
    await page.screenshot({ path: join(ARTIFACTS, 'console-halted.png'), fullPage: true })
  })

  test('Resume (asking for the admin token once) handles the record and the lag goes to 0', async () => {
    failing.delete(UPSD)
    await page.locator(`[data-testid=halted-topic][data-topic="${UPSD}"]`).getByTestId('resume').click()
    await waitFor(() => handledIds(UPSD).includes(3), 20_000, 'records 2 and 3 handled after resume')
    expect(handledIds(UPSD)).toEqual([1, 2, 2, 3])
    expect(prompts.length).toBe(1)
    await page.waitForFunction(
      (b) => {
        const r = document.querySelector(`#topics tr[data-topic="${b}"]`)
        return r?.getAttribute('data-state') === 'flowing' && r.querySelector('[data-testid=lag]')?.textContent === '0'
      },
      UPSD,
      { timeout: 20_000 },
    )
    await expect(page.locator('#halted').count()).resolves.toBe(0)
    await expect(page.locator('#flash').textContent()).resolves.toContain('Successfully resumed')
  })

  test('a dead letter can be opened and replayed, and is then handled', async () => {
    failing.add(SOLVED)
    await send(producer, `${prefix}.${SOLVED}`, [{ id: 10, registry_password: 'pw-not-shown' }])
    await page.waitForFunction((b) => document.querySelector(`#topics tr[data-topic="${b}"] [data-testid=dead-lettered]`)?.textContent === '1', SOLVED, { timeout: 20_000 })
    failing.delete(SOLVED)
    await page.goto(`${service.url}/ui/dead-letters?topic=${SOLVED}`)
    const link = page.locator('#dead-letters tr[data-original-offset="0"] a')
    await link.waitFor({ timeout: 20_000 })
    await link.click()
    const payload = page.getByTestId('payload')
    await expect(payload.textContent()).resolves.toContain('"registry_password": "[redacted]"')
    await expect(page.content()).resolves.not.toContain('pw-not-shown')
    await page.screenshot({ path: join(ARTIFACTS, 'console-dead-letter.png'), fullPage: true })
    await page.getByTestId('replay').click()
    await page.locator('#flash').getByText('Replayed dead letter').waitFor({ timeout: 20_000 })
    await waitFor(() => seen.some((s) => s.id === 10 && s.offset === '1'), 20_000, 'the replayed copy handled')
    expect(prompts.length).toBe(1) // the token was kept in sessionStorage
  })

  test('Replay all of a topic goes through the CLI replay (asks before starting from the beginning)', async () => {
    failing.add(SOLVED)
    await send(producer, `${prefix}.${SOLVED}`, [{ id: 11 }])
    const deadLettered = async () => (await metrics.deadLetters.get()).values.reduce((n, v) => n + v.value, 0)
    await waitFor(async () => (await deadLettered()) === 2, 20_000, 'record 11 dead-lettered')
    failing.delete(SOLVED)
    const before = seen.length
    await page.goto(`${service.url}/ui/dead-letters?topic=${SOLVED}`)
    await page.getByTestId('replay-all').click()
    await page.locator('#flash').getByText('Replayed 2 dead letter(s)').waitFor({ timeout: 30_000 })
    await waitFor(() => seen.slice(before).filter((s) => s.id === 10 || s.id === 11).length === 2, 20_000, 'both replayed copies handled')
  })

  test('the page asked nothing of any other host', () => {
    const origin = new URL(service.url).origin
    expect(requests.length).toBeGreaterThan(3)
    expect(requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'))).toEqual([])
  })

  test('reading works with JavaScript off', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false })
    const p = await ctx.newPage()
    await p.goto(service.url)
    await expect(p.locator(`#topics tr[data-topic="${UPSD}"]`).getAttribute('data-state')).resolves.toBe('flowing')
    await expect(p.locator(`#topics tr[data-topic="${SOLVED}"] [data-testid=dead-lettered]`).textContent()).resolves.toBe('2')
    await ctx.close()
  })
})
