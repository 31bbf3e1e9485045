import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { AbortedError, UpstreamError } from '../../lib/errors.ts'
import { memoryLogger } from '../../lib/log.ts'
import { createPackageIndex, type PackageIndexOptions } from '../../lib/package-index.ts'
import { startPackageIndexServer } from '../servers/package-index.ts'

const server = startPackageIndexServer()
const WAREHOUSE = `${server.url}/simple`
const SIMPLE = `${server.url}/custom/simple`
const signal = new AbortController().signal
afterAll(() => server.stop())
beforeEach(() => {
  server.packages.clear()
  server.requests.length = 0
})

function index(extra: Partial<PackageIndexOptions> = {}) {
  return createPackageIndex(
    { warehouses: ['https://pypi.org/simple', WAREHOUSE], ...extra },
    memoryLogger(),
  )
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure')
    },
    (err: unknown) => err,
  )
}

describe('listVersions', () => {
  test('uses the Warehouse JSON API for a warehouse index (trailing / ignored)', async () => {
    server.packages.set('flask', { releases: ['1.0', '2.0.0RC1', 'junk', '1.5'] })
    expect(await index().listVersions(`${WAREHOUSE}/`, 'flask', signal)).toEqual([
      '2.0.0rc1',
      '1.5',
      '1.0',
      'junk',
    ])
    expect(server.requests.map((r) => r.path)).toEqual(['/pypi/flask/json'])
  })

  test('reads the PEP 503 page, with a trailing slash, for other indexes', async () => {
    server.packages.set('tensorflow', {
      hrefs: [
        'tensorflow-2.1.0.tar.gz',
        'tensorflow-2.10.0-cp38-none-any.whl',
        'tensorflow-2.1.0-cp38-none-any.whl',
      ],
    })
    expect(await index().listVersions(SIMPLE, 'tensorflow', signal)).toEqual(['2.10.0', '2.1.0'])
    expect(server.requests.map((r) => r.path)).toEqual(['/custom/simple/tensorflow/'])
    expect(server.requests[0]?.headers.accept).toBe('text/html')
  })

  test('lists equal normal forms once (D-34)', async () => {
    server.packages.set('pkg', {
      hrefs: ['pkg-1.0.0RC1.tar.gz', 'pkg-1.0.0rc1-py3-none-any.whl', 'pkg-0.9.tar.gz'],
    })
    expect(await index().listVersions(SIMPLE, 'pkg', signal)).toEqual(['1.0.0rc1', '0.9'])
  })

  test('404 and 403 mean an empty listing', async () => {
    server.packages.set('gone', { status: 403 })
    expect(await index().listVersions(WAREHOUSE, 'missing', signal)).toEqual([])
    expect(await index().listVersions(SIMPLE, 'missing', signal)).toEqual([])
    expect(await index().listVersions(SIMPLE, 'gone', signal)).toEqual([])
  })

  test('5xx is a retryable upstream error, 400 is not', async () => {
    server.packages.set('broken', { status: 503 })
    server.packages.set('bad', { status: 400 })
    const err = await failure(index().listVersions(WAREHOUSE, 'broken', signal))
    expect(err).toBeInstanceOf(UpstreamError)
    expect(err).toMatchObject({ upstream: 'package-index', retryable: true, status: 503 })
    expect(await failure(index().listVersions(SIMPLE, 'bad', signal))).toMatchObject({
      retryable: false,
      status: 400,
    })
  })

  test('a connection failure is retryable', async () => {
    const dead = startPackageIndexServer()
    const url = `${dead.url}/simple`
    await dead.stop()
    expect(await failure(index().listVersions(url, 'x', signal))).toMatchObject({ retryable: true })
  })

  test('an unusable listing is a non-retryable error', async () => {
    server.packages.set('nohref', { hrefs: ['nohref-1.0.tar.gz', null] })
    server.packages.set('notjson', { json: '<html>' })
    expect(await failure(index().listVersions(SIMPLE, 'nohref', signal))).toMatchObject({
      retryable: false,
    })
    expect(await failure(index().listVersions(WAREHOUSE, 'notjson', signal))).toMatchObject({
      retryable: false,
    })
  })

  test('a slow index times out with a retryable error', async () => {
    server.packages.set('slow', { releases: ['1.0'], delayMs: 500 })
    const err = await failure(index({ timeoutMs: 100 }).listVersions(SIMPLE, 'slow', signal))
    expect(err).toBeInstanceOf(UpstreamError)
    expect(err).toMatchObject({ retryable: true })
    expect((err as Error).message).toContain('timed out')
  })

  test('the caller aborting gives AbortedError', async () => {
    server.packages.set('slow', { releases: ['1.0'], delayMs: 500 })
    const err = await failure(index().listVersions(SIMPLE, 'slow', AbortSignal.timeout(50)))
    expect(err).toBeInstanceOf(AbortedError)
  })

  test('caches a listing per (index, package) until the TTL expires; errors are not kept', async () => {
    let now = 1_000_000
    const idx = index({ now: () => now })
    server.packages.set('flask', { releases: ['1.0'] })
    expect(await idx.listVersions(WAREHOUSE, 'flask', signal)).toEqual(['1.0'])
    server.packages.set('flask', { releases: ['1.0', '2.0'] })
    now += 5 * 60_000 - 1
    expect(await idx.listVersions(`${WAREHOUSE}/`, 'flask', signal)).toEqual(['1.0'])
    now += 1
    expect(await idx.listVersions(WAREHOUSE, 'flask', signal)).toEqual(['2.0', '1.0'])
    expect(server.requests).toHaveLength(2)

    server.packages.set('flaky', { status: 500 })
    await failure(idx.listVersions(WAREHOUSE, 'flaky', signal))
    server.packages.set('flaky', { releases: ['3.0'] })
    expect(await idx.listVersions(WAREHOUSE, 'flaky', signal)).toEqual(['3.0'])
  })

  test('never keeps a listing longer than 5 minutes', async () => {
    let now = 0
    const idx = index({ now: () => now, cacheTtlMs: 3_600_000 })
    server.packages.set('flask', { releases: ['1.0'] })
    await idx.listVersions(WAREHOUSE, 'flask', signal)
    now += 5 * 60_000
    await idx.listVersions(WAREHOUSE, 'flask', signal)
    expect(server.requests).toHaveLength(2)
  })

  test('goes through the proxy unless NO_PROXY names the host', async () => {
    server.packages.set('flask', { releases: ['1.0'] })
    const viaProxy = index({ proxy: { http: server.url } })
    expect(await viaProxy.listVersions('http://index.invalid/simple', 'flask', signal)).toEqual([
      '1.0',
    ])
    expect(server.requests[0]?.headers.host).toBe('index.invalid')
    const bypass = index({ proxy: { http: 'http://127.0.0.1:9', noProxy: '127.0.0.1' } })
    expect(await bypass.listVersions(SIMPLE, 'flask', signal)).toEqual(['1.0'])
  })

  test('never sends credentials from the index URL, nor puts them into errors', async () => {
    server.packages.set('flask', { releases: ['1.0'] })
    server.packages.set('broken', { status: 500 })
    const withUser = SIMPLE.replace('http://', 'http://alice:s3cret-pw@')
    expect(await index().listVersions(withUser, 'flask', signal)).toEqual(['1.0'])
    expect(server.requests[0]?.headers.authorization).toBeUndefined()
    const err = await failure(index().listVersions(withUser, 'broken', signal))
    expect(String((err as Error).message)).not.toContain('s3cret-pw')
  })
})
