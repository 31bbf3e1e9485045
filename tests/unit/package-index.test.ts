import { describe, expect, test } from 'bun:test'
import { canonicalIndexUrl, proxyFor } from '../../lib/package-index.ts'
import {
  normalVersion,
  sortVersions,
  versionsFromSimplePage,
  versionsFromWarehouseJson,
} from '../../lib/package-versions.ts'

describe('canonicalIndexUrl', () => {
  test('drops trailing slashes and maps pypi.python.org to pypi.org', () => {
    expect(canonicalIndexUrl('https://pypi.python.org/simple/')).toBe('https://pypi.org/simple')
    expect(canonicalIndexUrl('https://example.com/simple//')).toBe('https://example.com/simple')
    expect(canonicalIndexUrl('https://pypi.python.org/simple/extra')).toBe(
      'https://pypi.python.org/simple/extra',
    )
  })
})

describe('normalVersion', () => {
  test('gives the PEP 440 normal form of valid versions', () => {
    expect(normalVersion('1.0-beta')).toBe('1.0b0')
    expect(normalVersion('2.0.0RC1')).toBe('2.0.0rc1')
    expect(normalVersion('v1.0')).toBe('1.0')
    expect(normalVersion(' 1.0 ')).toBe('1.0')
    expect(normalVersion('1.0-1')).toBe('1.0.post1')
    expect(normalVersion('1.0+Ubuntu-01')).toBe('1.0+ubuntu.1')
    expect(normalVersion('1!2.0.post1.dev2')).toBe('1!2.0.post1.dev2')
  })
  test('returns null for legacy versions', () => {
    expect(normalVersion('foo')).toBeNull()
    expect(normalVersion('1.0.x')).toBeNull()
  })
})

describe('sortVersions', () => {
  test('newest first by PEP 440, pre-releases kept, legacy last in legacy order', () => {
    const listed = [
      '1.0',
      'foo',
      '2.0.0RC1',
      '2.0.0',
      '1.0-beta',
      'v1.5',
      '1.0.x',
      '1!0.1',
      '2.0.x',
      '1.0+local.2',
    ]
    expect(sortVersions(listed)).toEqual([
      '1!0.1',
      '2.0.0',
      '2.0.0rc1',
      '1.5',
      '1.0+local.2',
      '1.0',
      '1.0b0',
      '2.0.x',
      '1.0.x',
      'foo',
    ])
  })
  test('keeps the first of equal normal forms (D-34)', () => {
    expect(sortVersions(['1.0.0RC1', '1.0.0rc1', '1.0.0-rc1'])).toEqual(['1.0.0rc1'])
  })
  test('keeps versions that compare equal but are written differently, in listing order', () => {
    expect(sortVersions(['1.0', '1.0.0'])).toEqual(['1.0', '1.0.0'])
    expect(sortVersions(['1.0.0', '1.0'])).toEqual(['1.0.0', '1.0'])
  })
  test('legacy order follows packaging 21.3 (pre-release tags before final, dev lowest)', () => {
    expect(sortVersions(['2004d', '1.0.x-dev', '1.0.x-rc', '1.0.x'])).toEqual([
      '2004d',
      '1.0.x',
      '1.0.x-rc',
      '1.0.x-dev',
    ])
  })
})

describe('versionsFromSimplePage', () => {
  const page = (links: string) => `<html><body>${links}</body></html>`
  test('takes versions from sdist and wheel links, distinct, in page order', () => {
    const html = page(
      [
        '<a href="../../packages/ab/Flask-1.0.tar.gz#sha256=1">x</a>',
        '<a href="https://files.example/flask-2.0-py3-none-any.whl#sha256=2">x</a>',
        '<a href="flask-2.0.tar.gz">x</a>',
        '<a href="flask-3.0.zip">ignored</a>',
        '<a href="flask-1.0%2Blocal.tar.gz">decoded</a>',
        '<a href="flask-4.0.tar%2Egz">tested before decoding</a>',
        '<a href="/x/flask-5.0.tar.gz?a=1&amp;b=2#frag">entity</a>',
      ].join(''),
    )
    expect(versionsFromSimplePage(html, 'flask')).toEqual(['1.0', '2.0', '1.0+local'])
  })
  test('cuts sdist names by the package name length only', () => {
    expect(versionsFromSimplePage(page('<a href="x-y-1.2.tar.gz">a</a>'), 'x_y')).toEqual(['1.2'])
  })
  test('fails on a link without href or a wheel without version', () => {
    expect(() => versionsFromSimplePage(page('<a name="x">a</a>'), 'flask')).toThrow()
    expect(() => versionsFromSimplePage(page('<a href="flask-py3.whl">a</a>'), 'flask')).toThrow()
  })
})

describe('versionsFromWarehouseJson', () => {
  test('takes the keys of releases', () => {
    expect(versionsFromWarehouseJson({ releases: { '1.0': [], '2.0': [] } })).toEqual([
      '1.0',
      '2.0',
    ])
  })
  test('fails without a releases object', () => {
    expect(() => versionsFromWarehouseJson({ info: {} })).toThrow()
    expect(() => versionsFromWarehouseJson(null)).toThrow()
  })
})

describe('proxyFor', () => {
  const proxy = {
    https: 'http://sp:3128',
    http: 'http://p:3128',
    noProxy: 'internal.example, .corp.example,10.0.0.1:8080',
  }
  test('chooses the proxy by scheme', () => {
    expect(proxyFor(new URL('https://pypi.org/simple'), proxy)).toBe('http://sp:3128')
    expect(proxyFor(new URL('http://pypi.org/simple'), proxy)).toBe('http://p:3128')
    expect(proxyFor(new URL('https://pypi.org/simple'), { http: 'http://p:3128' })).toBeUndefined()
  })
  test('honours NO_PROXY by host suffix, leading dot, host:port and *', () => {
    expect(proxyFor(new URL('https://internal.example/simple'), proxy)).toBeUndefined()
    expect(proxyFor(new URL('https://pkgs.internal.example/simple'), proxy)).toBeUndefined()
    expect(proxyFor(new URL('https://a.corp.example/simple'), proxy)).toBeUndefined()
    expect(proxyFor(new URL('http://10.0.0.1:8080/simple'), proxy)).toBeUndefined()
    expect(proxyFor(new URL('https://notinternal.example/simple'), proxy)).toBe('http://sp:3128')
    expect(proxyFor(new URL('https://pypi.org/simple'), { ...proxy, noProxy: '*' })).toBeUndefined()
  })
})
