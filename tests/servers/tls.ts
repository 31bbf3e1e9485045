/**
 * A throw-away PKI for the HTTPS test servers, made with the `openssl` CLI at test time (no
 * keys are committed): a CA, a server certificate for 127.0.0.1 / localhost, a client
 * certificate signed by the same CA, and an unrelated CA for "wrong CA" tests.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** PEM texts and file paths of the test PKI. */
export interface TestPki {
  readonly dir: string
  readonly caCert: string
  readonly caCertPath: string
  readonly serverCert: string
  readonly serverKey: string
  readonly clientCert: string
  readonly clientKey: string
  readonly clientCertPath: string
  readonly clientKeyPath: string
  /** A CA that signed nothing here. */
  readonly otherCaCert: string
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const proc = Bun.spawn(['openssl', ...args], { cwd: dir, stdout: 'pipe', stderr: 'pipe' })
  const code = await proc.exited
  if (code !== 0) throw new Error(`openssl ${args[0]} failed: ${await new Response(proc.stderr).text()}`)
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

async function selfSignedCa(dir: string, name: string): Promise<void> {
  await openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2',
    '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
}

function serial(): string {
  return `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex')}`
}

async function leaf(dir: string, name: string, ext: string): Promise<void> {
  await Bun.write(join(dir, `${name}.ext`), ext)
  await openssl(dir, ['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`])
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', serial(),
    '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`])
}

let shared: Promise<TestPki> | undefined

/** Generates the PKI once per test process (about 100 ms). */
export function testPki(): Promise<TestPki> {
  shared ??= generate()
  return shared
}

async function generate(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-pki-'))
  await Promise.all([selfSignedCa(dir, 'ca'), selfSignedCa(dir, 'other-ca')])
  await Promise.all([
    leaf(dir, 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'),
    leaf(dir, 'client', 'extendedKeyUsage=clientAuth\n'),
  ])
  const read = (f: string) => Bun.file(join(dir, f)).text()
  return {
    dir,
    caCert: await read('ca.crt'),
    caCertPath: join(dir, 'ca.crt'),
    serverCert: await read('server.crt'),
    serverKey: await read('server.key'),
    clientCert: await read('client.crt'),
    clientKey: await read('client.key'),
    clientCertPath: join(dir, 'client.crt'),
    clientKeyPath: join(dir, 'client.key'),
    otherCaCert: await read('other-ca.crt'),
  }
}
