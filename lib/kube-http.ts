/**
 * The HTTP layer under @kubernetes/client-node. Under Bun, client-node's undici dispatcher (CA,
 * client certificates, skipTLSVerify) is silently ignored (shared/PLATFORM-NOTES.md), so every API
 * client gets this `httpApi` instead: Bun's `fetch` with its `tls` option, the connection's
 * credentials on every request, a per-request timeout and an optional abort signal.
 */
import {
  createConfiguration,
  ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
  type Configuration,
  type ConfigurationOptions,
  type RequestContext,
} from '@kubernetes/client-node'

/** TLS material handed to Bun's `fetch` (PEM texts). */
export interface KubeTls {
  readonly ca?: string
  readonly cert?: string
  readonly key?: string
  readonly rejectUnauthorized: boolean
  readonly serverName?: string
}

/** What every request carries: headers (Authorization, Impersonate-User) and TLS settings. */
export interface KubeCredentials {
  readonly headers: Readonly<Record<string, string>>
  readonly tls: KubeTls
  /** HTTP(S) proxy of the kubeconfig cluster, when set. */
  readonly proxy?: string
}

/** A resolved API server: its URL and a source of (re-read, cached) credentials. */
export interface KubeConnection {
  /** API server base URL without a trailing `/`. */
  readonly server: string
  readonly source: 'in-cluster' | 'kubeconfig' | 'static'
  credentials(): Promise<KubeCredentials>
  /** Forget cached credentials (after a 401) so the next request reads them again. */
  invalidate(): void
}

/** Why a request got no HTTP answer. */
export type TransportFailure = 'timeout' | 'aborted' | 'connection'

/** A request that got no HTTP answer; the workflow port maps it to an error class. */
export class KubeTransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    readonly url: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'KubeTransportError'
  }
}

/** Options of {@link createKubeConfiguration}. */
export interface KubeHttpOptions {
  /** Base URL for this configuration; the connection's server when absent (OPENSHIFT_API_URL). */
  readonly baseUrl?: string
  readonly timeoutMs: number
}

/** A client-node Configuration whose requests go through Bun's fetch with our TLS settings. */
export function createKubeConfiguration(conn: KubeConnection, opts: KubeHttpOptions): Configuration {
  const base = (opts.baseUrl ?? conn.server).replace(/\/+$/, '')
  return createConfiguration({
    baseServer: new ServerConfiguration(base, {}),
    httpApi: wrapHttpLibrary({ send: (req) => send(conn, req, opts.timeoutMs, undefined) }),
  })
}

/** Per-call options that let `signal` (shutdown, revocation) abort the request. */
export function callOptions(conn: KubeConnection, timeoutMs: number, signal: AbortSignal): ConfigurationOptions {
  return { httpApi: wrapHttpLibrary({ send: (req) => send(conn, req, timeoutMs, signal) }) }
}

async function send(
  conn: KubeConnection,
  req: RequestContext,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<ResponseContext> {
  const url = req.getUrl()
  if (signal?.aborted) throw new KubeTransportError('aborted', url, 'request aborted')
  const creds = await conn.credentials()
  const timeout = AbortSignal.timeout(timeoutMs)
  const headers: Record<string, string> = { ...req.getHeaders(), ...creds.headers }
  // MUST ask for JSON only: client-node's default Accept lists protobuf first for some calls.
  headers.Accept = 'application/json'
  const init: BunFetchRequestInit = {
    method: req.getHttpMethod(),
    headers,
    body: req.getBody() as BodyInit | undefined,
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    redirect: 'manual',
  }
  if (url.startsWith('https:')) init.tls = { ...creds.tls }
  if (creds.proxy) init.proxy = creds.proxy
  try {
    const resp = await fetch(url, init)
    const bytes = Buffer.from(await resp.arrayBuffer())
    const respHeaders: Record<string, string> = {}
    resp.headers.forEach((value, name) => (respHeaders[name] = value))
    return new ResponseContext(resp.status, respHeaders, {
      text: () => Promise.resolve(bytes.toString('utf8')),
      binary: () => Promise.resolve(bytes),
      stream: () => null,
    })
  } catch (err) {
    if (signal?.aborted) throw new KubeTransportError('aborted', url, 'request aborted', { cause: err })
    if (timeout.aborted) {
      throw new KubeTransportError('timeout', url, `no answer within ${timeoutMs / 1000} s`, { cause: err })
    }
    throw new KubeTransportError('connection', url, describeFetchError(err), { cause: err })
  }
}

function describeFetchError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown }
  const code = typeof e?.code === 'string' ? e.code : ''
  const message = typeof e?.message === 'string' ? e.message : String(err)
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|certificate/i.test(`${code} ${message}`)) {
    return `TLS failed (${code || message}); check the CA (kubeconfig / service-account ca.crt) or KUBERNETES_VERIFY_TLS`
  }
  return code ? `${code}: ${message}` : message
}
