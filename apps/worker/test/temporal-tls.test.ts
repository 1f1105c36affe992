// The worker (NativeConnection) and the client bill-service uses (Connection) reach Temporal over
// TLS and mutual TLS, configured only by the TEMPORAL_* variables the apps read. Temporal's dev
// server serves plaintext only, so a TLS-terminating proxy with certificates made here stands in
// front of it (the run's shared dev server: support/servers.ts), as a load balancer or Temporal's
// own TLS would.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, startTlsProxy, type TestCertificates, type TlsProxy } from '@billing/runtime/testing';
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { readWorkerEnv } from '../src/env.ts';
import { testTemporal, type TestTemporal } from './support/servers.ts';
import { quietTemporalRuntime, workflowBundle } from './support/stack.ts';

const required = { DATABASE_URL: 'postgres://localhost/billing', BILLING_SERVICE_TOKEN: 'worker-tls-test-token-0123456789abcdef' };

let temporal: TestTemporal;
let certs: TestCertificates;
let tlsProxy: TlsProxy;
let mtlsProxy: TlsProxy;

beforeAll(async () => {
  quietTemporalRuntime();
  certs = makeTestCertificates();
  temporal = await testTemporal();
  const server = { target: temporal.address, certPath: certs.serverCertPath, keyPath: certs.serverKeyPath };
  [tlsProxy, mtlsProxy] = await Promise.all([startTlsProxy(server), startTlsProxy({ ...server, clientCaPath: certs.caPath })]);
}, 120_000);

afterAll(async () => {
  await Promise.all([tlsProxy?.stop(), mtlsProxy?.stop()]);
  await temporal?.stop();
  certs?.remove();
});

/**
 * A worker polls a fresh task queue over `env`'s NativeConnection while the client, over `env`'s
 * Connection, waits until Temporal lists that worker as the queue's poller.
 */
async function workerPollsOverIt(variables: Record<string, string>): Promise<void> {
  const env = readWorkerEnv({ ...required, ...variables });
  const taskQueue = `tls-${randomUUID()}`;
  const [nativeConnection, connection] = await Promise.all([
    NativeConnection.connect(env.temporalConnection),
    Connection.connect(env.temporalConnection),
  ]);
  try {
    const identity = `tls-test-${randomUUID()}`;
    const worker = await Worker.create({
      connection: nativeConnection, namespace: temporal.namespace, taskQueue, identity, workflowBundle: await workflowBundle(),
    });
    await worker.runUntil(async () => {
      for (const started = Date.now(); Date.now() - started < 20_000;) {
        const { pollers } = await connection.workflowService.describeTaskQueue({
          namespace: temporal.namespace, taskQueue: { name: taskQueue }, taskQueueType: 1,
        });
        if (pollers.some((poller) => poller.identity === identity)) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error('the worker never showed up as a poller');
    });
  } finally {
    await Promise.all([nativeConnection.close(), connection.close()]);
  }
}

/** Both connections fail with `env`'s settings (the client gives up after 1.5 s instead of retrying for long). */
async function bothRefused(variables: Record<string, string>): Promise<void> {
  const env = readWorkerEnv({ ...required, ...variables });
  await expect(NativeConnection.connect(env.temporalConnection)).rejects.toThrow();
  await expect(Connection.connect({ ...env.temporalConnection, connectTimeout: 1_500 })).rejects.toThrow();
}

describe('Temporal over TLS', () => {
  it('the worker polls and the client calls through TLS, checking the server against the given CA and name', async () => {
    const before = tlsProxy.handshakes;
    await workerPollsOverIt({
      TEMPORAL_ADDRESS: tlsProxy.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath, TEMPORAL_TLS_SERVER_NAME: certs.serverName,
    });
    expect(tlsProxy.handshakes - before).toBeGreaterThanOrEqual(2);
  });

  it('refuses a server whose certificate the given CA did not sign, or that does not carry the expected name', async () => {
    await bothRefused({ TEMPORAL_ADDRESS: tlsProxy.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.otherCaPath, TEMPORAL_TLS_SERVER_NAME: certs.serverName });
    await bothRefused({ TEMPORAL_ADDRESS: tlsProxy.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath, TEMPORAL_TLS_SERVER_NAME: 'other.test' });
  });
});

describe('Temporal over mutual TLS', () => {
  it('the worker polls and the client calls presenting the client certificate', async () => {
    const before = mtlsProxy.clientSubjects.length;
    await workerPollsOverIt({
      TEMPORAL_ADDRESS: mtlsProxy.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath, TEMPORAL_TLS_SERVER_NAME: certs.serverName,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyPath,
    });
    const seen = mtlsProxy.clientSubjects.slice(before);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen)).toEqual(new Set(['billing-worker']));
  });

  it('is refused by the server without a client certificate', async () => {
    await bothRefused({ TEMPORAL_ADDRESS: mtlsProxy.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath, TEMPORAL_TLS_SERVER_NAME: certs.serverName });
  });
});
