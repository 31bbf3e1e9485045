/**
 * No container engine runs here, so the Containerfile (and .dockerignore) are parsed and the facts
 * the image promises are checked: multi-stage npm + bun build, a small glibc runtime without a
 * shell, a numeric non-root user, port 6066, exec-form entrypoint, OCI labels, and only the
 * instructions that podman, buildah and docker all understand.
 */
import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..', '..')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string }

interface Instruction {
  keyword: string
  args: string
}
interface Stage {
  from: string
  name?: string
  body: Instruction[]
}

/** Logical instructions: comments dropped, `\` continuations joined (comment lines inside them too). */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = []
  let current = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line.startsWith('#') || (line === '' && current === '')) continue
    current += `${line.replace(/\\$/, '')} `
    if (line.endsWith('\\')) continue
    const [keyword = '', ...rest] = current.trim().split(/\s+/)
    out.push({ keyword: keyword.toUpperCase(), args: rest.join(' ') })
    current = ''
  }
  return out
}

function parse(text: string): { globalArgs: Instruction[]; stages: Stage[] } {
  const all = instructions(text)
  const first = all.findIndex((i) => i.keyword === 'FROM')
  const stages: Stage[] = []
  for (const i of all.slice(first)) {
    if (i.keyword === 'FROM') {
      const [from = '', as, name] = i.args.split(/\s+/)
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, body: [] })
    } else {
      stages.at(-1)?.body.push(i)
    }
  }
  return { globalArgs: all.slice(0, first), stages }
}

/** `key="value"` / `key=value` pairs of a LABEL instruction. */
function labels(args: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of args.matchAll(/([\w.-]+)=(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) out[m[1] as string] = m[2] ?? m[3] ?? ''
  return out
}

const text = readFileSync(join(ROOT, 'Containerfile'), 'utf8')
const { globalArgs, stages } = parse(text)
const build = stages[0] as Stage
const runtime = stages.at(-1) as Stage
const all = (s: Stage, keyword: string) => s.body.filter((i) => i.keyword === keyword)
const one = (s: Stage, keyword: string) => {
  const found = all(s, keyword)
  expect(found.map((i) => i.keyword)).toEqual([keyword])
  return found[0] as Instruction
}

describe('Containerfile', () => {
  test('is multi-stage: a named build stage and a separate runtime stage', () => {
    expect(stages.length).toBe(2)
    expect(build.name).toBe('build')
    expect(runtime.from).not.toBe(build.from)
  })

  test('the build stage installs dependencies with npm from the lock file, then builds the binary', () => {
    expect(build.from).toMatch(/^(docker\.io\/)?(library\/)?node:\d+-(bookworm|bullseye)(-slim)?$/) // glibc, like the binary
    const runs = all(build, 'RUN').map((i) => i.args)
    const ci = runs.findIndex((r) => /\bnpm ci\b/.test(r))
    const compile = runs.findIndex((r) => /\bnpm run build\b/.test(r))
    expect(ci).toBeGreaterThanOrEqual(0)
    expect(compile).toBeGreaterThan(ci)
    expect(runs[compile]).toContain('./dist/investigator --version') // smoke test of the result
    const copies = all(build, 'COPY').map((i) => i.args)
    expect(copies[0]).toBe('package.json package-lock.json ./') // dependency layer cached apart from sources
    const sources = copies.slice(1).flatMap((c) => c.split(/\s+/).slice(0, -1))
    for (const needed of ['main.ts', 'lib', 'handlers', 'tsconfig.json']) expect(sources).toContain(needed)
  })

  test('package.json builds with --compile, --minify, --bytecode and hermetic auto-loading', () => {
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.build ?? ''
    for (const flag of ['--compile', '--minify', '--bytecode', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--outfile dist/investigator']) {
      expect(script).toContain(flag)
    }
  })

  test('the runtime stage is a small glibc base without a shell step, holding only the binary', () => {
    expect(runtime.from).toMatch(/^gcr\.io\/distroless\/(cc|base)(-nossl)?-debian\d+(:nonroot)?$/)
    expect(runtime.from).not.toMatch(/alpine|musl|scratch/)
    expect(all(runtime, 'RUN')).toEqual([])
    expect(one(runtime, 'COPY').args).toBe('--from=build /src/dist/investigator /usr/local/bin/investigator')
  })

  test('runs as a numeric non-root user, exposes 6066, and starts the binary in exec form', () => {
    const user = one(runtime, 'USER').args
    expect(user).toMatch(/^\d+:\d+$/)
    expect(user.split(':').map(Number).every((id) => id > 0)).toBe(true)
    expect(one(runtime, 'EXPOSE').args).toBe('6066')
    expect(JSON.parse(one(runtime, 'ENTRYPOINT').args)).toEqual(['/usr/local/bin/investigator'])
    expect(JSON.parse(one(runtime, 'CMD').args)).toEqual(['serve'])
    expect(instructions(text).map((i) => i.args).join('\n')).not.toMatch(/\b(sh|bash) -c\b/)
  })

  test('carries the OCI labels, with the package version and licence', () => {
    const l = labels(one(runtime, 'LABEL').args)
    for (const k of ['title', 'description', 'version', 'revision', 'created', 'licenses', 'source', 'url', 'vendor']) {
      expect(l[`org.opencontainers.image.${k}`]).toBeTruthy()
    }
    expect(l['org.opencontainers.image.licenses']).toBe(pkg.license)
    expect(l['org.opencontainers.image.version']).toBe('${VERSION}')
    expect(globalArgs.map((a) => a.args)).toContain(`VERSION=${pkg.version}`)
    expect(all(runtime, 'ARG').map((a) => a.args)).toContain('VERSION')
  })

  test('uses only instructions podman, buildah and docker all accept', () => {
    const known = new Set(['ARG', 'FROM', 'WORKDIR', 'COPY', 'RUN', 'LABEL', 'USER', 'EXPOSE', 'STOPSIGNAL', 'ENTRYPOINT', 'CMD', 'ENV'])
    for (const i of instructions(text)) {
      expect(known.has(i.keyword)).toBe(true) // no HEALTHCHECK: OCI images drop it; compose checks health
      expect(i.args).not.toMatch(/--mount|--chmod|--link|--parents|<<-?\s*['"]?\w+/)
    }
  })
})

describe('.dockerignore', () => {
  const rules = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({ include: l.startsWith('!'), glob: new Bun.Glob(l.replace(/^!/, '').replace(/\/$/, '')) }))
  /** The last rule matching the path or one of its parent directories decides. */
  const inContext = (path: string) => {
    const parts = path.split('/')
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'))
    let included = true
    for (const r of rules) if (prefixes.some((p) => r.glob.match(p))) included = r.include
    return included
  }

  test('sends everything the build stage copies, and it exists', () => {
    const sources = all(build, 'COPY').flatMap((c) => c.args.split(/\s+/).slice(0, -1))
    for (const s of sources) {
      expect(existsSync(join(ROOT, s))).toBe(true)
      expect({ s, sent: inContext(s) }).toEqual({ s, sent: true })
    }
    for (const f of ['lib/config.ts', 'handlers/index.ts']) expect(inContext(f)).toBe(true)
  })

  test('keeps node_modules, build output, git data, local runs, secrets and tests out', () => {
    for (const f of ['node_modules/kafkajs/package.json', 'dist/investigator', '.git/HEAD', 'stack/.run/kafka.pid', '.env', 'tests/unit/config.test.ts', 'coverage/lcov.info']) {
      expect({ f, sent: inContext(f) }).toEqual({ f, sent: false })
    }
  })
})
