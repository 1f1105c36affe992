// Errors are worded by the domain the call was for: the real bill-service, over real gRPC, with
// its real mappers, refusing a real Temporal condition on a mandate.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code } from '@connectrpc/connect';
import { Client as TemporalClient, Connection, makeGrpcRetryInterceptor } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Frequency, MandateService } from '@billing/contracts';
import { createDb } from '@billing/db';
import { freePort } from '@billing/devstack';
import { createGrpcClient, type GrpcServer } from '@billing/grpc-kit';
import { createLogger } from '@billing/runtime';
import { mandateWorkflowId } from '@billing/mandates';
import { startBillService } from '../src/app.ts';
import { newCustomer, testEnv } from './support/bill-service.ts';
import { failureOf } from './support/failure.ts';

let server: GrpcServer;
let temporal: TemporalClient;
let mandates: ReturnType<typeof createGrpcClient<typeof MandateService>>;

beforeAll(async () => {
  const port = await freePort();
  // A task queue no worker polls: the mandate's workflow runs no task, so every Update sent to it
  // stays in flight, and Temporal refuses the one past its limit (10 per workflow by default).
  const env = testEnv({ BILL_SERVICE_PORT: String(port), BILL_SERVICE_HOST: '127.0.0.1', TEMPORAL_TASK_QUEUE: `idle-${randomUUID()}` });
  // The client's own retries of resource_exhausted (about 30 s of backoff) are off, so the refusal
  // reaches bill-service now; what it is told from then on is bill-service's doing.
  const connection = await Connection.connect({
    address: env.TEMPORAL_ADDRESS, interceptors: [makeGrpcRetryInterceptor({ retryableDecider: () => false, delayFunction: () => 0 })],
  });
  temporal = new TemporalClient({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const db = createDb({ url: env.DATABASE_URL, poolMax: 5 });
  server = await startBillService(env, createLogger('bill-service', 'silent'), {
    db, temporal,
    async close() {
      await connection.close();
      await db.destroy();
    },
  });
  mandates = createGrpcClient(MandateService, `http://127.0.0.1:${port}`, { serviceCredential: inject('serviceToken'), timeoutMs: 60_000 });
});
afterAll(async () => {
  await server?.close();
});

describe('error wording by domain, over real gRPC', () => {
  it('tells a caller of a busy mandate that the mandate is busy, not a bill', async () => {
    const customerId = newCustomer('busy');
    const { mandate } = await mandates.createMandate({
      customerId, idempotencyKey: '', description: 'Gym membership', amount: '25.00', currency: 'USD', frequency: Frequency.MONTHLY,
      firstCollectionDate: '2031-01-31', timeZone: 'Europe/Berlin', collectionTime: '09:30', autoExecution: true, reminderDaysBefore: 0,
    });
    const key = { customerId, mandateId: mandate?.id ?? '' };
    const hanging = new AbortController();
    const pending: Array<Promise<unknown>> = [];
    try {
      // One Update at a time, each given a moment to be admitted; the first one refused is the answer.
      let refused: Awaited<ReturnType<typeof failureOf>> | undefined;
      for (let sent = 0; sent < 20 && refused === undefined; sent += 1) {
        const call = failureOf(mandates.updateMandate({ ...key, description: `change ${sent}` }, { signal: hanging.signal }));
        call.catch(() => undefined);
        pending.push(call);
        refused = await Promise.race([call, sleep(300).then(() => undefined)]);
      }
      expect(refused?.code).toBe(Code.ResourceExhausted);
      expect(refused?.rawMessage).toBe('too many concurrent changes to this mandate; retry shortly');
      expect(pending.length).toBeGreaterThan(1);
    } finally {
      hanging.abort();
      await temporal.workflow.getHandle(mandateWorkflowId(key.mandateId)).terminate('test over').catch(() => undefined);
      await Promise.allSettled(pending);
    }
  });
});
