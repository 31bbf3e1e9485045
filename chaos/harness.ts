/**
 * The chaos harness: the investigator as child processes (chaos/binary.ts), with its own
 * Kubernetes API test server and scratch knowledge graph (chaos/database.ts) per deployment, and
 * test-side Kafka clients. Every deployment has its own prefix, consumer group, database and API
 * server, so scenarios never see each other's records or effects.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs'
import type { Env } from '../lib/config.ts'
import { startKubeApiServer, type KubeApiServer, type KubeApiServerOptions } from '../tests/servers/kube-api.ts'
import { writeKubeconfig } from '../tests/servers/kubeconfig.ts'
import type { Binary } from './binary.ts'
import { ownDatabase, sharedDatabase } from './database.ts'

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = s.port
  s.stop(true)
  return port
}

/** Polls until `cond()` is true; throws naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (await cond()) return
    if (Date.now() > end) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`)
    await Bun.sleep(everyMs)
  }
}

/** One investigator process. */
export interface Instance {
  readonly name: string
  readonly url: string
  readonly logPath: string
  readonly proc: ReturnType<typeof Bun.spawn>
  /** Exit code once exited (null while running). */
  readonly exitCode: number | null
  /** GET on the service's HTTP port; never throws (status 0 when unreachable). */
  get(path: string): Promise<{ status: number; body: string }>
  /** Sends a signal (counted as intended, not as a crash); resolves with the exit code. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<number>
  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[]
  /** How many log lines have this `msg`. */
  count(msg: string): number
}

/** Options of {@link openDeployment}. */
export interface DeploymentOptions {
  readonly binary: Binary
  readonly brokers: readonly string[]
  /** Own PostgreSQL superuser URL; default: a scratch database on the shared test server. */
  readonly pgAdminUrl?: string
  readonly kube?: KubeApiServerOptions
  /** Variables every instance of the deployment gets. */
  readonly env?: Env
}

/** A deployment: servers, clients and the instances started so far. */
export type Deployment = Awaited<ReturnType<typeof openDeployment>>

/** Starts the API server, creates the database and Kafka clients; instances come from `spawn`. */
export async function openDeployment(o: DeploymentOptions) {
  const prefix = `chaos-${randomUUID().slice(0, 8)}`
  const group = `${prefix}.investigator`
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`))
  const kube: KubeApiServer = await startKubeApiServer({ solvers: 'solver-rhel-8-py38\n', ...o.kube })
  const kubeconfig = await writeKubeconfig({ server: kube.url, ca: kube.pki?.caCert }, dir)
  const db = await (o.pgAdminUrl ? ownDatabase(o.pgAdminUrl) : sharedDatabase()).catch((err: unknown) => {
    kube.stop()
    rmSync(dir, { recursive: true, force: true })
    throw err
  })
  const kafka = new Kafka({ clientId: 'chaos', brokers: [...o.brokers], logLevel: logLevel.NOTHING, retry: { retries: 8 } })
  const admin: Admin = kafka.admin()
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 })
  await Promise.all([admin.connect(), producer.connect()])
  const instances: Instance[] = []
  const crashes: string[] = []
  const baseEnv: Env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    THOTH_DEPLOYMENT_NAME: prefix,
    THOTH_BACKEND_NAMESPACE: 'thoth-backend',
    THOTH_MIDDLETIER_NAMESPACE: 'thoth-middletier',
    THOTH_INFRA_NAMESPACE: kube.infraNamespace,
    THOTH_CEPH_BUCKET: 'thoth',
    THOTH_CEPH_BUCKET_PREFIX: 'data/thoth',
    THOTH_S3_ENDPOINT_URL: 'https://s3.example.com:8443/',
    THOTH_PYTHON_WAREHOUSES: 'http://127.0.0.1:9/simple',
    KAFKA_BOOTSTRAP_SERVERS: o.brokers.join(','),
    KAFKA_CONSUMER_GROUP_ID: group,
    KAFKA_CONSUMER_AUTO_OFFSET_RESET: 'earliest',
    KUBECONFIG: kubeconfig,
    THOTH_INVESTIGATOR_BACKOFF: '0.2',
    THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR: '1',
    ...db.env,
    ...o.env,
  }

  function spawn(name: string, env: Env = {}): Instance {
    const port = freePort()
    const logPath = join(dir, `${name}.log`)
    const proc = Bun.spawn([...o.binary.cmd], {
      cwd: dir,
      env: { ...baseEnv, HOSTNAME: name, THOTH_INVESTIGATOR_PORT: String(port), ...env } as Record<string, string>,
      stdout: Bun.file(logPath),
      stderr: Bun.file(join(dir, `${name}.err`)),
    })
    let exitCode: number | null = null
    let intended = false
    void proc.exited.then((code) => {
      exitCode = code
      if (!intended) crashes.push(`${name} exited by itself with status ${code} (log ${logPath})`)
    })
    const url = `http://127.0.0.1:${port}`
    const logs = () => {
      let text = ''
      try {
        text = readFileSync(logPath, 'utf8')
      } catch {
        return []
      }
      return text.split('\n').flatMap((l) => {
        try {
          return l ? [JSON.parse(l) as Record<string, unknown>] : []
        } catch {
          return []
        }
      })
    }
    const inst: Instance = {
      name,
      url,
      logPath,
      proc,
      get exitCode() {
        return exitCode
      },
      async get(path) {
        try {
          const r = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) })
          return { status: r.status, body: await r.text() }
        } catch {
          return { status: 0, body: '' }
        }
      },
      async kill(signal) {
        intended = true
        proc.kill(signal)
        return proc.exited
      },
      logs,
      count: (msg) => logs().filter((l) => l.msg === msg).length,
    }
    instances.push(inst)
    return inst
  }

  /** Spawns an instance and waits until /_health answers 200. */
  async function start(name: string, env: Env = {}, timeoutMs = 90_000): Promise<Instance> {
    const inst = spawn(name, env)
    await until(async () => {
      if (inst.exitCode !== null) throw new Error(`${name} exited with status ${inst.exitCode} while starting (log ${inst.logPath})`)
      return (await inst.get('/_health')).status === 200
    }, timeoutMs, `${name} ready`, 200)
    return inst
  }

  return {
    prefix,
    group,
    dir,
    kube,
    db,
    kafka,
    admin,
    producer,
    instances,
    /** Unexpected exits of instances (the crashes column). */
    crashes,
    topic: (baseName: string) => `${prefix}.${baseName}`,
    spawn,
    start,
    /** Stops every instance still running (SIGKILL), clients, servers; drops the database. */
    async close(keepDir = false) {
      await Promise.all(instances.filter((i) => i.exitCode === null).map((i) => i.kill('SIGKILL')))
      await Promise.all([admin.disconnect(), producer.disconnect()]).catch(() => {})
      await db.drop().catch(() => {})
      kube.stop()
      if (!keepDir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Whether an instance reports `baseName` halted (gauge thoth_investigator_halted_topics); undefined when unreachable. */
export async function isHalted(inst: Instance, baseName: string): Promise<boolean | undefined> {
  const res = await inst.get('/metrics')
  if (res.status !== 200) return undefined
  const line = res.body.split('\n').find((l) => l.startsWith(`thoth_investigator_halted_topics{base_topic_name="${baseName}"}`))
  return line?.trim().endsWith(' 1') ?? false
}
