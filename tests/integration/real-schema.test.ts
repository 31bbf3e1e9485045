/**
 * db/schema.sql against the real Thoth schema, and the knowledge-graph tests on the real schema.
 *
 * The real schema is made by thoth-storages 0.74.1 itself (GraphDatabase().initialize_schema(),
 * i.e. its alembic migrations up to bf9ea2a38b01; tests/python/create_schema.py in the venv of
 * scripts/python-venv.sh) in a scratch database of the local PostgreSQL. Then:
 * 1. everything db/schema.sql declares (tables, columns with type, NULL rule and default,
 *    constraints by name and definition, indexes, enum types with their labels) must be the same
 *    in the real schema, and the real columns db/schema.sql leaves out must be insertable without
 *    a value (nullable or defaulted);
 * 2. tests/integration/knowledge-graph.test.ts (every query of spec/knowledge-graph.md) and
 *    tests/handlers (every handler's database effects) run again, in child `bun test` processes,
 *    with THOTH_TEST_KG_SCHEMA=real: the first on a copy of the real schema
 *    (THOTH_TEST_KG_URL), the second with one fresh copy per realKnowledgeGraph()
 *    (THOTH_TEST_KG_TEMPLATE, tests/helpers/kg.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import postgres from 'postgres'
import { cloneDatabase } from '../helpers/kg.ts'
import { createRealSchemaDatabase, REAL_SCHEMA_REVISION as HEAD } from '../helpers/python.ts'
import { createScratchDatabase, pgAdminUrl, type ScratchDatabase } from '../helpers/stack.ts'

const ROOT = join(import.meta.dir, '..', '..')

let real: ScratchDatabase // pristine: never connected to after creation, so it can be a template
let minimal: ScratchDatabase

/** A superuser connection to database `name` (catalog reads only). */
function adminTo(name: string): postgres.Sql {
  const u = new URL(pgAdminUrl)
  u.pathname = `/${name}`
  return postgres(u.toString(), { max: 1, onnotice: () => {} })
}

async function withAdmin<T>(name: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = adminTo(name)
  try {
    return await fn(sql)
  } finally {
    await sql.end()
  }
}

/** A snapshot of the catalog facts compared below, for the tables of `tables` (all when null). */
interface Catalog {
  tables: string[]
  columns: Map<string, { type: string; nullable: boolean; default: string | null }>
  /** by `table.constraint` (constraint names are unique per table only) */
  constraints: Map<string, { table: string; type: string; def: string }>
  indexes: Map<string, string>
  enums: Map<string, string[]>
  columnEnums: Map<string, string>
  revision: string | null
}

async function catalog(name: string): Promise<Catalog> {
  return withAdmin(name, async (sql) => {
    const tables = await sql<{ t: string }[]>`
      SELECT table_name AS t FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`
    const cols = await sql<{ t: string; c: string; type: string; nullable: string; def: string | null }[]>`
      SELECT table_name AS t, column_name AS c, is_nullable AS nullable, column_default AS def,
        format_type(a.atttypid, a.atttypmod) AS type
      FROM information_schema.columns ic
      JOIN pg_attribute a ON a.attrelid = format('public.%I', ic.table_name)::regclass
        AND a.attname = ic.column_name
      WHERE table_schema = 'public'`
    const cons = await sql<{ name: string; t: string; type: string; def: string }[]>`
      SELECT con.conname AS name, cl.relname AS t, con.contype AS type,
        pg_get_constraintdef(con.oid) AS def
      FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
      JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = 'public'`
    const idx = await sql<{ name: string; def: string }[]>`
      SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = 'public'`
    const enums = await sql<{ name: string; labels: string[] }[]>`
      SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`
    const colEnums = await sql<{ t: string; c: string; e: string }[]>`
      SELECT table_name AS t, column_name AS c, udt_name AS e FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type = 'USER-DEFINED'`
    const hasAlembic = tables.some((r) => r.t === 'alembic_version')
    const rev = hasAlembic ? await sql<{ v: string }[]>`SELECT version_num AS v FROM alembic_version` : []
    return {
      tables: tables.map((r) => r.t),
      columns: new Map(
        cols.map((r) => [`${r.t}.${r.c}`, { type: r.type, nullable: r.nullable === 'YES', default: r.def }]),
      ),
      constraints: new Map(cons.map((r) => [`${r.t}.${r.name}`, { table: r.t, type: r.type, def: r.def }])),
      indexes: new Map(idx.map((r) => [r.name, r.def])),
      enums: new Map(enums.map((r) => [r.name, r.labels])),
      columnEnums: new Map(colEnums.map((r) => [`${r.t}.${r.c}`, r.e])),
      revision: rev[0]?.v ?? null,
    }
  })
}

let realCat: Catalog
let minCat: Catalog

beforeAll(async () => {
  real = await createRealSchemaDatabase()
  minimal = await createScratchDatabase()
  realCat = await catalog(real.name)
  minCat = await catalog(minimal.name)
}, 120_000)

afterAll(async () => {
  await minimal?.drop()
  await real?.drop()
})

