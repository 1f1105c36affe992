// Re-records the workflow histories the replay test checks new workflow code against:
//   pnpm --filter @billing/worker record-histories
// Run it (and commit the result) only when a change to the workflow is meant to be incompatible
// with running bills, which then needs a versioning plan (patched()) instead.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addLineItemSignal, addLineItemsUpdate, addLineItemUpdate, closeBillUpdate } from '@billing/bills';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowHandle } from '@temporalio/client';
import { startBill } from './support/bills.ts';
import { startBillTestStack } from './support/stack.ts';

const folder = join(import.meta.dirname, 'histories');
const stack = await startBillTestStack();
const item = (key: string, amount: string) => ({ idempotencyKey: key, description: `fee ${key}`, amount });

async function save(name: string, handle: WorkflowHandle, runId?: string): Promise<void> {
  const history = await stack.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
  await writeFile(join(folder, `${name}.json`), `${historyToJSON(history)}\n`);
  console.log(`recorded ${name} (${history.events?.length ?? 0} events)`);
}

try {
  const lifecycle = await startBill(stack.client, stack.taskQueue);
  await lifecycle.handle.executeUpdate(addLineItemUpdate, { args: [item('a', '10.00')] });
  await lifecycle.handle.executeUpdate(addLineItemUpdate, { args: [{ idempotencyKey: 'b', description: 'seats', quantity: '3', unitPrice: '1.005' }] });
  await lifecycle.handle.executeUpdate(addLineItemUpdate, { args: [item('a', '10.00')] });
  await lifecycle.handle.executeUpdate(closeBillUpdate);
  await lifecycle.handle.result();
  await save('lifecycle', lifecycle.handle);

  // The path bill-service takes: concurrent adds coalesced into addLineItems batches.
  const batched = await startBill(stack.client, stack.taskQueue);
  await Promise.all([
    batched.handle.executeUpdate(addLineItemsUpdate, { args: [[item('b1', '1.10'), item('b2', '2.20'), item('b1', '1.10')]] }),
    batched.handle.executeUpdate(addLineItemsUpdate, { args: [[item('b3', '3.30')]] }),
  ]);
  await batched.handle.executeUpdate(closeBillUpdate);
  await batched.handle.result();
  await save('batched-items', batched.handle);

  const signalled = await startBill(stack.client, stack.taskQueue);
  await signalled.handle.signal(addLineItemSignal, item('s', '4.00'));
  await signalled.handle.signal(addLineItemSignal, { idempotencyKey: 'bad', description: '', amount: '1' });
  await signalled.handle.executeUpdate(closeBillUpdate);
  await signalled.handle.result();
  await save('signal-item', signalled.handle);

  const large = await startBill(stack.client, stack.taskQueue, {}, 'billWorkflowContinuingEarly');
  await Promise.all(['c1', 'c2', 'c3', 'c4'].map((key) => large.handle.executeUpdate(addLineItemUpdate, { args: [item(key, '1.00')] })));
  await large.handle.executeUpdate(addLineItemUpdate, { args: [item('c5', '1.00')] });
  await save('continue-as-new', large.handle, large.handle.firstExecutionRunId);
  await large.handle.executeUpdate(closeBillUpdate);
  await large.handle.result();
  await save('continued-run', large.handle);
} finally {
  await stack.stop();
}
