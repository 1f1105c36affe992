// Line item ids against a real Temporal dev server and PostgreSQL: derived from the bill and the
// item's idempotency key, so neither a replay nor another draw from the workflow's random numbers
// changes them (docs/bills.md).
import { randomUUID } from 'node:crypto';
import { addLineItemsUpdate, addLineItemUpdate, lineItemId } from '@billing/bills';
import type { LineItemInput } from '@billing/bills';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBillWorker } from '../src/worker.ts';
import { startBill } from './support/bills.ts';
import { startBillTestStack, workflowBundle } from './support/stack.ts';
import type { BillTestStack } from './support/stack.ts';
import { drawRandomNumberQuery } from './workflows/index.ts';

let stack: BillTestStack;

beforeAll(async () => {
  stack = await startBillTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

const item = (key: string, amount = '1.00'): LineItemInput => ({ idempotencyKey: key, description: `fee ${key}`, amount });

async function storedIds(billId: string): Promise<Record<string, string>> {
  const rows = await stack.db('line_items').where({ bill_id: billId }).select('idempotency_key', 'id') as Array<{ idempotency_key: string; id: string }>;
  return Object.fromEntries(rows.map((row) => [row.idempotency_key, row.id]));
}

describe('line item ids', () => {
  it('derives each item id from the bill and its idempotency key: one per key, the same when the key comes again', async () => {
    const { input, handle } = await startBill(stack.client, stack.taskQueue);
    const first = await handle.executeUpdate(addLineItemUpdate, { args: [item('a')] });
    const batch = await handle.executeUpdate(addLineItemsUpdate, { args: [[item('b'), item('c'), item('a')]] });
    const again = await handle.executeUpdate(addLineItemUpdate, { args: [item('b')] });

    const expected = Object.fromEntries(['a', 'b', 'c'].map((key) => [key, lineItemId(input.billId, key)]));
    expect(first.item.id).toBe(expected.a);
    expect(batch.map((result) => result.item.id)).toEqual([expected.b, expected.c, expected.a]);
    expect(again).toMatchObject({ duplicate: true, item: { id: expected.b } });
    expect(new Set(Object.values(expected)).size).toBe(3);
    expect(await storedIds(input.billId)).toEqual(expected);
    // Another bill with the same keys gets ids of its own.
    const other = await startBill(stack.client, stack.taskQueue);
    const otherA = await other.handle.executeUpdate(addLineItemUpdate, { args: [item('a')] });
    expect(otherA.item.id).toBe(lineItemId(other.input.billId, 'a'));
    expect(otherA.item.id).not.toBe(expected.a);
    await Promise.all([handle.terminate('done'), other.handle.terminate('done')]);
  });

  it('hands out the same ids after a worker restart, whatever the first execution drew from its random numbers', async () => {
    const connection = await NativeConnection.connect({ address: stack.temporalAddress });
    const taskQueue = `bills-restart-${randomUUID()}`;
    const code = await workflowBundle();
    const startWorker = async () => {
      const worker = await createBillWorker({
        connection, namespace: stack.client.options.namespace, db: stack.db, taskQueue, workflowBundle: code, ledger: stack.ledger.posting,
      });
      const running = worker.run();
      return async () => {
        worker.shutdown();
        await running;
      };
    };
    let stopWorker = await startWorker();
    try {
      const { input, handle } = await startBill(stack.client, taskQueue, {}, 'billWorkflowDrawingRandomNumbers');
      const a = await handle.executeUpdate(addLineItemUpdate, { args: [item('a')] });
      // Draws the cached execution makes and its replay will not.
      for (let draw = 0; draw < 3; draw += 1) await handle.query(drawRandomNumberQuery);
      const b = await handle.executeUpdate(addLineItemUpdate, { args: [item('b')] });

      // A new worker has nothing cached: it replays the bill's history before taking the next items.
      await stopWorker();
      stopWorker = await startWorker();
      const later = await handle.executeUpdate(addLineItemsUpdate, { args: [['c', 'd', 'e', 'f', 'b'].map((key) => item(key))] });
      const ids = [a.item.id, b.item.id, ...later.map((result) => result.item.id)];

      const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'b'];
      expect(ids).toEqual(keys.map((key) => lineItemId(input.billId, key)));
      expect(later.at(-1)).toMatchObject({ duplicate: true, item: { id: b.item.id } });
      const stored = await storedIds(input.billId);
      expect(Object.keys(stored).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(new Set(Object.values(stored)).size).toBe(6);
      expect(stored).toEqual(Object.fromEntries(keys.map((key) => [key, lineItemId(input.billId, key)])));
      await handle.terminate('done');
    } finally {
      await stopWorker();
      await connection.close();
    }
  });
});
