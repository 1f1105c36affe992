// Records the workflow histories the replay test checks every later version of the workflow code
// against, into a new version folder:
//   pnpm --filter @billing/worker record-histories <version>      e.g. v4
// Run it when a change alters the commands a bill emits (and ships behind patched(): see
// docs/workflow-versioning.md), and commit the new folder. It never overwrites a history: a
// recorded history is what a running bill really did, and replaying it is the point.
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addLineItemSignal, addLineItemsUpdate, addLineItemUpdate, closeBillUpdate } from '@billing/bills';
import { addDays, formatLocalDate, localDateAt } from '@billing/calendar';
import { approveCollectionUpdate, mandateQuery, pauseUpdate } from '@billing/mandates';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowHandle } from '@temporalio/client';
import { openBillV2, startBill } from './support/bills.ts';
import { recordingBillPosting, scriptOutcomes, startMandate } from './support/mandates.ts';
import { startBillTestStack } from './support/stack.ts';

const version = process.argv[2];
if (!version || !/^v\d+$/.test(version)) {
  console.error('usage: record-histories <version>   (v1, v2, … : a folder under test/histories)');
  process.exit(2);
}
const folder = join(import.meta.dirname, 'histories', version);
if (existsSync(folder) && (await readdir(folder)).some((file) => file.endsWith('.json'))) {
  console.error(`${folder} already holds histories; recorded histories are never re-recorded, pick a new version`);
  process.exit(1);
}
await mkdir(folder, { recursive: true });

const stack = await startBillTestStack({ billPosting: recordingBillPosting() });
const item = (key: string, amount: string) => ({ idempotencyKey: key, description: `fee ${key}`, amount });

