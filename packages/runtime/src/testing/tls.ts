// Certificates and a TLS-terminating proxy for tests: Temporal's dev server speaks plaintext only,
// so a test that proves a client connects over TLS (or mutual TLS) puts this proxy in front of it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';

/** PEM files of a throwaway PKI, on disk (the apps read certificates from files). */
export interface TestCertificates {
  dir: string;
  /** The CA that signed the server's and the client's certificates. */
  caPath: string;
  /** Another CA, which signed nothing here: a client trusting only it must refuse the server. */
  otherCaPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  /** The server certificate's only name. */
  serverName: string;
  remove(): void;
}

/**
 * A CA, a server certificate for `serverName` and a client certificate, made with the machine's
 * openssl (EC P-256, valid for two days).
 */
export function makeTestCertificates(serverName = 'temporal.test'): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'billing-tls-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const newKey = (name: string) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', at(name));
  const ca = (name: string) => {
    newKey(`${name}.key`);
    openssl('req', '-x509', '-new', '-key', at(`${name}.key`), '-out', at(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  };
  const leaf = (name: string, subject: string, extensions: string) => {
    newKey(`${name}.key`);
    openssl('req', '-new', '-key', at(`${name}.key`), '-out', at(`${name}.csr`), '-subj', `/CN=${subject}`);
    writeFileSync(at(`${name}.ext`), extensions);
    openssl('x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial',
      '-days', '2', '-out', at(`${name}.pem`), '-extfile', at(`${name}.ext`));
  };
  ca('ca');
  ca('other-ca');
  leaf('server', serverName, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${serverName}\n`);
  leaf('client', 'billing-worker', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  return {
    dir,
    caPath: at('ca.pem'),
    otherCaPath: at('other-ca.pem'),
    serverCertPath: at('server.pem'),
    serverKeyPath: at('server.key'),
    clientCertPath: at('client.pem'),
    clientKeyPath: at('client.key'),
    serverName,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsProxy {
  /** `127.0.0.1:<port>`: where clients connect with TLS. */
  address: string;
  /** Connections whose TLS handshake succeeded (and which were then forwarded). */
  readonly handshakes: number;
  /** Client certificates' subjects seen, one per mutual-TLS connection. */
  readonly clientSubjects: readonly string[];
  stop(): Promise<void>;
}

/**
 * Terminates TLS on a loopback port and forwards the bytes to a plaintext `target` (`host:port`);
 * HTTP/2 is offered by ALPN, as a gRPC server does. With `clientCaPath`, a client must present a
 * certificate signed by that CA (mutual TLS), or the handshake fails.
 */
export async function startTlsProxy(options: {
  target: string;
  certPath: string;
  keyPath: string;
  clientCaPath?: string;
}): Promise<TlsProxy> {
  const [targetHost, targetPort] = splitAddress(options.target);
  const sockets = new Set<Socket>();
  const clientSubjects: string[] = [];
  let handshakes = 0;
  const server = createServer({
    cert: readFileSync(options.certPath),
    key: readFileSync(options.keyPath),
    ALPNProtocols: ['h2'],
    ...(options.clientCaPath === undefined ? {} : { ca: readFileSync(options.clientCaPath), requestCert: true, rejectUnauthorized: true }),
  }, (tlsSocket: TLSSocket) => {
    handshakes += 1;
    if (options.clientCaPath !== undefined) clientSubjects.push([tlsSocket.getPeerCertificate().subject.CN ?? ''].flat().join(','));
    const upstream = connect(targetPort, targetHost);
    for (const socket of [tlsSocket, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {
        tlsSocket.destroy();
        upstream.destroy();
      });
    }
    tlsSocket.pipe(upstream).pipe(tlsSocket);
  });
  // A refused handshake (no client certificate, an untrusted one) is the client's failure to see.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    get handshakes() {
      return handshakes;
    },
    clientSubjects,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}
