/**
 * Runs the Python scripts of tests/python/ in the venv that scripts/python-venv.sh builds
 * (.venv/thoth: the published thoth-storages and thoth-messaging packages). scripts/test.sh builds
 * it before `bun test`; a missing venv is a test failure that says how to build it, never a skip.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createScratchDatabase, type ScratchDatabase } from './stack.ts'

const ROOT = join(import.meta.dir, '..', '..')

/** The venv's interpreter. */
export const venvPython = join(ROOT, '.venv', 'thoth', 'bin', 'python')

/** Result of one script run. */
export interface PythonRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs tests/python/<script> with exactly `env` (plus PATH) and `stdin`, and waits for it. Throws
 * when the venv is missing or the script exits non-zero (the error carries the end of its stderr).
 */
export async function runPython(
  script: string,
  env: Record<string, string>,
  o: { stdin?: string; timeoutMs?: number } = {},
): Promise<PythonRun> {
  if (!existsSync(venvPython))
    throw new Error(`${venvPython} is missing: run \`bash scripts/python-venv.sh\` (scripts/test.sh does)`)
  const proc = Bun.spawn([venvPython, join(ROOT, 'tests', 'python', script)], {
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', PYTHONUNBUFFERED: '1', ...env },
    stdin: o.stdin === undefined ? 'ignore' : new Blob([o.stdin]),
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: o.timeoutMs ?? 60_000,
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  if (code !== 0)
    throw new Error(`tests/python/${script} exited with ${code}:\n${stderr.slice(-4000)}`)
  return { code, stdout, stderr }
}

/** The alembic head revision of thoth-storages 0.74.1. */
export const REAL_SCHEMA_REVISION = 'bf9ea2a38b01'

/**
 * A scratch database with the real Thoth schema, made by thoth-storages' own
 * GraphDatabase().initialize_schema() (tests/python/create_schema.py), owned by the investigator's
 * role. Throws unless the migration ends at {@link REAL_SCHEMA_REVISION}.
 */
export async function createRealSchemaDatabase(): Promise<ScratchDatabase> {
  const db = await createScratchDatabase('')
  try {
    const u = new URL(db.url)
    const out = await runPython('create_schema.py', {
      KNOWLEDGE_GRAPH_HOST: u.hostname,
      KNOWLEDGE_GRAPH_PORT: u.port || '5432',
      KNOWLEDGE_GRAPH_USER: decodeURIComponent(u.username),
      KNOWLEDGE_GRAPH_PASSWORD: decodeURIComponent(u.password),
      KNOWLEDGE_GRAPH_DATABASE: db.name,
      KNOWLEDGE_GRAPH_SSL_DISABLED: '1',
    })
    const revision = out.stdout.trim().split('\n').at(-1)
    if (revision !== REAL_SCHEMA_REVISION) throw new Error(`initialize_schema() ended at revision ${revision}`)
    return db
  } catch (err) {
    await db.drop()
    throw err
  }
}
