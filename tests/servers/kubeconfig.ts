/**
 * Writes a kubeconfig for a test server: one cluster, one user (bearer token, client
 * certificate, exec plugin or none), one current context. JSON is valid YAML.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The user and cluster settings of {@link writeKubeconfig}. */
export interface KubeconfigSpec {
  readonly server: string
  /** CA PEM, embedded as certificate-authority-data. */
  readonly ca?: string
  /** CA file path instead of embedded data. */
  readonly caFile?: string
  readonly insecureSkipTlsVerify?: boolean
  readonly token?: string
  /** Client certificate and key PEM (embedded). */
  readonly clientCert?: string
  readonly clientKey?: string
  /** An exec credential plugin. */
  readonly exec?: { readonly command: string; readonly args?: readonly string[] }
}

const b64 = (text: string) => Buffer.from(text).toString('base64')

/** Writes the kubeconfig into a fresh temporary directory (or `dir`) and returns its path. */
export async function writeKubeconfig(spec: KubeconfigSpec, dir?: string): Promise<string> {
  const cluster: Record<string, unknown> = { server: spec.server }
  if (spec.ca) cluster['certificate-authority-data'] = b64(spec.ca)
  if (spec.caFile) cluster['certificate-authority'] = spec.caFile
  if (spec.insecureSkipTlsVerify) cluster['insecure-skip-tls-verify'] = true
  const user: Record<string, unknown> = {}
  if (spec.token) user.token = spec.token
  if (spec.clientCert) user['client-certificate-data'] = b64(spec.clientCert)
  if (spec.clientKey) user['client-key-data'] = b64(spec.clientKey)
  if (spec.exec) {
    user.exec = {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: spec.exec.command,
      args: spec.exec.args ?? [],
      interactiveMode: 'Never',
    }
  }
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster }],
    users: [{ name: 'tester', user }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'tester' } }],
    'current-context': 'test',
  }
  const path = join(dir ?? mkdtempSync(join(tmpdir(), 'kubeconfig-')), 'config')
  await Bun.write(path, JSON.stringify(config, null, 2))
  return path
}
