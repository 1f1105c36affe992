// Starting mandates the way bill-service does (same input, same workflow id), and a bill-posting
// port that records what would have gone to bill-service, for tests that run no bill-service.
import { randomUUID } from 'node:crypto';
import { BILL_TASK_QUEUE } from '@billing/bills';
import { formatLocalDate, localDateAt, parseLocalDate, parseLocalTime } from '@billing/calendar';
import { collectionMoment, dueDate, mandateWorkflowId, type Frequency, type MandateWorkflowInput } from '@billing/mandates';
import type { Db } from '@billing/db';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { BillPostingPort, CollectionPosting } from '../../src/mandates/bill-posting.ts';
import type { mandateWorkflow } from '../../src/workflows/mandate.ts';

export function mandateInput(overrides: Partial<MandateWorkflowInput> = {}): MandateWorkflowInput {
  const unique = randomUUID().slice(0, 8);
  return {
    mandateId: `mnd_${unique}`, customerId: `cust-${unique}`, description: 'Gym membership', amount: '10.00', currency: 'USD',
    frequency: 'MONTHLY', firstCollectionDate: formatLocalDate(localDateAt(new Date(), 'UTC')), endDate: null, timeZone: 'UTC',
    collectionTime: '00:00', autoExecution: true, reminderDaysBefore: 0, createdAt: new Date().toISOString(), ...overrides,
  };
}

export async function startMandate(client: Client, taskQueue = BILL_TASK_QUEUE, overrides: Partial<MandateWorkflowInput> = {})
  : Promise<{ input: MandateWorkflowInput; handle: WorkflowHandleWithFirstExecutionRunId<typeof mandateWorkflow> }> {
  const input = mandateInput(overrides);
  const handle = await client.workflow.start<typeof mandateWorkflow>('mandateWorkflow', {
    workflowId: mandateWorkflowId(input.mandateId), taskQueue, args: [input],
  });
  return { input, handle };
}

/** The instant cycle `n` of a schedule anchored on `anchor` is due (no frequency change in between). */
export function momentOf(input: MandateWorkflowInput, n: number, frequency: Frequency = input.frequency): number {
  const anchor = parseLocalDate(input.firstCollectionDate);
  const time = parseLocalTime(input.collectionTime);
  if (!anchor || !time) throw new Error('bad test input');
  return collectionMoment(dueDate(anchor, frequency, n), time, input.timeZone).getTime();
}

/** Records every post; the item key decides, as on a real bill, so a repeated post adds nothing. */
export function recordingBillPosting(): BillPostingPort & { items: Map<string, CollectionPosting> } {
  const items = new Map<string, CollectionPosting>();
  return {
    items,
    post(collection) {
      if (!items.has(collection.idempotencyKey)) items.set(collection.idempotencyKey, collection);
      return Promise.resolve({ billId: `bill_${collection.customerId}_${collection.dueDate.slice(0, 7)}`, billingPeriod: collection.dueDate.slice(0, 7) });
    },
  };
}

export async function scriptOutcomes(db: Db, customerId: string, ...outcomes: Array<'SUCCEED' | 'DECLINE' | 'TRANSIENT_FAILURE'>): Promise<void> {
  await db('simulator_script').insert(outcomes.map((outcome) => ({ customer_id: customerId, outcome, reason: outcome === 'DECLINE' ? 'insufficient funds' : null })));
}

/** CHARGED attempts per key: money actually taken. */
export async function chargedByKey(db: Db, prefix: string): Promise<Map<string, number>> {
  const rows = await db('simulated_charge_attempts').where('outcome', 'CHARGED').andWhere('idempotency_key', 'like', `${prefix}%`)
    .groupBy('idempotency_key').select('idempotency_key').count('* as n') as Array<{ idempotency_key: string; n: string }>;
  return new Map(rows.map((row) => [row.idempotency_key, Number(row.n)]));
}
