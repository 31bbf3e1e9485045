import { describe, expect, test } from 'bun:test'
import {
  cephHost,
  idTimestamp,
  mergeCephArguments,
  paramText,
  prepareWorkflow,
  RECORD_LABEL,
  setParameters,
  type WorkflowObject,
} from '../../lib/workflow-render.ts'

describe('cephHost: the literal netloc', () => {
  test.each([
    ['https://s3.example.com:8443/bucket', 's3.example.com:8443'],
    ['https://S3.Example.COM:443', 'S3.Example.COM:443'],
    ['http://user:pass@host:80/x?y#z', 'user:pass@host:80'],
    ['https://host?x=1', 'host'],
    ['https://host#frag', 'host'],
    ['s3.example.com:8443', ''],
    ['', ''],
  ])('%s -> %s', (url, host) => expect(cephHost(url)).toBe(host))
})

test('idTimestamp: record time in UTC, zeros without a timestamp', () => {
  expect(idTimestamp('1685620800000')).toBe('230601120000')
  expect(idTimestamp('1704067199999')).toBe('231231235959')
  expect(idTimestamp('-1')).toBe('000000000000')
  expect(idTimestamp('')).toBe('000000000000')
})

test('paramText: strings as is, decimal numbers, True/False, null empty', () => {
  expect([paramText('x'), paramText(5), paramText(true), paramText(false), paramText(null)]).toEqual(['x', '5', 'True', 'False', ''])
})

test('setParameters replaces declared values, keeps defaults, appends unknown names', () => {
  const declared = [{ name: 'A', required: true }, { name: 'B', value: 'def' }]
  const unknown: string[] = []
  const out = setParameters(declared, { A: 1, C: null }, (n) => unknown.push(n))
  expect(out).toEqual([{ name: 'A', required: true, value: '1' }, { name: 'B', value: 'def' }, { name: 'C', value: '' }])
  expect(unknown).toEqual(['C'])
  expect(declared[0]).toEqual({ name: 'A', required: true })
})

test('mergeCephArguments puts the four first and keeps the other arguments in order', () => {
  const wf: WorkflowObject = { spec: { arguments: { parameters: [{ name: 'X', value: '1' }, { name: 'ceph_host' }, { name: 'Y', value: '2' }] } } }
  mergeCephArguments(wf, { cephBucketPrefix: 'p', cephBucket: 'b', s3EndpointUrl: 'https://h:1/', deploymentName: 'd' })
  expect(wf.spec?.arguments?.parameters).toEqual([
    { name: 'ceph_bucket_prefix', value: 'p' }, { name: 'ceph_bucket_name', value: 'b' },
    { name: 'ceph_host', value: 'h:1' }, { name: 'deployment_name', value: 'd' },
    { name: 'X', value: '1' }, { name: 'Y', value: '2' },
  ])
})

test('prepareWorkflow drops status and adds the record label', () => {
  const wf = prepareWorkflow({ metadata: { name: 'n', labels: { app: 'thoth' } }, status: {} }, 'abc', null)
  expect(wf).toEqual({ metadata: { name: 'n', labels: { app: 'thoth', [RECORD_LABEL]: 'abc' } } })
})
