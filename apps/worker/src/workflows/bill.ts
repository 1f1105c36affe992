// One workflow per bill (customer + period): it accepts line items while OPEN, closes when asked
// or when its period ends in the bill's time zone (plus a grace period), numbers the invoice and
// finishes CLOSED, or FAILED with the reason when invoicing fails for good.
import {
  addLineItemSignal, addLineItemsUpdate, addLineItemUpdate, BILL_FAILURE_TYPES, billSearchAttributes, billSummaryQuery, closeBillUpdate,
  validateLineItem,
} from '@billing/bills';
import type { AddLineItemResult, BillStatus, BillSummary, BillWorkflowInput, LineItemInput, PricedLineItem } from '@billing/bills';
import {
  allHandlersFinished, ApplicationFailure, condition, continueAsNew, log, proxyActivities, setHandler, sleep,
  upsertSearchAttributes, uuid4, workflowInfo,
} from '@temporalio/workflow';
import type { BillActivities } from '../activities.ts';
import type { StoredLineItem } from '../bill-repository.ts';
import { BillState, toLineItemView, toNewItem } from './bill-state.ts';

/** Well under Temporal's 2,000 updates per run, and keeps the carried key list small per run. */
export const DEFAULT_CONTINUE_AS_NEW_AFTER_ITEMS = 1_000;
/** Items written by one activity call; bounds its payload. */
const MAX_BATCH = 500;

// An accepted item must never be lost: writes retry until PostgreSQL takes them. (Local
// activities would answer an update in one workflow task instead of two, but with concurrent
// updates SDK 1.24 lost update messages around them in our tests: see docs/bills.md.)
const store = proxyActivities<BillActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '30s' },
});
// Invoicing gives up after an hour of failures and leaves the bill FAILED with the reason.
const invoicing = proxyActivities<BillActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

interface PendingItem {
  item: PricedLineItem;
  resolve(result: { stored: StoredLineItem; inserted: boolean }): void;
  reject(error: unknown): void;
}

