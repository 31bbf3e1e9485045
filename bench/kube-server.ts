/**
 * The Kubernetes API test server (tests/servers/kube-api.ts) in a process of its own, so that the
 * benchmarked service's CPU and RSS are measured alone. Plain HTTP, no request log; created
 * Workflows are still validated against the Argo schema unless BENCH_KUBE_VALIDATE=0.
 *
 * Prints one JSON line on stdout once listening: {"url","kubeconfig","control"}. The control
 * server answers GET /counts with the number of stored Workflows per namespace. SIGTERM stops it.
 */
import { startKubeApiServer } from '../tests/servers/kube-api.ts'
import { writeKubeconfig } from '../tests/servers/kubeconfig.ts'

// Solvers of the `solvers` ConfigMap (comma-separated); the harness passes its own list.
const solvers = (process.env.BENCH_SOLVERS ?? 'solver-rhel-8-py38,solver-rhel-9-py39').split(',')

const srv = await startKubeApiServer({
  plainHttp: true,
  recordRequests: false,
  validate: process.env.BENCH_KUBE_VALIDATE !== '0',
  solvers: `${solvers.join('\n')}\n`,
  infraNamespace: process.env.BENCH_INFRA_NAMESPACE ?? 'thoth-infra',
})
const kubeconfig = await writeKubeconfig({ server: srv.url, insecureSkipTlsVerify: true })
const namespaces = (process.env.BENCH_NAMESPACES ?? 'thoth-backend,thoth-middletier').split(',')
const control = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(req) {
    const path = new URL(req.url).pathname
    if (path === '/counts') return Response.json(Object.fromEntries(namespaces.map((ns) => [ns, srv.workflows(ns).length])))
    return new Response('not found', { status: 404 })
  },
})
process.stdout.write(`${JSON.stringify({ url: srv.url, kubeconfig, control: `http://127.0.0.1:${control.port}` })}\n`)
process.on('SIGTERM', () => {
  srv.stop()
  void control.stop(true)
  process.exit(0)
})
