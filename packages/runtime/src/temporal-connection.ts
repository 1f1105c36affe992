import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EnvError, optionalText, parsed } from './env.ts';

/**
 * How an app reaches Temporal beyond a local dev server: TLS (a private CA, a server name), mutual
 * TLS (a client certificate) or a Temporal Cloud API key. The variable names are the ones Temporal's
 * own tools read (the CLI, the SDKs' environment configuration), so one set of variables configures
 * `temporal` and our apps alike. Certificates and keys are read from files (a mounted secret);
 * each file is read and parsed at start-up, so a wrong path or a wrong file fails the start with
 * the variable's name instead of the first connection.
 *
 * - `TEMPORAL_TLS`: `true` or `false`. Unset: TLS is on exactly when any setting below is given.
 * - `TEMPORAL_TLS_SERVER_CA_CERT_PATH`: the CA that signed the server's certificate (PEM); unset,
 *   the system's roots (Temporal Cloud).
 * - `TEMPORAL_TLS_SERVER_NAME`: the name to expect in the server's certificate when it differs
 *   from the host of `TEMPORAL_ADDRESS` (an address by IP, a proxy).
 * - `TEMPORAL_TLS_CLIENT_CERT_PATH` and `TEMPORAL_TLS_CLIENT_KEY_PATH`: together, this client's
 *   certificate and key (PEM) for mutual TLS.
 * - `TEMPORAL_API_KEY`: a Temporal Cloud API key, sent as a bearer token; implies TLS.
 */
export function temporalConnectionVariables() {
  return {
    TEMPORAL_TLS: optionalFlag(),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pemFile('certificate'),
    TEMPORAL_TLS_SERVER_NAME: optionalText(),
    TEMPORAL_TLS_CLIENT_CERT_PATH: pemFile('certificate'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: pemFile('private key'),
    TEMPORAL_API_KEY: optionalText(),
  };
}

/** A PEM file named by a variable, read and parsed. */
export interface PemFile {
  path: string;
  pem: Buffer;
}

/** What `temporalConnectionVariables()` reads, plus the address. */
export interface TemporalConnectionEnv {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_TLS: boolean | undefined;
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: PemFile | undefined;
  TEMPORAL_TLS_SERVER_NAME: string | undefined;
  TEMPORAL_TLS_CLIENT_CERT_PATH: PemFile | undefined;
  TEMPORAL_TLS_CLIENT_KEY_PATH: PemFile | undefined;
  TEMPORAL_API_KEY: string | undefined;
}

/**
 * The options both of Temporal's connections take as they are: `Connection` (the client, in
 * bill-service) and `NativeConnection` (the worker). `tls` absent means plaintext.
 */
export interface TemporalConnectionOptions {
  address: string;
  tls?: {
    serverRootCACertificate?: Buffer;
    serverNameOverride?: string;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
  apiKey?: string;
}

/**
 * The connection options from the variables, refusing combinations that cannot be meant: TLS
 * settings or an API key with `TEMPORAL_TLS=false`, a client certificate without its key (or the
 * reverse, or a key that is not the certificate's), an expired client certificate, and an API key
 * together with a client certificate (two ways to authenticate: say which).
 */
export function temporalConnection(env: TemporalConnectionEnv, now: Date = new Date()): TemporalConnectionOptions {
  const problems: string[] = [];
  const ca = env.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const cert = env.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const key = env.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const tlsSettings = ([
    ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', ca],
    ['TEMPORAL_TLS_SERVER_NAME', env.TEMPORAL_TLS_SERVER_NAME],
    ['TEMPORAL_TLS_CLIENT_CERT_PATH', cert],
    ['TEMPORAL_TLS_CLIENT_KEY_PATH', key],
    ['TEMPORAL_API_KEY', env.TEMPORAL_API_KEY],
  ] as const).filter(([, value]) => value !== undefined).map(([name]) => name);

  if (env.TEMPORAL_TLS === false && tlsSettings.length > 0) {
    problems.push(`TEMPORAL_TLS is false, but ${tlsSettings.join(', ')} ${tlsSettings.length === 1 ? 'needs' : 'need'} TLS: ` +
      'unset TEMPORAL_TLS (or set it to true), or unset them');
  }
  if ((cert === undefined) !== (key === undefined)) {
    const [set, missing] = cert === undefined
      ? ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_CERT_PATH']
      : ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH'];
    problems.push(`${set} is set without ${missing}: mutual TLS needs both the client certificate and its private key`);
  }
  if (cert !== undefined && key !== undefined) {
    const certificate = new X509Certificate(cert.pem);
    if (!certificate.checkPrivateKey(createPrivateKey(key.pem))) {
      problems.push(`TEMPORAL_TLS_CLIENT_KEY_PATH (${key.path}) is not the private key of the certificate in TEMPORAL_TLS_CLIENT_CERT_PATH (${cert.path})`);
    }
    if (new Date(certificate.validTo) < now) {
      problems.push(`TEMPORAL_TLS_CLIENT_CERT_PATH (${cert.path}) expired on ${new Date(certificate.validTo).toISOString()}`);
    }
  }
  if (env.TEMPORAL_API_KEY !== undefined && cert !== undefined) {
    problems.push('TEMPORAL_API_KEY and TEMPORAL_TLS_CLIENT_CERT_PATH are two ways to authenticate to Temporal: set one of them');
  }
  if (problems.length > 0) throw new EnvError(problems);

  const useTls = env.TEMPORAL_TLS ?? tlsSettings.length > 0;
  return {
    address: env.TEMPORAL_ADDRESS,
    ...(useTls
      ? {
        tls: {
          ...(ca === undefined ? {} : { serverRootCACertificate: ca.pem }),
          ...(env.TEMPORAL_TLS_SERVER_NAME === undefined ? {} : { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME }),
          ...(cert === undefined || key === undefined ? {} : { clientCertPair: { crt: cert.pem, key: key.pem } }),
        },
      }
      : {}),
    ...(env.TEMPORAL_API_KEY === undefined ? {} : { apiKey: env.TEMPORAL_API_KEY }),
  };
}

/** An app's validated environment with its Temporal connection options added (`temporalConnection`). */
export function withTemporalConnection<E extends TemporalConnectionEnv>(env: E): E & { temporalConnection: TemporalConnectionOptions } {
  return { ...env, temporalConnection: temporalConnection(env) };
}

/** What to log about a connection: never a key or a certificate. */
export function describeTemporalConnection(options: TemporalConnectionOptions): Record<string, unknown> {
  return {
    address: options.address,
    tls: options.tls !== undefined,
    mtls: options.tls?.clientCertPair !== undefined,
    apiKey: options.apiKey !== undefined,
  };
}

/** `true`, `false`, or unset. */
function optionalFlag() {
  return parsed<boolean | undefined>('', (value) => {
    if (value === '') return undefined;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new Error(`must be true or false, got "${value.slice(0, 20)}"`);
  });
}

/** A readable PEM file holding a certificate (a CA bundle's first one is parsed) or a private key. */
function pemFile(kind: 'certificate' | 'private key') {
  return parsed<PemFile | undefined>('', (path) => {
    if (path === '') return undefined;
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
    }
    try {
      if (kind === 'certificate') new X509Certificate(pem);
      else createPrivateKey(pem);
    } catch {
      // Never the file's content: it may be a key.
      throw new Error(`${path} does not hold a PEM ${kind}`);
    }
    return { path, pem };
  });
}