describe('db/schema.sql matches the schema thoth-storages 0.74.1 creates', () => {
  test('the real schema: alembic head bf9ea2a38b01, 82 tables', () => {
    expect(realCat.revision).toBe(HEAD)
    expect(minCat.revision).toBe(HEAD)
    expect(realCat.tables).toHaveLength(82)
  })

  test('every table of db/schema.sql exists', () => {
    expect(minCat.tables.filter((t) => !realCat.tables.includes(t))).toEqual([])
  })

  test('every column: same type, NULL rule and default', () => {
    const diffs = [...minCat.columns].flatMap(([col, mine]) => {
      const theirs = realCat.columns.get(col)
      return JSON.stringify(theirs) === JSON.stringify(mine)
        ? []
        : [`${col}: db/schema.sql ${JSON.stringify(mine)}, real ${JSON.stringify(theirs ?? null)}`]
    })
    expect(diffs).toEqual([])
  })

  test('real columns left out of db/schema.sql need no value (nullable or defaulted)', () => {
    const needed = [...realCat.columns]
      .filter(([col]) => minCat.tables.includes(col.split('.')[0]!) && !minCat.columns.has(col))
      .filter(([, c]) => !c.nullable && c.default === null)
      .map(([col]) => col)
    expect(needed).toEqual([])
  })

  test('every constraint: same name, table and definition', () => {
    const diffs = [...minCat.constraints].flatMap(([name, mine]) => {
      const theirs = realCat.constraints.get(name)
      return JSON.stringify(theirs) === JSON.stringify(mine)
        ? []
        : [`${name}: db/schema.sql ${JSON.stringify(mine)}, real ${JSON.stringify(theirs ?? null)}`]
    })
    expect(diffs).toEqual([])
  })

  test('real constraints missing from db/schema.sql only concern tables or columns it leaves out', () => {
    // Allowed: foreign keys to tables db/schema.sql does not have, constraints on columns it leaves
    // out, and a UNIQUE (id) that repeats the primary key. Anything else (a CHECK, a unique key or
    // a foreign key between our tables) changes what our statements may do and belongs in it.
    const extra = [...realCat.constraints]
      .filter(([key, c]) => minCat.tables.includes(c.table) && !minCat.constraints.has(key))
      .filter(([, c]) => {
        const fk = /^FOREIGN KEY \((.+?)\) REFERENCES (\w+)\(/.exec(c.def)
        if (fk && !minCat.tables.includes(fk[2]!)) return false
        const cols = /\(([^)]+)\)/.exec(c.def)?.[1]?.split(', ') ?? []
        if (cols.some((col) => !minCat.columns.has(`${c.table}.${col}`))) return false
        return !(c.type === 'u' && c.def === 'UNIQUE (id)')
      })
      .map(([key, c]) => `${key}: ${c.def}`)
    expect(extra).toEqual([])
  })

  test('every index: same name and definition', () => {
    const diffs = [...minCat.indexes].flatMap(([name, mine]) =>
      realCat.indexes.get(name) === mine ? [] : [`${name}: real ${realCat.indexes.get(name) ?? 'missing'}`],
    )
    expect(diffs).toEqual([])
  })

  test('enum types: the same labels in the same order, on the same columns', () => {
    const diffs = [...minCat.enums].flatMap(([name, labels]) =>
      JSON.stringify(realCat.enums.get(name)) === JSON.stringify(labels)
        ? []
        : [`${name}: db/schema.sql ${labels.join(',')}, real ${realCat.enums.get(name)?.join(',') ?? 'missing'}`],
    )
    const cols = [...minCat.columnEnums].flatMap(([col, e]) =>
      realCat.columnEnums.get(col) === e ? [] : [`${col}: ${e} vs ${realCat.columnEnums.get(col) ?? 'none'}`],
    )
    expect([...diffs, ...cols]).toEqual([])
  })
})

/** Runs `bun test <paths>` in a child process with extra env; returns its exit code and output. */
async function bunTest(paths: string[], env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, 'test', ...paths], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  const text = out + err
  const count = (word: string) => Number(new RegExp(`^\\s*(\\d+) ${word}$`, 'm').exec(text)?.[1] ?? -1)
  const failed = text.split('\n').filter((l) => l.includes('(fail)'))
  return { code, pass: count('pass'), fail: count('fail'), failed, tail: text.slice(-3000) }
}

describe('the knowledge-graph tests on the real schema', () => {
  test('tests/integration/knowledge-graph.test.ts (every query)', async () => {
    const copy = await cloneDatabase(real.name)
    try {
      const r = await bunTest(['tests/integration/knowledge-graph.test.ts'], {
        THOTH_TEST_KG_SCHEMA: 'real',
        THOTH_TEST_KG_URL: copy.url,
      })
      expect({ failed: r.failed, fail: r.fail }).toEqual({ failed: [], fail: 0 })
      expect(r.pass).toBeGreaterThan(10)
      if (r.code !== 0) throw new Error(r.tail)
    } finally {
      await copy.drop()
    }
  }, 180_000)

  test('tests/handlers (every handler database effect)', async () => {
    const r = await bunTest(['tests/handlers'], {
      THOTH_TEST_KG_SCHEMA: 'real',
      THOTH_TEST_KG_TEMPLATE: real.name,
    })
    expect({ failed: r.failed, fail: r.fail }).toEqual({ failed: [], fail: 0 })
    expect(r.pass).toBeGreaterThan(100)
    if (r.code !== 0) throw new Error(r.tail)
  }, 180_000)
})
