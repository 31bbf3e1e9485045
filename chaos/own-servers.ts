/**
 * A Kafka broker and a PostgreSQL server of the chaos run's own (stack/kafka-it.sh and
 * stack/pg-it.sh on other ports and run dirs), so that they can be stopped and started again
 * while other engineers' tests use the shared ones. The kit's `start` wipes the data dir, so a
 * restart here launches the same server again on the SAME data: the broker with the command line
 * it was started with, PostgreSQL with pg_ctl.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const STACK = join(import.meta.dir, '..', 'stack')

async function sh(args: string[], env: Record<string, string>, what: string): Promise<void> {
  const p = Bun.spawn(args, { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' })
  const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()])
  if (code !== 0) throw new Error(`${what} failed (status ${code}): ${`${out}\n${err}`.trim().split('\n').slice(-5).join(' | ')}`)
}

/** A broker of our own. */
export interface OwnBroker {
  readonly brokers: string[]
  /** Controlled shutdown (SIGTERM), data kept. */
  stop(): Promise<void>
  /** Starts the same broker on the same data and waits until it serves requests. */
  restart(): Promise<void>
  /** Stops it and removes its run dir. */
  destroy(): Promise<void>
}

/** Starts a fresh single-node broker in `dir` on the given ports. */
export async function startOwnBroker(dir: string, ports: { kafka: number; controller: number; sasl: number; ssl: number; mtls: number }): Promise<OwnBroker> {
  const env = {
    KAFKA_IT_DIR: dir,
    KAFKA_IT_PORT: String(ports.kafka),
    KAFKA_IT_CONTROLLER_PORT: String(ports.controller),
    KAFKA_IT_SASL_PORT: String(ports.sasl),
    KAFKA_IT_SSL_PORT: String(ports.ssl),
    KAFKA_IT_MTLS_PORT: String(ports.mtls),
    KAFKA_IT_HEAP: '-Xms192m -Xmx384m',
  }
  const kit = (cmd: string) => sh(['bash', join(STACK, 'kafka-it.sh'), cmd], env, `kafka-it.sh ${cmd}`)
  try {
    await kit('start')
  } catch (err) {
    // A start can fail under heavy load (the JVM exits while formatting or binding); one more try.
    process.stderr.write(`chaos: own broker did not start (${String(err).slice(0, 200)}); trying once more\n`)
    await kit('stop').catch(() => {})
    await kit('start')
  }
  const pidFile = join(dir, 'kafka.pid')
  const pid = readFileSync(pidFile, 'utf8').trim()
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
  return {
    brokers: [`127.0.0.1:${ports.kafka}`],
    stop: () => kit('stop'),
    async restart() {
      // As kafka-it.sh launches it: in the background, output appended to the run dir's kafka.out.
      const launch = 'nohup "$@" </dev/null >>"$CHAOS_LOG" 2>&1 & echo $! >"$CHAOS_PID"'
      await sh(['bash', '-c', launch, 'launch', ...cmdline], { CHAOS_LOG: join(dir, 'logs', 'kafka.out'), CHAOS_PID: pidFile }, 'broker relaunch')
      await kit('wait')
    },
    async destroy() {
      await kit('stop').catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A PostgreSQL server of our own. */
export interface OwnPostgres {
  /** Superuser URL of database `postgres`. */
  readonly adminUrl: string
  /** Fast shutdown, data kept. */
  stop(): Promise<void>
  /** Starts it again on the same data and waits until a query works. */
  restart(): Promise<void>
  destroy(): Promise<void>
}

/** Starts a fresh PostgreSQL in `dir` (must be reachable by the postgres OS user, e.g. under /tmp). */
export async function startOwnPostgres(dir: string, port: number): Promise<OwnPostgres> {
  const env = { PG_IT_DIR: dir, PG_IT_PORT: String(port), PG_IT_FAST: '1' }
  const kit = (cmd: string) => sh(['bash', join(STACK, 'pg-it.sh'), cmd], env, `pg-it.sh ${cmd}`)
  await kit('start')
  const root = '/usr/lib/postgresql'
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0]
  const pgCtl = join(root, version ?? '', 'bin', 'pg_ctl')
  const asOwner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : []
  return {
    adminUrl: `postgres://postgres:test@127.0.0.1:${port}/postgres`,
    stop: () => kit('stop'),
    async restart() {
      const args = [...asOwner, pgCtl, '-D', join(dir, 'data'), '-l', join(dir, 'logs', 'postgres.log'), '-w', '-t', '60', 'start']
      await sh(['bash', '-c', 'cd "$CHAOS_DIR" && exec "$@"', 'pg', ...args], { CHAOS_DIR: dir }, 'pg_ctl start')
      await kit('wait')
    },
    async destroy() {
      await kit('stop').catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