async function save(name: string, handle: WorkflowHandle, runId?: string): Promise<void> {
  const history = await stack.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
  // `wx`: fails if the file exists, whatever happened to the check above.
  await writeFile(join(folder, `${name}.json`), `${historyToJSON(history)}\n`, { flag: 'wx' });
  console.log(`recorded ${version}/${name} (${history.events?.length ?? 0} events)`);
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

  // An item the database refuses for good (its exchange rate row does not exist): the store
  // activity fails without retrying and the update is refused; the bill goes on.
  const refused = await startBill(stack.client, stack.taskQueue);
  await refused.handle.executeUpdate(addLineItemUpdate, {
    args: [{
      idempotencyKey: 'eur', description: 'EU support', amount: '3.00', currency: 'EUR',
      exchangeRate: { rate: '1.1', source: 'test', asOf: '2026-11-01T00:00:00.000Z', rateId: 'rate_does_not_exist' },
    }],
  }).then(() => { throw new Error('the item with an unknown exchange rate was stored'); }, () => undefined);
  await refused.handle.executeUpdate(addLineItemUpdate, { args: [item('eur', '3.00')] });
  await refused.handle.executeUpdate(closeBillUpdate);
  await refused.handle.result();
  await save('refused-item', refused.handle);

  // billWorkflowContinuingEarly (test bundle) is billWorkflow continuing as new after 3 items.
  const large = await startBill(stack.client, stack.taskQueue, {}, 'billWorkflowContinuingEarly');
  await Promise.all(['c1', 'c2', 'c3', 'c4'].map((key) => large.handle.executeUpdate(addLineItemUpdate, { args: [item(key, '1.00')] })));
  await large.handle.executeUpdate(addLineItemUpdate, { args: [item('c5', '1.00')] });
  await save('continue-as-new', large.handle, large.handle.firstExecutionRunId);
  await large.handle.executeUpdate(closeBillUpdate);
  await large.handle.result();
  await save('continued-run', large.handle);

  // billWorkflowV2 and billWorkflowV3, opened as bill-service opens them: search attributes with
  // the start, then the row.
  for (const [prefix, workflowType, continuingEarly] of [
    ['v2', 'billWorkflowV2', 'billWorkflowV2ContinuingEarly'], ['v3', 'billWorkflowV3', 'billWorkflowV3ContinuingEarly'],
  ] as const) {
    const opened = await openBillV2(stack, {}, { workflowType });
    await Promise.all([
      opened.handle.executeUpdate(addLineItemsUpdate, { args: [[item('v1', '1.10'), item('v2', '2.20')]] }),
      opened.handle.executeUpdate(addLineItemUpdate, { args: [item('v3', '3.30')] }),
    ]);
    await opened.handle.executeUpdate(addLineItemUpdate, { args: [item('v1', '1.10')] });
    await opened.handle.executeUpdate(closeBillUpdate);
    await opened.handle.result();
    await save(`${prefix}-lifecycle`, opened.handle);

    // Its starter stopped before writing the row, and left out the search attributes: set in the
    // first task, the row written at close.
    const rowless = await openBillV2(stack, {}, { workflowType, writeRow: false, searchAttributes: false });
    await rowless.handle.executeUpdate(closeBillUpdate);
    await rowless.handle.result();
    await save(`${prefix}-row-at-close`, rowless.handle);

    const continuing = await openBillV2(stack, {}, { workflowType: continuingEarly });
    await Promise.all(['w1', 'w2', 'w3', 'w4'].map((key) => continuing.handle.executeUpdate(addLineItemUpdate, { args: [item(key, '1.00')] })));
    await save(`${prefix}-continue-as-new`, continuing.handle, continuing.handle.firstExecutionRunId);
    await continuing.handle.executeUpdate(closeBillUpdate);
    await continuing.handle.result();
    await save(`${prefix}-continued-run`, continuing.handle);
  }

  // Mandates mid-life. They run for years, so their histories are taken while they are still running.
  const today = localDateAt(new Date(), 'UTC');
  const waitFor = async (what: string, check: () => Promise<boolean>) => {
    for (let attempt = 0; !(await check()); attempt += 1) {
      if (attempt > 100) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  // Due at 00:00 today, so already past: collected at once, then the run continues as new.
  const collecting = await startMandate(stack.client, stack.taskQueue, { firstCollectionDate: formatLocalDate(today) });
  await waitFor('the first collection', async () => (await collecting.handle.describe()).runId !== collecting.handle.firstExecutionRunId);
  await save('mandate-continue-as-new', collecting.handle, collecting.handle.firstExecutionRunId);
  await waitFor('the next run', async () => (await collecting.handle.query(mandateQuery)).collectionsCompleted === 1);
  await save('mandate-after-continue-as-new', collecting.handle);

  const paused = await startMandate(stack.client, stack.taskQueue, { firstCollectionDate: formatLocalDate(addDays(today, 1)) });
  await paused.handle.executeUpdate(pauseUpdate, { args: [{ resumeOn: formatLocalDate(addDays(today, 40)) }] });
  await save('mandate-paused', paused.handle);

  const dunningCustomer = `cust-dunning-${Date.now()}`;
  await scriptOutcomes(stack.db, dunningCustomer, 'DECLINE');
  const declined = await startMandate(stack.client, stack.taskQueue, { customerId: dunningCustomer, firstCollectionDate: formatLocalDate(today) });
  await waitFor('the decline', async () => (await declined.handle.query(mandateQuery)).lastCollection?.attempts === 1);
  await save('mandate-in-dunning', declined.handle);

  const manual = await startMandate(stack.client, stack.taskQueue, {
    autoExecution: false, reminderDaysBefore: 0, firstCollectionDate: formatLocalDate(today),
  });
  await waitFor('the approval request', async () => (await manual.handle.query(mandateQuery)).lastCollection?.status === 'AWAITING_APPROVAL');
  await save('mandate-awaiting-approval', manual.handle);

  // A control sent again with its Update id after the run that applied it continued as new (a
  // retry whose first answer was lost): answered with the mandate, not applied again. The pause
  // skips the cycle awaiting approval, so the run continues as new; the approval collects it.
  const nextRun = (mandate: Awaited<ReturnType<typeof startMandate>>) =>
    waitFor('the next run', async () => (await mandate.handle.describe()).runId !== mandate.handle.firstExecutionRunId);
  const repeatedPause = await startMandate(stack.client, stack.taskQueue, {
    autoExecution: false, reminderDaysBefore: 0, firstCollectionDate: formatLocalDate(today),
  });
  await waitFor('the approval request', async () => (await repeatedPause.handle.query(mandateQuery)).lastCollection?.status === 'AWAITING_APPROVAL');
  await repeatedPause.handle.executeUpdate(pauseUpdate, { args: [{ resumeOn: null }], updateId: 'ctl-pause' });
  await nextRun(repeatedPause);
  await repeatedPause.handle.executeUpdate(pauseUpdate, { args: [{ resumeOn: null }], updateId: 'ctl-pause' });
  await save('mandate-control-applied', repeatedPause.handle, repeatedPause.handle.firstExecutionRunId);
  await save('mandate-control-repeated', repeatedPause.handle);

  const repeatedApproval = await startMandate(stack.client, stack.taskQueue, {
    autoExecution: false, reminderDaysBefore: 0, firstCollectionDate: formatLocalDate(today),
  });
  await waitFor('the approval request', async () => (await repeatedApproval.handle.query(mandateQuery)).lastCollection?.status === 'AWAITING_APPROVAL');
  await repeatedApproval.handle.executeUpdate(approveCollectionUpdate, { args: [{ cycle: 1 }], updateId: 'ctl-approve' });
  await nextRun(repeatedApproval);
  await repeatedApproval.handle.executeUpdate(approveCollectionUpdate, { args: [{ cycle: 1 }], updateId: 'ctl-approve' });
  await save('mandate-approval-repeated', repeatedApproval.handle);
  await Promise.all([collecting, paused, declined, manual, repeatedPause, repeatedApproval].map(({ handle }) => handle.terminate('recorded')));
} finally {
  await stack.stop();
}