export async function billWorkflow(input: BillWorkflowInput): Promise<BillSummary> {
  const bill = new BillState(input);
  const pending: PendingItem[] = [];
  const inFlight = new Map<string, Promise<{ stored: StoredLineItem; inserted: boolean }>>();
  const storedThisRun = new Map<string, StoredLineItem>();
  const continueAsNewAfter = input.continueAsNewAfterItems ?? DEFAULT_CONTINUE_AS_NEW_AFTER_ITEMS;
  let acceptedThisRun = 0;
  let closeRequested = false;
  let closeDue = false;

  const setStatus = (status: BillStatus) => {
    bill.status = status;
    if (input.searchAttributes !== false) upsertSearchAttributes([{ key: billSearchAttributes.status, value: status }]);
  };

  const acceptsItems = () => bill.status === 'OPEN' && !closeRequested && !closeDue;

  function enqueue(item: PricedLineItem): Promise<{ stored: StoredLineItem; inserted: boolean }> {
    bill.itemKeys.add(item.idempotencyKey);
    acceptedThisRun += 1;
    const stored = new Promise<{ stored: StoredLineItem; inserted: boolean }>((resolve, reject) => {
      pending.push({ item, resolve, reject });
    });
    inFlight.set(item.idempotencyKey, stored);
    return stored;
  }

  async function addItem(item: PricedLineItem): Promise<AddLineItemResult> {
    const key = item.idempotencyKey;
    if (bill.itemKeys.has(key)) {
      // Idempotent early return: the key was seen, so the item already stored (or being stored) is the answer.
      const earlier = storedThisRun.get(key) ?? (await inFlight.get(key))?.stored
        ?? await store.findLineItem({ billId: input.billId, idempotencyKey: key });
      if (!earlier) throw ApplicationFailure.nonRetryable(`line item ${key} is missing from the read model`, 'Internal');
      return { bill: bill.summary(), item: toLineItemView(earlier, input.currency), duplicate: true };
    }
    const { stored, inserted } = await enqueue(item);
    // Not inserted: PostgreSQL already had the key from a write whose workflow task was lost.
    return { bill: bill.summary(), item: toLineItemView(stored, input.currency), duplicate: !inserted };
  }

  /** Writes up to MAX_BATCH waiting items in one activity call, then answers their callers. */
  async function flush(): Promise<void> {
    const batch = pending.splice(0, MAX_BATCH);
    const at = new Date().toISOString();
    const items = batch.map(({ item }) => toNewItem(item, `li_${uuid4().replaceAll('-', '')}`, at));
    let result;
    try {
      result = await store.persistLineItems({ billId: input.billId, items, at });
    } catch (error) {
      log.error('line items could not be stored', { billId: input.billId, count: batch.length, error: String(error) });
      for (const { item, reject } of batch) {
        bill.itemKeys.delete(item.idempotencyKey);
        inFlight.delete(item.idempotencyKey);
        reject(ApplicationFailure.create({ type: 'Unavailable', message: 'the line item could not be stored', nonRetryable: true }));
      }
      return;
    }
    bill.adopt(result.totals);
    const inserted = new Set(result.insertedKeys);
    batch.forEach(({ item, resolve }, index) => {
      const stored = result.items[index] as StoredLineItem;
      storedThisRun.set(item.idempotencyKey, stored);
      inFlight.delete(item.idempotencyKey);
      resolve({ stored, inserted: inserted.has(item.idempotencyKey) });
    });
  }

  async function close(): Promise<void> {
    const closedAt = new Date().toISOString();
    setStatus('CLOSING');
    try {
      await invoicing.recordBillClosing({ billId: input.billId, at: closedAt });
      bill.invoiceNumber = await invoicing.assignInvoiceNumber({ billId: input.billId, closedAt });
      bill.adopt(await invoicing.finalizeBill({ billId: input.billId, closedAt }));
      bill.closedAt = closedAt;
      setStatus('CLOSED');
    } catch (error) {
      const reason = failureReason(error);
      log.error('bill could not be closed', { billId: input.billId, reason });
      bill.failureReason = reason;
      bill.updatedAt = new Date().toISOString();
      await store.recordBillFailed({ billId: input.billId, reason, at: bill.updatedAt });
      setStatus('FAILED');
    }
  }

  setHandler(billSummaryQuery, () => bill.summary());

  /** Validators' checks: both refuse before anything reaches history. */
  function refuseUnlessOpen(): void {
    if (!acceptsItems()) {
      throw ApplicationFailure.create({
        type: BILL_FAILURE_TYPES.failedPrecondition, nonRetryable: true,
        message: `bill ${input.billId} is ${closeRequested || closeDue ? 'CLOSING' : bill.status} and accepts no line items`,
      });
    }
  }
  function refuseInvalid(item: LineItemInput, fieldPrefix = ''): PricedLineItem {
    const result = validateLineItem(item, input.currency);
    if (!result.ok) {
      const problems = result.problems.map((problem) => ({ ...problem, field: `${fieldPrefix}${problem.field}` }));
      throw ApplicationFailure.create({
        type: BILL_FAILURE_TYPES.invalidArgument, nonRetryable: true,
        message: problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '),
        details: [problems],
      });
    }
    return result.item;
  }

  setHandler(addLineItemUpdate, (item: LineItemInput) => addItem(refuseInvalid(item)), {
    validator: (item: LineItemInput) => {
      refuseUnlessOpen();
      refuseInvalid(item);
    },
  });

  setHandler(addLineItemsUpdate, (items: LineItemInput[]) => Promise.all(items.map((item) => addItem(refuseInvalid(item)))), {
    validator: (items: LineItemInput[]) => {
      refuseUnlessOpen();
      if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH) {
        throw ApplicationFailure.create({
          type: BILL_FAILURE_TYPES.invalidArgument, nonRetryable: true,
          message: `items: must hold 1 to ${MAX_BATCH} line items`,
        });
      }
      items.forEach((item, index) => refuseInvalid(item, `items[${index}].`));
    },
  });

  // Fire-and-forget producers: the same item, no answer. Invalid or late items are logged and
  // dropped (the sender gets no reply to refuse); an accepted one is stored like an update's.
  setHandler(addLineItemSignal, (item: LineItemInput) => {
    const result = validateLineItem(item, input.currency);
    if (!result.ok) {
      log.warn('dropped an invalid line item signal', { billId: input.billId, problems: result.problems });
    } else if (!acceptsItems()) {
      log.warn('dropped a line item signal that arrived after the bill stopped accepting items',
        { billId: input.billId, status: bill.status, idempotencyKey: result.item.idempotencyKey });
    } else if (bill.itemKeys.has(result.item.idempotencyKey)) {
      log.info('ignored a repeated line item signal', { billId: input.billId, idempotencyKey: result.item.idempotencyKey });
    } else {
      enqueue(result.item).catch((error: unknown) => {
        log.error('a signalled line item could not be stored', { billId: input.billId, error: String(error) });
      });
    }
  });

  setHandler(closeBillUpdate, async () => {
    closeRequested = true;
    await condition(() => bill.status === 'CLOSED' || bill.status === 'FAILED');
    return bill.summary();
  });

  // Handlers are registered before the first await, so messages that arrive with the start are
  // not refused; items they add wait in `pending` until the bill row exists.
  if (!input.carried) {
    if (input.searchAttributes !== false) {
      upsertSearchAttributes([
        { key: billSearchAttributes.customerId, value: input.customerId },
        { key: billSearchAttributes.billingPeriod, value: input.billingPeriod },
        { key: billSearchAttributes.currency, value: input.currency },
        { key: billSearchAttributes.status, value: 'OPEN' },
      ]);
    }
    await store.recordBillOpened({
      billId: input.billId, customerId: input.customerId, billingPeriod: input.billingPeriod,
      currency: input.currency, timeZone: input.timeZone, periodStart: bill.periodStart, periodEnd: bill.periodEnd,
      workflowId: workflowInfo().workflowId, createdAt: input.createdAt,
    });
  }

  const msUntilClose = bill.closeAt() - Date.now();
  if (msUntilClose > 0) {
    void sleep(msUntilClose).then(() => {
      closeDue = true;
    });
  } else {
    closeDue = true;
  }
  const continueAsNewDue = () => workflowInfo().continueAsNewSuggested || acceptedThisRun >= continueAsNewAfter;

  while (bill.status === 'OPEN') {
    await condition(() => pending.length > 0 || closeRequested || closeDue || continueAsNewDue());
    if (pending.length > 0) {
      await flush();
    } else if (closeRequested || closeDue) {
      await close();
    } else {
      // Continue as new only once every accepted item is stored and every handler has answered.
      while (pending.length > 0 || !allHandlersFinished()) {
        await condition(() => pending.length > 0 || allHandlersFinished() || closeRequested || closeDue);
        if (pending.length > 0) await flush();
        else if (closeRequested || closeDue) break;
      }
      if (closeRequested || closeDue) continue;
      await continueAsNew<typeof billWorkflow>({ ...input, carried: bill.carry() });
    }
  }
  await condition(allHandlersFinished);
  return bill.summary();
}

function failureReason(error: unknown): string {
  let cause: unknown = error;
  // An ActivityFailure wraps what the activity threw; that inner message is the useful reason.
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}
