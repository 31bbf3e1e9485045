/**
 * The compiled binary (dist/investigator), not `bun run`: built once per run when missing or
 * older than the sources, copied into an empty directory without node_modules (next to a decoy
 * .env and bunfig.toml that a non-hermetic build would load), and run there against the local
 * Kafka broker, PostgreSQL and the Kubernetes API test server. Never skipped.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { randomUUID } from 'node:crypto'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, type Admin } from 'kafkajs'
import { brokers, pgUrl } from '../helpers/stack.ts'
import { startKubeApiServer, type KubeApiServer } from '../servers/kube-api.ts'
import { writeKubeconfig } from '../servers/kubeconfig.ts'

const ROOT = join(import.meta.dir, '..', '..')
const DIST = join(ROOT, 'dist', 'investigator')
const TOKEN = 'binary-test-token'
const COMMANDS = ['serve', 'config', 'check', 'produce', 'dead-letters', 'halt', 'resume', 'status']

let dir: string
let bin: string
let kube: KubeApiServer
let kubeconfig: string
let admin: Admin
const deployments: string[] = []
const running = new Set<Bun.Subprocess>()

/** Newest modification time of everything that goes into the binary. */
function newestSource(): number {
  let newest = 0
  for (const pattern of ['main.ts', 'package.json', 'package-lock.json', 'lib/**/*.{ts,tsx}', 'handlers/**/*.ts']) {
    for (const f of new Bun.Glob(pattern).scanSync({ cwd: ROOT })) newest = Math.max(newest, statSync(join(ROOT, f)).mtimeMs)
  }
  return newest
}

