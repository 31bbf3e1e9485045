import { describe, expect, test } from 'bun:test'
import {
  parseRepositoryUrl,
  repositoryKey,
  repositoryName,
  serviceHosts,
} from '../../lib/git-repository-url.ts'

const hosts = serviceHosts('https://api.github.com', 'https://gitlab.com')
const parse = (origin: string) => parseRepositoryUrl(origin, hosts)

describe('serviceHosts', () => {
  test('github.com always; the API host only when it is not api.github.com', () => {
    expect(hosts).toEqual({ github: ['github.com'], gitlab: 'gitlab.com' })
    expect(
      serviceHosts('https://git.example.com:443/api/v3', 'https://WWW.GitLab.Example:8443/'),
    ).toEqual({
      github: ['github.com', 'git.example.com'],
      gitlab: 'gitlab.example:8443',
    })
  })
})

describe('parseRepositoryUrl', () => {
  test('https, http, ssh and scp-like GitHub origins give owner/repo', () => {
    for (const origin of [
      'https://github.com/thoth-station/investigator',
      'http://github.com/thoth-station/investigator/',
      'https://www.GitHub.com:443/thoth-station/investigator.git',
      'https://user:secret@github.com/thoth-station/investigator?tab=readme#top',
      'https://github.com/thoth-station/investigator/tree/master/docs',
      'ssh://git@github.com:22/thoth-station/investigator.git',
      'git@github.com:thoth-station/investigator.git',
      '  git@github.com:thoth-station/investigator  ',
    ]) {
      expect(parse(origin)).toEqual({
        service: 'github',
        host: 'github.com',
        slug: 'thoth-station/investigator',
      })
    }
  })

  test('GitLab takes every segment before a `-` segment', () => {
    expect(parse('https://gitlab.com/group/sub/project.git')).toEqual({
      service: 'gitlab',
      host: 'gitlab.com',
      slug: 'group/sub/project',
    })
    expect(parse('https://gitlab.com/group/sub/project/-/issues/3').slug).toBe('group/sub/project')
    expect(parse('git@gitlab.com:group/project.git').slug).toBe('group/project')
    expect(parse('https://gitlab.com/group%20x/project').slug).toBe('group x/project')
  })

  test('GitHub Enterprise and self-hosted GitLab by the configured hosts', () => {
    const custom = serviceHosts('https://git.example.com/api/v3', 'http://gitlab.internal:8080')
    expect(parseRepositoryUrl('https://git.example.com/o/r', custom)).toMatchObject({
      service: 'github',
      slug: 'o/r',
    })
    expect(parseRepositoryUrl('https://github.com/o/r', custom)).toMatchObject({
      service: 'github',
      slug: 'o/r',
    })
    expect(parseRepositoryUrl('http://gitlab.internal:8080/g/p', custom)).toMatchObject({
      service: 'gitlab',
      slug: 'g/p',
    })
    expect(parseRepositoryUrl('https://gitlab.internal/g/p', custom)).toMatchObject({
      service: 'none',
    })
    expect(parseRepositoryUrl('https://gitlab.com/g/p', custom)).toMatchObject({ service: 'none' })
  })

  test('other hosts are service none; non-default ports and subdomains do not match', () => {
    expect(parse('https://bitbucket.org/o/r')).toEqual({
      service: 'none',
      host: 'bitbucket.org',
      slug: null,
    })
    expect(parse('https://github.com:8443/o/r')).toMatchObject({
      service: 'none',
      host: 'github.com:8443',
    })
    expect(parse('https://gist.github.com/o/r')).toMatchObject({ service: 'none' })
  })

  test('origins that are no repository URL', () => {
    for (const origin of [
      '',
      'not a url',
      'ftp://github.com/o/r',
      'github.com/o/r',
      '/srv/git/repo',
    ]) {
      expect(parse(origin)).toEqual({ service: 'none', host: null, slug: null })
    }
  })

  test('too few path segments leave the service known but no slug', () => {
    expect(parse('https://github.com/owner')).toEqual({
      service: 'github',
      host: 'github.com',
      slug: null,
    })
    expect(parse('https://github.com/')).toMatchObject({ service: 'github', slug: null })
    expect(parse('https://gitlab.com/project/-/issues')).toMatchObject({
      service: 'gitlab',
      slug: null,
    })
  })
})

describe('repositoryKey and repositoryName', () => {
  test('spellings of one repository share a key (case-insensitive)', () => {
    const a = 'https://github.com/Thoth-Station/Investigator.git'
    const b = 'git@github.com:thoth-station/investigator'
    expect(repositoryKey(parse(a), a)).toBe(repositoryKey(parse(b), b))
    expect(repositoryName(parse(a))).toBe('github:Thoth-Station/Investigator')
  })
  test('names never show user info', () => {
    expect(repositoryName(parse('https://bob:tok3n@bitbucket.org/o/r'))).toBe('none:bitbucket.org')
    expect(repositoryName(parse('nonsense'))).toBe('(not a repository URL)')
  })
})
