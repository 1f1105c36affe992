// A control retried with its Idempotency-Key after its first attempt was applied and its answer
// lost (bill-service or the gateway died after the Update completed): the retry reaches
// bill-service again with the same key, as these calls do, and must be answered with the mandate
// (or the collection), applied once, never refused as "already paused" or "not awaiting
// approval". On the suite's real worker running the real mandate workflow, in the same run and
// after the run has continued as new.
import { Code } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILL_TASK_QUEUE } from '@billing/bills';
import { CollectionStatus, Frequency, MandateStatus } from '@billing/contracts';
import { mandateQuery, mandateWorkflowId } from '@billing/mandates';
import { newCustomer } from './support/bill-service.ts';
import { failureOf } from './support/failure.ts';
import { startTestMandateService, type TestMandateService } from './support/mandate-service.ts';

let service: TestMandateService;
beforeAll(async () => {
  service = await startTestMandateService(undefined, { taskQueue: BILL_TASK_QUEUE });
});
afterAll(async () => {
  await service?.close();
});

const today = () => new Date().toISOString().slice(0, 10);

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A daily mandate; a manual one due now waits for approval of cycle 1, and a control that ends
 * that cycle (a pause skips it, an approval collects it) makes the run continue as new.
 */
async function newMandate(autoExecution: boolean, firstCollectionDate: string) {
  const customerId = newCustomer('control-keys');
  const { mandate } = await service.mandates.createMandate({
    customerId, idempotencyKey: '', description: 'Daily plan', amount: '2.00', currency: 'USD', frequency: Frequency.DAILY,
    firstCollectionDate, timeZone: 'UTC', collectionTime: '00:00', autoExecution, reminderDaysBefore: 0,
  });
  const mandateId = mandate?.id ?? '';
  const handle = service.temporal.workflow.getHandle(mandateWorkflowId(mandateId));
  const revision = async () => (await handle.query(mandateQuery)).revision;
  const runId = async () => (await handle.describe()).runId;
  return { key: { customerId, mandateId }, handle, revision, runId };
}

async function awaitingApproval() {
  const mandate = await newMandate(false, today());
  await until('cycle 1 to await approval', async () => (await mandate.handle.query(mandateQuery)).lastCollection?.status === 'AWAITING_APPROVAL');
  return mandate;
}

describe('a control sent again with its key', () => {
  it('is answered with the mandate in the same run, applied once; another key or none is still refused', async () => {
    const { key, handle, revision } = await newMandate(true, new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10));
    const first = await service.mandates.pauseMandate({ ...key, idempotencyKey: 'pause-1' });
    expect(first.mandate?.status).toBe(MandateStatus.PAUSED);
    const applied = await revision();

    const again = await service.mandates.pauseMandate({ ...key, idempotencyKey: 'pause-1' });
    expect(again.mandate).toMatchObject({ id: key.mandateId, status: MandateStatus.PAUSED });
    expect(await revision()).toBe(applied);

    for (const idempotencyKey of ['pause-2', '']) {
      const refused = await failureOf(service.mandates.pauseMandate({ ...key, idempotencyKey }));
      expect(refused.code).toBe(Code.FailedPrecondition);
      expect(refused.rawMessage).toBe(`mandate ${key.mandateId} is already paused`);
    }
    await handle.terminate('test over');
  });

  it('is answered with the mandate after the run it was applied in has continued as new', async () => {
    const { key, handle, revision, runId } = await awaitingApproval();
    const before = await runId();
    // The pause skips the cycle awaiting approval; a cycle ended, so the run continues as new.
    const first = await service.mandates.pauseMandate({ ...key, idempotencyKey: 'pause-at-boundary' });
    expect(first.mandate).toMatchObject({ status: MandateStatus.PAUSED, lastCollection: { cycle: 1, status: CollectionStatus.SKIPPED } });
    await until('the next run', async () => (await runId()) !== before);
    const applied = await revision();

    const again = await service.mandates.pauseMandate({ ...key, idempotencyKey: 'pause-at-boundary' });
    expect(again.mandate).toMatchObject({ id: key.mandateId, status: MandateStatus.PAUSED, lastCollection: { cycle: 1, status: CollectionStatus.SKIPPED } });
    expect(await revision()).toBe(applied);
    expect((await failureOf(service.mandates.pauseMandate({ ...key, idempotencyKey: 'another-pause' }))).code).toBe(Code.FailedPrecondition);

    // A resume with its own key is a new control, and a repeat of it is answered the same way.
    const resumed = await service.mandates.resumeMandate({ ...key, idempotencyKey: 'resume-1' });
    expect(resumed.mandate?.status).toBe(MandateStatus.ACTIVE);
    expect((await service.mandates.resumeMandate({ ...key, idempotencyKey: 'resume-1' })).mandate?.status).toBe(MandateStatus.ACTIVE);
    expect(await revision()).toBe(applied + 1);
    await handle.terminate('test over');
  });

  it('answers an approval applied in the previous run with its collection, charged once', async () => {
    const { key, handle, runId } = await awaitingApproval();
    const before = await runId();
    const first = await service.mandates.approveCollection({ ...key, cycle: 1, idempotencyKey: 'approve-1' });
    expect(first.collection?.cycle).toBe(1);
    await until('the next run', async () => (await runId()) !== before);

    const again = await service.mandates.approveCollection({ ...key, cycle: 1, idempotencyKey: 'approve-1' });
    expect(again.collection).toMatchObject({ cycle: 1, status: CollectionStatus.SUCCEEDED, attempts: 1 });
    const refused = await failureOf(service.mandates.approveCollection({ ...key, cycle: 1, idempotencyKey: 'approve-2' }));
    expect(refused.code).toBe(Code.FailedPrecondition);
    const charged = await service.db('simulated_charge_attempts').where({ idempotency_key: `mandate:${key.mandateId}:1` }).count<{ count: string }[]>({ count: '*' });
    expect(Number(charged[0]?.count)).toBe(1);
    await handle.terminate('test over');
  });

  it('changes terms once when sent again after the run has continued as new', async () => {
    const { key, handle, revision, runId } = await awaitingApproval();
    const before = await runId();
    await service.mandates.updateMandate({ ...key, description: 'Daily plan, renamed', idempotencyKey: 'rename-1' });
    await service.mandates.pauseMandate({ ...key, idempotencyKey: 'pause-to-continue' });
    await until('the next run', async () => (await runId()) !== before);
    const applied = await revision();

    const again = await service.mandates.updateMandate({ ...key, description: 'Daily plan, renamed', idempotencyKey: 'rename-1' });
    expect(again.mandate).toMatchObject({ description: 'Daily plan, renamed', status: MandateStatus.PAUSED });
    expect(await revision()).toBe(applied);
    // The same key with another change is another control.
    const other = await service.mandates.updateMandate({ ...key, description: 'Daily plan, renamed twice', idempotencyKey: 'rename-1' });
    expect(other.mandate?.description).toBe('Daily plan, renamed twice');
    expect(await revision()).toBe(applied + 1);
    await handle.terminate('test over');
  });
});
