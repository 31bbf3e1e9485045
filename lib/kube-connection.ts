/**
 * Where the Kubernetes API server is and how to authenticate (workflows.md "Connecting and
 * authenticating", D-17): in a pod the service-account token (re-read at least every 60 s) and
 * CA; otherwise the kubeconfig's current context with every user kind client-node supports
 * (token, client certificate, exec plugin, basic auth). TLS material ends up in Bun's fetch.
 */
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { isIPv6 } from 'node:net'
import { KubeConfig } from '@kubernetes/client-node'
import { ConfigError } from './errors.ts'
import type { Logger } from './log.ts'
import type { KubeConnection, KubeCredentials } from './kube-http.ts'

/** Default service-account token path of a pod. */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token'
/** Default service-account CA path of a pod. */
export const SERVICE_ACCOUNT_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'

/** Settings of {@link loadKubeConnection}; main.ts fills them from the environment. */
export interface KubeConnectionOptions {
  /** KUBERNETES_VERIFY_TLS: false accepts any server certificate. */
  readonly verifyTls: boolean
  /** KUBECONFIG (files separated by `:`); `~/.kube/config` when absent. */
  readonly kubeconfigPath?: string
  /** KUBERNETES_SERVICE_HOST / _PORT and the service-account files. */
  readonly inCluster?: {
    readonly serviceHost?: string
    readonly servicePort?: string | number
    readonly tokenPath?: string
    readonly caPath?: string
  }
  /** How long credentials are reused before the files are read again; at most 60 s (D-17). */
  readonly credentialsRereadMs?: number
}

/** In-cluster configuration when the service host and token file exist, else the kubeconfig. */
export function loadKubeConnection(opts: KubeConnectionOptions, log: Logger): KubeConnection {
  const ic = opts.inCluster ?? {}
  const tokenPath = ic.tokenPath ?? SERVICE_ACCOUNT_TOKEN
  if (ic.serviceHost) {
    if (existsSync(tokenPath)) return inClusterConnection(opts, ic.serviceHost, tokenPath)
    log.warn('in-cluster service-account token missing; falling back to the kubeconfig', { tokenPath })
  }
  const files = (opts.kubeconfigPath || join(homedir(), '.kube', 'config')).split(delimiter).filter(Boolean)
  const first = files[0]
  if (first === undefined || !existsSync(first)) {
    throw new ConfigError([
      `kubernetes: no in-cluster service account (KUBERNETES_SERVICE_HOST, ${tokenPath}) and no kubeconfig at ${first ?? '(none)'} (KUBECONFIG)`,
    ])
  }
  return kubeconfigConnection(files, opts)
}

function rereadMs(opts: KubeConnectionOptions): number {
  return Math.min(opts.credentialsRereadMs ?? 60_000, 60_000)
}

/** Caches `load()` for `ttlMs`; concurrent callers share one read. */
function cachedCredentials(
  server: string,
  source: KubeConnection['source'],
  ttlMs: number,
  load: () => Promise<KubeCredentials>,
): KubeConnection {
  let cached: { at: number; value: Promise<KubeCredentials> } | undefined
  return {
    server,
    source,
    credentials() {
      const now = Date.now()
      if (!cached || now - cached.at >= ttlMs) {
        const value = load()
        const entry = { at: now, value }
        cached = entry
        void value.catch(() => cached === entry && (cached = undefined))
      }
      return cached.value
    },
    invalidate() {
      cached = undefined
    },
  }
}

function inClusterConnection(opts: KubeConnectionOptions, host: string, tokenPath: string): KubeConnection {
  const port = String(opts.inCluster?.servicePort || 443)
  const caPath = opts.inCluster?.caPath ?? SERVICE_ACCOUNT_CA
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`
  return cachedCredentials(server, 'in-cluster', rereadMs(opts), async () => {
    const token = (await Bun.file(tokenPath).text()).trim()
    const ca = existsSync(caPath) ? await Bun.file(caPath).text() : undefined
    const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {}
    return { headers, tls: { ca, rejectUnauthorized: opts.verifyTls } }
  })
}

function kubeconfigConnection(files: string[], opts: KubeConnectionOptions): KubeConnection {
  const kc = new KubeConfig()
  files.forEach((file, i) => {
    if (i === 0) return kc.loadFromFile(file)
    const more = new KubeConfig()
    more.loadFromFile(file)
    kc.mergeConfig(more, true)
  })
  const cluster = kc.getCurrentCluster()
  if (!cluster) throw new ConfigError([`kubernetes: the kubeconfig ${files.join(delimiter)} has no current cluster`])
  const server = cluster.server.replace(/\/+$/, '')
  // client-node refuses plain-HTTP servers unless insecure; resolve credentials as if https.
  const auth = new KubeConfig()
  auth.loadFromClusterAndUser(
    { ...cluster, server: server.replace(/^http:/, 'https:') },
    kc.getCurrentUser() ?? { name: 'anonymous' },
  )
  return cachedCredentials(server, 'kubeconfig', rereadMs(opts), async () => {
    const o: HttpsOptions = {}
    await auth.applyToHTTPSOptions(o)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(o.headers ?? {})) if (v !== undefined) headers[k] = String(v)
    if (o.auth) headers.Authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`
    return {
      headers,
      tls: {
        ca: pem(o.ca),
        cert: pem(o.cert),
        key: pem(o.key),
        rejectUnauthorized: opts.verifyTls && !cluster.skipTLSVerify,
        serverName: cluster.tlsServerName,
      },
      proxy: cluster.proxyUrl && !cluster.proxyUrl.startsWith('socks') ? cluster.proxyUrl : undefined,
    }
  })
}

interface HttpsOptions {
  headers?: Record<string, unknown>
  auth?: string
  ca?: unknown
  cert?: unknown
  key?: unknown
}

function pem(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v)
}

/** A fixed connection (tests, benchmarks): one server, fixed credentials. */
export function staticKubeConnection(server: string, credentials: KubeCredentials): KubeConnection {
  return cachedCredentials(server.replace(/\/+$/, ''), 'static', Number.POSITIVE_INFINITY, () =>
    Promise.resolve(credentials),
  )
}
