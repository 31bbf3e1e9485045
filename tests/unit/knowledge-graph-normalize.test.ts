import { describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { ServiceError, UpstreamError } from '../../lib/errors.ts'
import { checkSchemaRevision, isRetryablePostgresError } from '../../lib/knowledge-graph.ts'
import {
  flagUpdateColumns,
  normalizeIndexUrl,
  normalizePackageName,
  normalizeVersion,
  parseSolverName,
  SolverNameError,
} from '../../lib/knowledge-graph-keys.ts'
import { memoryLogger } from '../../lib/log.ts'

describe('normalizePackageName (PEP 503)', () => {
  test.each([
    ['Flask_SQLAlchemy', 'flask-sqlalchemy'],
    ['zope.interface', 'zope-interface'],
    ['A--B__C..D-_.e', 'a-b-c-d-e'],
    ['requests', 'requests'],
    ['-Lead_', '-lead-'],
  ])('%p -> %p', (input, expected) => {
    expect(normalizePackageName(input)).toBe(expected)
  })
})

describe('normalizeVersion (PEP 440 normal form)', () => {
  test.each([
    ['1.0.0RC1', '1.0.0rc1'],
    ['v2.0', '2.0'],
    ['1.0-1', '1.0.post1'],
    ['1.0.dev', '1.0.dev0'],
    ['1.0+ABC', '1.0+abc'],
    ['1.0-beta', '1.0b0'],
    ['2.0.0RC1', '2.0.0rc1'],
    ['V1.0', '1.0'],
    ['01.02', '1.2'],
    ['1!2.0', '1!2.0'],
    ['1.0c1', '1.0rc1'],
    ['1.0.POST', '1.0.post0'],
    ['1.0rev4', '1.0.post4'],
    ['  1.0  ', '1.0'],
    ['1.0', '1.0'],
    // local segment: separators become `.`, numeric parts lose leading zeros, letters lower-case
    ['1.0+a-b_c', '1.0+a.b.c'],
    ['1.0+abc.05', '1.0+abc.5'],
    ['1.0+0x1', '1.0+0x1'],
    ['1.0+1E5', '1.0+1e5'],
  ])('%p -> %p', (input, expected) => {
    expect(normalizeVersion(input)).toBe(expected)
  })

  test.each([['abc'], ['1.0.x'], ['1.0-'], [''], ['2021.01.01-custom'], ['1.0.12345678901234567']])(
    'keeps %p unchanged',
    (input) => {
      expect(normalizeVersion(input)).toBe(input)
    },
  )

  test('`*` and null become `*`', () => {
    expect(normalizeVersion('*')).toBe('*')
    expect(normalizeVersion(null)).toBe('*')
  })
})

describe('normalizeIndexUrl', () => {
  test('only the exact legacy PyPI URL is rewritten', () => {
    expect(normalizeIndexUrl('https://pypi.python.org/simple')).toBe('https://pypi.org/simple')
    expect(normalizeIndexUrl('https://pypi.python.org/simple/')).toBe(
      'https://pypi.python.org/simple/',
    )
    expect(normalizeIndexUrl('https://pypi.org/simple/')).toBe('https://pypi.org/simple/')
    expect(normalizeIndexUrl('HTTPS://PYPI.PYTHON.ORG/simple')).toBe(
      'HTTPS://PYPI.PYTHON.ORG/simple',
    )
    expect(normalizeIndexUrl('')).toBe('')
  })
})

describe('parseSolverName', () => {
  test.each([
    ['solver-ubi-8.2-py38', 'rhel', '8.2', '3.8'],
    ['solver-RHEL-8.2-py38', 'RHEL', '8', '3.8'],
    ['solver-rhel-8.2.1-py310', 'rhel', '8', '3.10'],
    ['solver-fedora-34-py39', 'fedora', '34', '3.9'],
    ['solver-UBI-8.2-py38', 'UBI', '8.2', '3.8'],
    ['solver-fedora-34.1-py3', 'fedora', '34.1', '3.'],
    ['solver-fedora-34-pyab', 'fedora', '34', 'a.b'],
  ])('%p -> %p / %p / %p', (name, osName, osVersion, pythonVersion) => {
    expect(parseSolverName(name)).toEqual({ osName, osVersion, pythonVersion })
  })

  test.each([
    ['solver-fedora-34-py'],
    ['solver-fedora-34-38'],
    ['solver-fedora-34-py38-extra'],
    ['solver-fedora-py38'],
    ['fedora-34-py38'],
    ['Solver-fedora-34-py38'],
    [''],
  ])('%p is not a solver name', (name) => {
    expect(parseSolverName(name)).toBeNull()
  })

  test('SolverNameError is a retryable ServiceError', () => {
    const err = new SolverNameError('bogus')
    expect(err).toBeInstanceOf(ServiceError)
    expect(err.retryable).toBe(true)
    expect(err.message).toContain('bogus')
  })
})

describe('flagUpdateColumns', () => {
  test('normalises keys, keeps the last value per key, sorts', () => {
    const cols = flagUpdateColumns([
      { name: 'Zope_Interface', version: '1.0', index: 'https://pypi.org/simple', value: true },
      { name: 'flask', version: '1.0.0RC1', index: 'https://pypi.python.org/simple', value: true },
      { name: 'Flask', version: '1.0.0rc1', index: 'https://pypi.org/simple', value: false },
      { name: 'flask', version: '1.0.0rc1', index: 'https://other/simple', value: true },
    ])
    expect(cols).toEqual({
      names: ['flask', 'flask', 'zope-interface'],
      versions: ['1.0.0rc1', '1.0.0rc1', '1.0'],
      indexes: ['https://other/simple', 'https://pypi.org/simple', 'https://pypi.org/simple'],
      values: [true, false, true],
    })
  })

  test('empty input gives empty columns', () => {
    expect(flagUpdateColumns([])).toEqual({ names: [], versions: [], indexes: [], values: [] })
  })
})

describe('isRetryablePostgresError', () => {
  const pgError = (code: string) =>
    new postgres.PostgresError({ code, message: 'x' } as unknown as string)
  test.each([
    ['40001', true],
    ['40P01', true],
    ['57014', true],
    ['57P01', true],
    ['08006', true],
    ['53300', true],
    ['28P01', true],
    ['55P03', true],
    ['42601', false],
    ['42P01', false],
    ['23505', false],
    ['22P02', false],
  ])('SQLSTATE %p -> %p', (code, expected) => {
    expect(isRetryablePostgresError(pgError(code))).toBe(expected)
  })

  test('network errors are retryable, client misuse is not', () => {
    const net = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    expect(isRetryablePostgresError(net)).toBe(true)
    const timeout = Object.assign(new Error('write CONNECT_TIMEOUT'), { code: 'CONNECT_TIMEOUT' })
    expect(isRetryablePostgresError(timeout)).toBe(true)
    const misuse = Object.assign(new Error('undefined'), { code: 'UNDEFINED_VALUE' })
    expect(isRetryablePostgresError(misuse)).toBe(false)
  })
})

describe('checkSchemaRevision', () => {
  const kg = (rev: string | null) => ({ schemaRevision: () => Promise.resolve(rev) })

  test('expected revision: no warning', async () => {
    const log = memoryLogger()
    expect(await checkSchemaRevision(kg('bf9ea2a38b01'), log)).toBe('bf9ea2a38b01')
    expect(log.lines.filter((l) => l.level === 'warn')).toEqual([])
  })

  test('other revision: warning naming both', async () => {
    const log = memoryLogger()
    await checkSchemaRevision(kg('0123456789ab'), log)
    expect(log.lines).toMatchObject([
      { level: 'warn', stored: '0123456789ab', expected: 'bf9ea2a38b01' },
    ])
  })

  test('missing revision: warning, no throw (D-37)', async () => {
    const log = memoryLogger()
    expect(await checkSchemaRevision(kg(null), log)).toBeNull()
    expect(log.lines).toMatchObject([{ level: 'warn', expected: 'bf9ea2a38b01' }])
  })

  test('a failing read propagates', async () => {
    const failing = {
      schemaRevision: () => Promise.reject(new UpstreamError('postgres', 'A-1: down', true)),
    }
    await expect(checkSchemaRevision(failing, memoryLogger())).rejects.toBeInstanceOf(UpstreamError)
  })
})
