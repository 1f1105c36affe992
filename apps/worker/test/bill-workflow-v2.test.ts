// billWorkflowV2 and billWorkflowV3 (the bill workflow bill-service starts now), against a real
// Temporal dev server and a real PostgreSQL: their starter writes the row and the opening search
// attributes, so the first task only arms the closing timer; everything after that is the bill as
// billWorkflow runs it. V3 also never asks a patch of its own time.
import { addLineItemsUpdate, addLineItemUpdate, billSearchAttributes, billSummaryQuery, closeBillUpdate } from '@billing/bills';
import type { LineItemInput } from '@billing/bills';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBillV2 } from './support/bills.ts';
import { startBillTestStack, type BillTestStack } from './support/stack.ts';

let stack: BillTestStack;

beforeAll(async () => {
  stack = await startBillTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

const item = (key: string, amount = '1.00'): LineItemInput => ({ idempotencyKey: key, description: `fee ${key}`, amount });
const billRow = (billId: string) => stack.db('bills').where({ id: billId }).first() as Promise<Record<string, unknown> | undefined>;

const markers = async (handle: WorkflowHandle) =>
  ((await handle.fetchHistory()).events ?? []).filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch');

describe.each([
  { workflowType: 'billWorkflowV2', continuingEarly: 'billWorkflowV2ContinuingEarly' },
  { workflowType: 'billWorkflowV3', continuingEarly: 'billWorkflowV3ContinuingEarly' },
] as const)('$workflowType', ({ workflowType, continuingEarly }) => {
  const openBill = (overrides = {}, options: Parameters<typeof openBillV2>[2] = {}) => openBillV2(stack, overrides, { workflowType, ...options });

  it('opened by its starter, its first task writes nothing: no activity, patch marker or search attribute, only the closing timer', async () => {
    const { handle } = await openBill();
    // A query is answered once the first task has run.
    expect((await handle.query(billSummaryQuery)).status).toBe('OPEN');
    const events = (await handle.fetchHistory()).events ?? [];
    // Started, the first task scheduled, started and completed, and what it did: the timer.
    expect(events).toHaveLength(5);
    expect(events[0]?.workflowExecutionStartedEventAttributes).toBeTruthy();
    expect(events[3]?.workflowTaskCompletedEventAttributes).toBeTruthy();
    expect(events[4]?.timerStartedEventAttributes).toBeTruthy();
  });

  it('stores items, keeps its search attributes and closes with its invoice as billWorkflow does', async () => {
    const { input, handle } = await openBill();
    await handle.executeUpdate(addLineItemsUpdate, { args: [[item('a', '10.00'), item('b', '2.50')]] });
    const repeated = await handle.executeUpdate(addLineItemUpdate, { args: [item('a', '10.00')] });
    expect(repeated.duplicate).toBe(true);
    const closed = await handle.executeUpdate(closeBillUpdate);
    expect(closed).toMatchObject({ status: 'CLOSED', itemCount: 2, total: { amount: '12.50' } });
    expect(closed.invoiceNumber).toMatch(/^INV-/);
    expect(await billRow(input.billId)).toMatchObject({ status: 'CLOSED', item_count: 2, invoice_number: closed.invoiceNumber });
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(billSearchAttributes.customerId)).toBe(input.customerId);
    expect(attributes.get(billSearchAttributes.status)).toBe('CLOSED');
    expect(attributes.get(billSearchAttributes.itemCount)).toBe(2);
    expect(attributes.get(billSearchAttributes.totalMinor)).toBe(1250);
  });

  it('a bill whose starter stopped before writing its row gets the row when it closes, and closes with its invoice', async () => {
    const { input, handle } = await openBill({}, { writeRow: false });
    expect((await handle.query(billSummaryQuery)).status).toBe('OPEN');
    expect(await billRow(input.billId)).toBeUndefined();
    const closed = await handle.executeUpdate(closeBillUpdate);
    expect(closed.status).toBe('CLOSED');
    expect(await billRow(input.billId)).toMatchObject({
      status: 'CLOSED', customer_id: input.customerId, billing_period: input.billingPeriod, invoice_number: closed.invoiceNumber,
    });
    const created = await stack.db('events').where({ customer_id: input.customerId, type: 'bill.created' });
    expect(created).toHaveLength(1);
  });

  it('started without its opening search attributes, sets them in its first task', async () => {
    const { input, handle } = await openBill({}, { searchAttributes: false });
    await handle.query(billSummaryQuery);
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(billSearchAttributes.customerId)).toBe(input.customerId);
    expect(attributes.get(billSearchAttributes.status)).toBe('OPEN');
    expect(attributes.get(billSearchAttributes.itemCount)).toBe(0);
  });

  it('continues as new as its type and keeps every item once', async () => {
    const { input, handle } = await openBill({}, { workflowType: continuingEarly });
    for (let index = 0; index < 7; index += 1) await handle.executeUpdate(addLineItemUpdate, { args: [item(`k${index}`)] });
    const closed = await handle.executeUpdate(closeBillUpdate);
    expect(closed).toMatchObject({ status: 'CLOSED', itemCount: 7, total: { amount: '7.00' } });
    const description = await handle.describe();
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
    expect(description.type).toBe(continuingEarly);
    expect(await stack.db('line_items').where({ bill_id: input.billId })).toHaveLength(7);
  });
});

describe('billWorkflowV3 against billWorkflowV2', () => {
  it('records no patch marker in a bill\'s whole life, where V2 records one for its first write, one for its totals and one for its close', async () => {
    for (const [workflowType, expected] of [['billWorkflowV2', 3], ['billWorkflowV3', 0]] as const) {
      const { handle } = await openBillV2(stack, {}, { workflowType });
      await handle.executeUpdate(addLineItemUpdate, { args: [item('a')] });
      await handle.executeUpdate(addLineItemUpdate, { args: [item('b')] });
      await handle.executeUpdate(closeBillUpdate);
      expect(await markers(handle), workflowType).toHaveLength(expected);
    }
  });
});
