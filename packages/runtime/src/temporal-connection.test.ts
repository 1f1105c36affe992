import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvError, readEnv } from './env.ts';
import { temporalConnection, withTemporalConnection } from './temporal-connection.ts';
import { makeTestCertificates, type TestCertificates } from './testing/tls.ts';
import { temporalVariables } from './variables.ts';

let certs: TestCertificates;
beforeAll(() => {
  certs = makeTestCertificates();
});
afterAll(() => certs.remove());

function read(source: Record<string, string>) {
  return withTemporalConnection(readEnv(temporalVariables('bills'), source));
}

function problems(source: Record<string, string>): string[] {
  try {
    read(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe('Temporal connection settings', () => {
  it('is plaintext to the local dev server when nothing is set', () => {
    expect(read({}).temporalConnection).toEqual({ address: '127.0.0.1:7233' });
  });

  it('turns TLS on with the system roots for TEMPORAL_TLS=true alone', () => {
    expect(read({ TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_TLS: 'true' }).temporalConnection)
      .toEqual({ address: 'temporal.example:7233', tls: {} });
  });

  it('turns TLS on for a CA and a server name, read from the file at start-up', () => {
    const { temporalConnection } = read({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath, TEMPORAL_TLS_SERVER_NAME: 'temporal.test' });
    expect(temporalConnection.tls?.serverNameOverride).toBe('temporal.test');
    expect(temporalConnection.tls?.serverRootCACertificate?.toString()).toContain('BEGIN CERTIFICATE');
    expect(temporalConnection.tls?.clientCertPair).toBeUndefined();
  });

  it('takes a client certificate and its key for mutual TLS', () => {
    const { temporalConnection } = read({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath, TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyPath,
    });
    expect(temporalConnection.tls?.clientCertPair?.crt.toString()).toContain('BEGIN CERTIFICATE');
    expect(temporalConnection.tls?.clientCertPair?.key.toString()).toContain('PRIVATE KEY');
  });

  it('sends a Temporal Cloud API key over TLS with the system roots', () => {
    expect(read({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'cloud-key' }).temporalConnection)
      .toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'cloud-key' });
  });

  it('refuses TLS settings or an API key with TEMPORAL_TLS=false, naming them', () => {
    expect(problems({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'cloud-key', TEMPORAL_TLS_SERVER_NAME: 'temporal.test' })).toEqual([
      'TEMPORAL_TLS is false, but TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY need TLS: unset TEMPORAL_TLS (or set it to true), or unset them',
    ]);
    expect(read({ TEMPORAL_TLS: 'false' }).temporalConnection).toEqual({ address: '127.0.0.1:7233' });
  });

  it('refuses a client certificate without its key, and a key without its certificate', () => {
    expect(problems({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath })).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_PATH is set without TEMPORAL_TLS_CLIENT_KEY_PATH: mutual TLS needs both the client certificate and its private key',
    ]);
    expect(problems({ TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyPath })).toEqual([
      'TEMPORAL_TLS_CLIENT_KEY_PATH is set without TEMPORAL_TLS_CLIENT_CERT_PATH: mutual TLS needs both the client certificate and its private key',
    ]);
  });

  it('refuses a key that is not the client certificate\'s', () => {
    expect(problems({ TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.serverKeyPath })).toEqual([
      `TEMPORAL_TLS_CLIENT_KEY_PATH (${certs.serverKeyPath}) is not the private key of the certificate in TEMPORAL_TLS_CLIENT_CERT_PATH (${certs.clientCertPath})`,
    ]);
  });

  it('refuses an API key together with a client certificate', () => {
    expect(problems({ TEMPORAL_API_KEY: 'cloud-key', TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyPath }))
      .toEqual(['TEMPORAL_API_KEY and TEMPORAL_TLS_CLIENT_CERT_PATH are two ways to authenticate to Temporal: set one of them']);
  });

  it('refuses an expired client certificate', () => {
    const env = readEnv(temporalVariables('bills'), { TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyPath });
    const inAWeek = new Date(Date.now() + 7 * 86_400_000);
    expect(() => temporalConnection(env, inAWeek)).toThrow(new RegExp(`TEMPORAL_TLS_CLIENT_CERT_PATH \\(${certs.clientCertPath}\\) expired on `));
  });

  it('refuses a missing file, a file that is not PEM, a key where a certificate belongs, and a bad flag, all at once', () => {
    const garbage = join(certs.dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate');
    expect(problems({
      TEMPORAL_TLS: 'yes',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(certs.dir, 'missing.pem'),
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientKeyPath,
      TEMPORAL_TLS_CLIENT_KEY_PATH: garbage,
    })).toEqual([
      'TEMPORAL_TLS: must be true or false, got "yes"',
      `TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read ${join(certs.dir, 'missing.pem')} (ENOENT)`,
      `TEMPORAL_TLS_CLIENT_CERT_PATH: ${certs.clientKeyPath} does not hold a PEM certificate`,
      `TEMPORAL_TLS_CLIENT_KEY_PATH: ${garbage} does not hold a PEM private key`,
    ]);
  });
});