/** `npm run build` with the same flags, written next to the target and renamed (atomic for parallel runs). */
function buildOnce(): void {
  if (existsSync(DIST) && statSync(DIST).mtimeMs >= newestSource()) return
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.build
  const args = script.split(/\s+/)
  mkdirSync(join(ROOT, 'dist'), { recursive: true })
  const tmp = join(ROOT, 'dist', `.investigator-${randomUUID()}`)
  args[args.indexOf('--outfile') + 1] = tmp
  expect(args[0]).toBe('bun')
  const built = Bun.spawnSync([process.execPath, ...args.slice(1)], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
  if (built.exitCode !== 0) throw new Error(`bun build failed:\n${built.stderr.toString()}`)
  renameSync(tmp, DIST)
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/** A complete environment for one deployment of its own (backend mode: kubeconfig + database). */
async function deploymentEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const name = `bin-${randomUUID()}`
  deployments.push(name)
  const pg = new URL(pgUrl)
  return {
    PATH: '/usr/bin:/bin',
    HOME: dir,
    THOTH_DEPLOYMENT_NAME: name,
    THOTH_BACKEND_NAMESPACE: 'thoth-backend',
    THOTH_MIDDLETIER_NAMESPACE: 'thoth-middletier',
    THOTH_INFRA_NAMESPACE: kube.infraNamespace,
    THOTH_CEPH_BUCKET: 'thoth',
    THOTH_CEPH_BUCKET_PREFIX: 'data/thoth',
    THOTH_S3_ENDPOINT_URL: 'http://127.0.0.1:9000',
    THOTH_CONSUMER_MODE: '["backend"]',
    THOTH_INVESTIGATOR_PORT: String(await freePort()),
    KAFKA_BOOTSTRAP_SERVERS: brokers.join(','),
    KAFKA_CONSUMER_GROUP_ID: `bin-group-${randomUUID()}`,
    KAFKA_CONSUMER_AUTO_OFFSET_RESET: 'earliest',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    KNOWLEDGE_GRAPH_HOST: pg.hostname,
    KNOWLEDGE_GRAPH_PORT: pg.port,
    KNOWLEDGE_GRAPH_USER: decodeURIComponent(pg.username),
    KNOWLEDGE_GRAPH_PASSWORD: decodeURIComponent(pg.password),
    KNOWLEDGE_GRAPH_DATABASE: pg.pathname.slice(1),
    KNOWLEDGE_GRAPH_SSL_DISABLED: '1',
    KUBECONFIG: kubeconfig,
    ...extra,
  }
}

interface Result {
  code: number
  stdout: string
  stderr: string
}

/** Runs the binary in the empty directory and waits for it. */
async function run(args: string[], env: Record<string, string> = { PATH: '/usr/bin:/bin' }): Promise<Result> {
  const proc = Bun.spawn([bin, ...args], { cwd: dir, env, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { code, stdout, stderr }
}

/** `serve` in the background; resolves once /_health answers 200. */
async function serve(env: Record<string, string>) {
  const proc = Bun.spawn([bin, 'serve'], { cwd: dir, env, stdout: 'pipe', stderr: 'pipe' })
  running.add(proc)
  let log = ''
  void (async () => {
    for await (const chunk of proc.stdout) log += new TextDecoder().decode(chunk)
  })()
  const url = `http://127.0.0.1:${env.THOTH_INVESTIGATOR_PORT}`
  const deadline = Date.now() + 40_000
  for (;;) {
    const res = await fetch(`${url}/_health`).catch(() => undefined)
    if (res?.status === 200) return { proc, url, health: (await res.json()) as unknown, log: () => log }
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not get ready (exit ${proc.exitCode}):\n${log}`)
    await Bun.sleep(50)
  }
}

async function stop(proc: Bun.Subprocess): Promise<number> {
  proc.kill('SIGTERM')
  const code = await proc.exited
  running.delete(proc)
  return code
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(100)
  }
}

const highWatermark = async (topic: string) =>
  (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0)

beforeAll(async () => {
  buildOnce()
  dir = mkdtempSync(join(tmpdir(), 'investigator-bin-'))
  bin = join(dir, 'investigator')
  copyFileSync(DIST, bin)
  chmodSync(bin, 0o755)
  // A build that is not hermetic would load these and fail: the preload does not exist.
  writeFileSync(join(dir, '.env'), 'THOTH_DEPLOYMENT_NAME=from-dotenv\nKAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1\n')
  writeFileSync(join(dir, 'bunfig.toml'), 'preload = ["./no-such-preload.ts"]\n')
  kube = await startKubeApiServer({ tokens: [TOKEN], solvers: 'solver-rhel-8-py38\n' })
  kubeconfig = await writeKubeconfig({ server: kube.url, ca: kube.pki?.caCert, token: TOKEN })
  admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
}, 180_000)

afterAll(async () => {
  for (const proc of running) await stop(proc)
  const topics = (await admin.listTopics()).filter((t) => deployments.some((d) => t.startsWith(`${d}.`)))
  if (topics.length) await admin.deleteTopics({ topics }).catch(() => {})
  await admin.disconnect()
  await kube?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('the binary itself', () => {
  test('runs from a directory without node_modules and prints its version and library versions', async () => {
    expect(existsSync(join(dir, 'node_modules'))).toBe(false)
    const r = await run(['--version'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^thoth-investigator \d+\.\d+\.\d+/)
    for (const lib of ['bun 1.', 'kafkajs', 'postgres', '@kubernetes/client-node', 'hono', 'zod']) expect(r.stdout).toContain(lib)
  })

  test('--help works for the binary and every command', async () => {
    const main = await run(['--help'])
    expect(main.code).toBe(0)
    for (const c of COMMANDS) expect(main.stdout).toContain(`  ${c} `)
    for (const c of COMMANDS) {
      const r = await run([c, '--help'])
      expect({ c, code: r.code }).toEqual({ c, code: 0 })
      expect(r.stdout).toContain(`Usage: investigator ${c}`)
    }
    for (const sub of ['list', 'replay']) expect((await run(['dead-letters', sub, '--help'])).stdout).toContain(`dead-letters ${sub}`)
  })

  test('is hermetic: the .env and bunfig.toml of its working directory are ignored', async () => {
    const r = await run(['config'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('THOTH_DEPLOYMENT_NAME: required but not set')
    expect(r.stderr).not.toContain('no-such-preload')
  })

  test('unknown commands and options exit non-zero', async () => {
    expect((await run(['frobnicate'])).code).toBe(1)
    const bad = await run(['check', '--bogus'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--bogus')
    expect((await run(['status', '--url', `http://127.0.0.1:${await freePort()}`, '--timeout', '2'])).code).toBe(1)
  })
})

describe('check', () => {
  test('passes against the local stack', async () => {
    const r = await run(['check'], await deploymentEnv())
    expect(r.stdout).toMatch(/^configuration\s+OK/m)
    expect(r.stdout).toMatch(/^kafka\s+(OK|WARN)/m)
    expect(r.stdout).toMatch(/^postgres\s+OK/m)
    expect(r.stdout).toMatch(/^kubernetes\s+OK/m)
    expect(r.code).toBe(0)
  })

  test('fails clearly with a wrong broker address', async () => {
    const env = await deploymentEnv({ KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${await freePort()}` })
    const started = Date.now()
    const r = await run(['check', '--timeout', '5'], env)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^kafka\s+FAIL\s+.*ECONNREFUSED/m)
    expect(r.stdout).toMatch(/^postgres\s+OK/m)
    expect(r.stdout).toContain('1 of 4 checks failed: kafka')
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  test('fails clearly with a wrong database password', async () => {
    const r = await run(['check'], await deploymentEnv({ KNOWLEDGE_GRAPH_PASSWORD: 'not-the-password' }))
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^postgres\s+FAIL\s+.*password authentication failed/m)
    expect(r.stdout).toMatch(/^kafka\s+(OK|WARN)/m)
    expect(r.stdout).not.toContain('not-the-password')
  })
})

describe('produce', () => {
  test('rejects an invalid message with the zod error and publishes nothing', async () => {
    const env = await deploymentEnv()
    const r = await run(['produce', 'thoth.kebechet-trigger', '{"webhook_payload": "not an object"}'], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('invalid thoth.kebechet-trigger message')
    expect(r.stderr).toMatch(/expected record, received string[\s\S]*webhook_payload/)
    expect(r.stdout).not.toContain('published')
    expect((await admin.listTopics()).some((t) => t.startsWith(`${env.THOTH_DEPLOYMENT_NAME}.`))).toBe(false)
    const notJson = await run(['produce', 'kebechet-trigger', '{oops'], env)
    expect(notJson.code).toBe(2)
    expect(notJson.stderr).toContain('not JSON')
  })
})

describe('serve', () => {
  test('answers /_health, processes one message, and obeys halt/resume/status', async () => {
    const env = await deploymentEnv()
    const s = await serve(env)
    expect(s.health).toMatchObject({ status: 'ready' })
    const jobId = `kebechet-job-${randomUUID()}`
    const msg = JSON.stringify({ webhook_payload: { repository: { full_name: 'thoth-station/investigator' } }, job_id: jobId })
    const produced = await run(['produce', 'kebechet-trigger', msg], env)
    expect(produced.stdout).toContain(`published to ${env.THOTH_DEPLOYMENT_NAME}.thoth.kebechet-trigger`)
    expect(produced.code).toBe(0)
    const wf = await until('the kebechet workflow', () => kube.workflow('thoth-backend', jobId))
    expect(wf.spec.entrypoint).toBe('kebechet')

    const status = await run(['status'], env)
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('ready')
    const halted = await run(['halt', 'kebechet-trigger'], env)
    expect(halted.stdout).toContain(`Successfully halted consumption of ${env.THOTH_DEPLOYMENT_NAME}.thoth.kebechet-trigger.`)
    expect(halted.code).toBe(0)
    expect((await run(['status'], env)).stdout).toContain('halted topics: thoth.kebechet-trigger')
    const resumed = await run(['resume', 'thoth.kebechet-trigger'], env)
    expect(resumed.code).toBe(0)
    expect(resumed.stdout).toContain('Successfully resumed')
    await until('the resume', async () => ((await run(['status'], env)).stdout.includes('halted topics: none') ? true : undefined), 10_000)
    expect((await run(['halt', 'no-such-topic'], env)).code).toBe(1)
    expect(await stop(s.proc)).toBe(0)
  }, 90_000)

  test('a kubeconfig that does not exist ends it with exit 1 naming the problem; it commits nothing', async () => {
    const env = await deploymentEnv({ KUBECONFIG: join(dir, 'no-such-kubeconfig') })
    const proc = Bun.spawn([bin, 'serve'], { cwd: dir, env, stdout: 'pipe', stderr: 'pipe' })
    running.add(proc)
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
    running.delete(proc)
    expect(code).toBe(1)
    expect(stderr).toContain('no-such-kubeconfig')
    expect(stdout).toContain('cannot load the Kubernetes connection')
    const offsets = await admin.fetchOffsets({ groupId: env.KAFKA_CONSUMER_GROUP_ID as string })
    expect(offsets.flatMap((t) => t.partitions).filter((p) => p.offset !== '-1')).toEqual([])
  }, 60_000)
})

describe('dead-letters', () => {
  test('replay moves a dead letter back to its topic, where it is handled, once', async () => {
    const env = await deploymentEnv({
      THOTH_BACKEND_NAMESPACE: 'replay-backend',
      THOTH_INVESTIGATOR_ACK_ON_FAIL: '1',
      THOTH_INVESTIGATOR_MAX_RETRIES: '1',
    })
    const deadLetterTopic = `${env.THOTH_DEPLOYMENT_NAME}.thoth.investigator.dead-letter`
    const sourceTopic = `${env.THOTH_DEPLOYMENT_NAME}.thoth.kebechet-trigger`
    kube.fault({ op: 'K-4', namespace: 'replay-backend', status: 500, times: 1 })
    const s = await serve(env)
    const jobId = `kebechet-job-${randomUUID()}`
    const msg = JSON.stringify({ webhook_payload: {}, job_id: jobId })
    expect((await run(['produce', 'thoth.kebechet-trigger', msg], env)).code).toBe(0)
    await until('the dead letter', async () => ((await highWatermark(deadLetterTopic)) === 1 ? true : undefined))
    expect(kube.workflow('replay-backend', jobId)).toBeUndefined()

    const list = await run(['dead-letters', 'list', '--json'], env)
    expect(list.code).toBe(0)
    const [entry] = list.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(entry).toMatchObject({ topic: sourceTopic, baseName: 'thoth.kebechet-trigger', reason: 'handler_error', attempts: '1', value: msg })

    const dry = await run(['dead-letters', 'replay', '--dry-run'], env)
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain('dry run: would replay 1 dead letter(s)')
    const unpositioned = await run(['dead-letters', 'replay'], env)
    expect(unpositioned.code).toBe(2)
    expect(unpositioned.stderr).toContain('--from-beginning')
    expect(await highWatermark(sourceTopic)).toBe(1)

    const replay = await run(['dead-letters', 'replay', '--from-beginning'], env)
    expect(replay.stdout).toContain('replayed 1 dead letter(s) of 1 read')
    expect(replay.code).toBe(0)
    await until('the replayed workflow', () => kube.workflow('replay-backend', jobId))
    expect(await highWatermark(sourceTopic)).toBe(2)

    const again = await run(['dead-letters', 'replay'], env)
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('replayed 0 dead letter(s) of 0 read')
    expect(await highWatermark(sourceTopic)).toBe(2)
    expect(await highWatermark(deadLetterTopic)).toBe(1)
    expect(await stop(s.proc)).toBe(0)
  }, 90_000)
})
