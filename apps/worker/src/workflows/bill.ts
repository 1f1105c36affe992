// One workflow per bill (customer + period): it accepts line items while OPEN, closes when asked
// or when its period ends in the bill's time zone (plus a grace period), numbers the invoice and
// finishes CLOSED, or FAILED with the reason when invoicing fails for good. Every change to the
// commands it emits ships behind a patch (docs/workflow-versioning.md).
import {
  addLineItemSignal, addLineItemsUpdate, addLineItemUpdate, BILL_FAILURE_TYPES, billSearchAttributes, billSummaryQuery,
  closeBillUpdate, lineItemId, lineItemView, openingSearchAttributes, statusSearchAttributes, totalsSearchAttributes, validateLineItem,
} from '@billing/bills';
import type {
  AddLineItemResult, BillSummary, BillWorkflowInput, LineItemCheckOptions, LineItemInput, PricedLineItem,
} from '@billing/bills';
import {
  ActivityFailure, allHandlersFinished, ApplicationFailure, condition, continueAsNew, log, patched as askPatch, proxyActivities, proxyLocalActivities,
  setHandler, sleep, upsertSearchAttributes, uuid4, workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { BillActivities } from '../bills/bill-activities.ts';
import type { BillTotals } from '../bills/bill-repository.ts';
import { BILL_ACTIVITIES } from '../deadlines.ts';
import { BillState } from './bill-state.ts';
import type { PendingItem } from './bill-state.ts';
import { toNewItem } from './bill-views.ts';
import { currentTraceOrigin, inTraceOf } from './trace-origin.ts';

/** Well under Temporal's 2,000 updates per run, and keeps the carried key list small per run. */
export const DEFAULT_CONTINUE_AS_NEW_AFTER_ITEMS = 1_000;
/** Items written by one activity call; bounds its payload. */
const MAX_BATCH = 500;

/**
 * Changes to the commands a bill emits. Each is decided once, at the start of a run, so a run
 * that began on older code keeps that code's behaviour to its end; the next run takes the new one.
 */
export const BILL_PATCHES = {
  /** `BillPeriodNum` at start; `BillItemCount` and `BillTotalMinor` after every stored batch (see `totalsAttributesEachMinute`). */
  searchAttributeTotals: 'bill-search-attribute-totals',
  /** The continue-as-new threshold comes from the worker's code, no longer from the run's input. */
  continueAsNewThresholdInCode: 'bill-continue-as-new-threshold-in-code',
  /**
   * Closing posts the bill's INVOICE to the ledger (`postInvoice`) between numbering it and
   * marking it CLOSED. Unlike the others it is decided when the bill closes, not when the run
   * starts: a bill that was already open when it shipped must post its invoice too.
   */
  invoiceInLedger: 'bill-invoice-in-ledger',
  /**
   * A line item's id is derived from the bill id and the item's idempotency key (`lineItemId`),
   * no longer drawn with `uuid4()` from the run's seeded random numbers, which anything else in
   * the workflow (a tracing span) also draws from. Runs that started before keep their random ids.
   */
  lineItemIdsFromKeys: 'bill-line-item-ids-from-keys',
  /**
   * Item text meets the platform's free-text rule (no control characters but tab and line feed,
   * no unpaired surrogates, in descriptions and metadata values alike) in the handlers too, not
   * only in the validators, which never run on replay. A run recorded before it keeps judging
   * text by the previous rule, so its signals and updates decide on replay as they did.
   */
  freeTextRule: 'bill-free-text-rule',
  /**
   * Closing runs as one activity (`closeBill`: the row if missing, CLOSING, the number, the
   * INVOICE, the documents and CLOSED), no longer as up to five, each a workflow task and an
   * activity task more. Decided when the bill closes, like `invoiceInLedger`, and asked in history
   * by every workflow type: `billWorkflowV2` began before it.
   */
  closeInOneActivity: 'bill-close-in-one-activity',
  /**
   * Accepted items are written by a local activity, run by the worker inside the workflow task
   * that brought them, no longer by an activity: an add costs one workflow task instead of two and
   * no activity task. Asked at each write, so a bill already open when it shipped moves to it.
   */
  itemsInLocalActivity: 'bill-items-in-local-activity',
  /**
   * `BillItemCount` and `BillTotalMinor` are set at a stored batch only once the settings'
   * interval (a minute) has passed since they were last set, and with the status when the bill
   * starts closing or continues as new, no longer after every stored batch: each setting is a
   * write to Temporal's visibility store, which cost the server about as much CPU as the rest of an
   * item's add. Asked where a batch's totals would be set, so a bill open at the deploy moves to it.
   */
  totalsAttributesEachMinute: 'bill-totals-attributes-each-minute',
} as const;

// Deadlines and retries: src/deadlines.ts. Items are written by a local activity (docs/bills.md,
// "The write is a local activity"), everything else by activities.
const store = proxyActivities<BillActivities>(BILL_ACTIVITIES.store);
const invoicing = proxyActivities<BillActivities>(BILL_ACTIVITIES.invoicing);
const storeLocally = proxyLocalActivities<BillActivities>(BILL_ACTIVITIES.storeLocally);

/** What the worker decides for every bill it runs (tests run the same workflow with other settings). */
export interface BillWorkflowSettings {
  /** Continue as new after this many accepted items in one run, besides Temporal's suggestion. */
  continueAsNewAfterItems: number;
  /** Least workflow time between two settings of the totals search attributes while the bill is open. */
  totalsRefreshMs: number;
}

/**
 * What separates the bill's workflow types. `billWorkflow` asks each patch and opens the bill
 * itself. `billWorkflowV2` and `billWorkflowV3` take the patches older than themselves as applied
 * without asking (asking records a marker and a search attribute, each a write to Temporal's
 * visibility store, in every bill's history), and their starter writes the bill's row and opening
 * search attributes before the first task, so that task only arms the closing timer.
 */
export interface BillGeneration {
  patched(patchId: string): boolean;
  /** The row and the opening search attributes come from the starter, not from the first task. */
  openedByStarter: boolean;
}

const ASKS_EACH_PATCH: BillGeneration = { patched: askPatch, openedByStarter: false };
/**
 * `billWorkflowV2`'s generation (exported for the test wrappers that run it with other settings).
 * It takes as applied only the patches that came before it; later ones are asked (`askPatch`).
 */
const PATCHES_BEFORE_V2: ReadonlySet<string> = new Set([
  BILL_PATCHES.searchAttributeTotals, BILL_PATCHES.continueAsNewThresholdInCode, BILL_PATCHES.invoiceInLedger,
  BILL_PATCHES.lineItemIdsFromKeys, BILL_PATCHES.freeTextRule,
]);
export const BILL_WORKFLOW_V2: BillGeneration = {
  patched: (patchId) => PATCHES_BEFORE_V2.has(patchId) || askPatch(patchId), openedByStarter: true,
};

/**
 * `billWorkflowV3`'s generation: `billWorkflowV2` that also takes as applied the patches of its
 * own time (an item write, a close and the totals' refresh each asked one in every V2 bill).
 */
const PATCHES_BEFORE_V3: ReadonlySet<string> = new Set([
  ...PATCHES_BEFORE_V2, BILL_PATCHES.closeInOneActivity, BILL_PATCHES.itemsInLocalActivity, BILL_PATCHES.totalsAttributesEachMinute,
]);
export const BILL_WORKFLOW_V3: BillGeneration = {
  patched: (patchId) => PATCHES_BEFORE_V3.has(patchId) || askPatch(patchId), openedByStarter: true,
};

/**
 * Least workflow time between two settings of an open bill's item count and total attributes; the
 * items of the last interval (or more, if none came after them) wait for the next setting or the
 * close (docs/bills.md, "Search attributes").
 */
export const DEFAULT_TOTALS_REFRESH_MS = 60_000;

export const BILL_WORKFLOW_SETTINGS: BillWorkflowSettings = {
  continueAsNewAfterItems: DEFAULT_CONTINUE_AS_NEW_AFTER_ITEMS, totalsRefreshMs: DEFAULT_TOTALS_REFRESH_MS,
};

/** Bills started before `billWorkflowV2`; their runs, and the runs they continue as new, stay this type. */
export async function billWorkflow(input: BillWorkflowInput): Promise<BillSummary> {
  return runBill(input, BILL_WORKFLOW_SETTINGS);
}

/** Bills bill-service opened before `billWorkflowV3`; their runs, and the runs they continue as new, stay this type. */
export async function billWorkflowV2(input: BillWorkflowInput): Promise<BillSummary> {
  return runBill(input, BILL_WORKFLOW_SETTINGS, BILL_WORKFLOW_V2);
}

/** Every bill bill-service opens now (see `BillGeneration`). */
export async function billWorkflowV3(input: BillWorkflowInput): Promise<BillSummary> {
  return runBill(input, BILL_WORKFLOW_SETTINGS, BILL_WORKFLOW_V3);
}

/** Runs started before the threshold left the input kept the one they were started with. */
interface RetiredInputFields {
  continueAsNewAfterItems?: number;
}

export async function runBill(
  input: BillWorkflowInput, settings: BillWorkflowSettings, generation: BillGeneration = ASKS_EACH_PATCH,
): Promise<BillSummary> {
  const { patched, openedByStarter } = generation;
  const setsTotals = patched(BILL_PATCHES.searchAttributeTotals);
  const continueAsNewAfter = patched(BILL_PATCHES.continueAsNewThresholdInCode)
    ? settings.continueAsNewAfterItems
    : (input as BillWorkflowInput & RetiredInputFields).continueAsNewAfterItems ?? settings.continueAsNewAfterItems;
  const idsFromKeys = patched(BILL_PATCHES.lineItemIdsFromKeys);
  const textRule = { previousTextRule: !patched(BILL_PATCHES.freeTextRule) };
  const bill = new BillState(input);
  const newItemId = (item: PricedLineItem) => idsFromKeys
    ? lineItemId(input.billId, item.idempotencyKey)
    : `li_${uuid4().replaceAll('-', '')}`;

  // --- the work: storing accepted items, opening and closing the bill ------------------------

  /** When this run last set the totals search attributes (at its start they were set: opened or carried). */
  let totalsShownAt = Date.now();
  /** Totals stored since then and not yet shown, under `totalsAttributesEachMinute`. */
  let totalsNotShown: BillTotals | undefined;

  /** Sets the totals search attributes for a stored batch, or keeps them for later within the interval. */
  function showTotals(totals: BillTotals): void {
    if (Date.now() - totalsShownAt < settings.totalsRefreshMs && patched(BILL_PATCHES.totalsAttributesEachMinute)) {
      totalsNotShown = totals;
      return;
    }
    upsertSearchAttributes(totalsSearchAttributes(totals));
    totalsShownAt = Date.now();
    totalsNotShown = undefined;
  }

  /** `pairs`, plus the totals not shown yet: in the same upsert, so it costs no extra command. */
  function withTotalsNotShown(pairs: SearchAttributePair[]): SearchAttributePair[] {
    const totals = totalsNotShown;
    totalsNotShown = undefined;
    return totals ? [...pairs, ...totalsSearchAttributes(totals)] : pairs;
  }

  /** Writes one batch in one activity call and answers its callers. */
  async function storeBatch(batch: PendingItem[]): Promise<void> {
    const at = new Date().toISOString();
    const items = batch.map(({ item }) => toNewItem(item, newItemId(item), at));
    let result;
    try {
      const storing = patched(BILL_PATCHES.itemsInLocalActivity) ? storeLocally : store;
      result = await inTraceOf(batch[0]?.origin, () => storing.persistLineItems({ billId: input.billId, items, at }));
    } catch (error) {
      const refusal = permanentRefusal(error);
      // Anything else is a defect: failing the workflow task keeps the items queued for a fixed worker.
      if (!refusal) throw new Error('storing line items failed unexpectedly', { cause: error });
      log.warn('the database refused line items for good', { billId: input.billId, count: batch.length, type: refusal.type });
      // One refused item must not take the items of other callers down with it.
      if (batch.length > 1 && refusal.type === BILL_FAILURE_TYPES.invalidArgument) {
        for (const one of batch) await storeBatch([one]);
        return;
      }
      bill.batchRefused(batch, ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true }));
      return;
    }
    bill.batchStored(batch, result);
    if (setsTotals && result.insertedKeys.length > 0) showTotals(result.totals);
  }

  /** Drains the queue: every item accepted so far is stored and its caller answered. */
  async function storeAcceptedItems(): Promise<void> {
    while (bill.hasPendingItems()) await storeBatch(bill.takeBatch(MAX_BATCH));
  }

  const openedRow = () => ({
    billId: input.billId, customerId: input.customerId, billingPeriod: input.billingPeriod,
    currency: input.currency, timeZone: input.timeZone, periodStart: bill.periodStart, periodEnd: bill.periodEnd,
    workflowId: workflowInfo().workflowId, createdAt: input.createdAt,
  });

  /** Writes the bill's row unless it is there (bill-service may have written it first). */
  async function recordOpened(): Promise<void> {
    await store.recordBillOpened(openedRow());
  }

  async function open(): Promise<void> {
    const opening = openingSearchAttributes(input);
    upsertSearchAttributes(setsTotals ? opening : opening.filter(({ key }) => !ADDED_WITH_TOTALS.has(key.name)));
    await recordOpened();
  }

  /**
   * A starter that writes the row and attributes normally has; attributes it did not give are set
   * here. The row is written at close at the latest (see close()), since its starter may have
   * stopped between starting the workflow and writing the row.
   */
  function openedByItsStarter(): void {
    const opening = openingSearchAttributes(input);
    if (!hasSearchAttributes(opening)) upsertSearchAttributes(opening);
  }

  /** The close as bills ran it before `closeInOneActivity`: one activity per step. */
  async function closeStepByStep(closedAt: string): Promise<void> {
    await invoicing.recordBillClosing({ billId: input.billId, at: closedAt });
    bill.numbered(await invoicing.assignInvoiceNumber({ billId: input.billId, closedAt }));
    // Before CLOSED: whoever sees the bill closed (a wallet payment of what it owes) finds its invoice booked.
    if (patched(BILL_PATCHES.invoiceInLedger)) await invoicing.postInvoice({ billId: input.billId });
    bill.closed(await invoicing.finalizeBill({ billId: input.billId, closedAt }), closedAt);
  }

  async function close(): Promise<void> {
    const closedAt = new Date().toISOString();
    const inOneActivity = generation.patched(BILL_PATCHES.closeInOneActivity);
    // Closing writes to the row: a bill whose starter never wrote it gets it now, as it would have at its start.
    if (openedByStarter && !inOneActivity) await recordOpened();
    bill.startClosing();
    upsertSearchAttributes(withTotalsNotShown(statusSearchAttributes('CLOSING')));
    try {
      if (inOneActivity) {
        const closed = await invoicing.closeBill({ billId: input.billId, closedAt, ...(openedByStarter ? { opened: openedRow() } : {}) });
        bill.numbered(closed.invoiceNumber);
        bill.closed(closed.totals, closedAt);
      } else {
        await closeStepByStep(closedAt);
      }
    } catch (error) {
      const reason = failureReason(error);
      log.error('bill could not be closed', { billId: input.billId, reason });
      const at = new Date().toISOString();
      const failed = await store.recordBillFailed({ billId: input.billId, reason, at });
      // A close in one activity that failed after numbering the invoice never answered the number.
      if (inOneActivity && failed?.invoiceNumber) bill.numbered(failed.invoiceNumber);
      bill.failed(reason, at);
    }
    upsertSearchAttributes(statusSearchAttributes(bill.status));
  }

  // --- messages: thin handlers over the bill's state ----------------------------------------

  async function addItem(item: PricedLineItem): Promise<AddLineItemResult> {
    const key = item.idempotencyKey;
    if (bill.hasSeen(key)) {
      // Idempotent early return: the key was seen, so the item already stored (or being stored) is the answer.
      const earlier = bill.storedItem(key) ?? (await bill.itemBeingStored(key))?.stored
        ?? await store.findLineItem({ billId: input.billId, idempotencyKey: key });
      if (!earlier) {
        throw ApplicationFailure.nonRetryable(`line item ${key} is missing from the read model`, BILL_FAILURE_TYPES.internal);
      }
      return { bill: bill.summary(), item: lineItemView(earlier, input.currency), duplicate: true };
    }
    // A key this history had not seen is this Update's own item, even when PostgreSQL already had
    // it: an earlier attempt of the same write, whose workflow task was lost, inserted it.
    const { stored } = await bill.accept(item, currentTraceOrigin());
    return { bill: bill.summary(), item: lineItemView(stored, input.currency), duplicate: false };
  }

  /** Validators' checks: both refuse before anything reaches history. */
  function refuseUnlessOpen(): void {
    if (!bill.acceptsItems()) {
      throw ApplicationFailure.create({
        type: BILL_FAILURE_TYPES.failedPrecondition, nonRetryable: true,
        message: `bill ${input.billId} is ${bill.visibleStatus()} and accepts no line items`,
      });
    }
  }
  // Validators judge by the current rule (they never run on replay); handlers by the run's.
  function refuseInvalid(item: LineItemInput, fieldPrefix = '', options: LineItemCheckOptions = {}): PricedLineItem {
    const result = validateLineItem(item, input.currency, options);
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

  setHandler(billSummaryQuery, () => bill.summary());

  setHandler(addLineItemUpdate, (item: LineItemInput) => addItem(refuseInvalid(item, '', textRule)), {
    validator: (item: LineItemInput) => {
      refuseUnlessOpen();
      refuseInvalid(item);
    },
  });

  setHandler(addLineItemsUpdate, (items: LineItemInput[]) => Promise.all(items.map((item) => addItem(refuseInvalid(item, '', textRule)))), {
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
    const result = validateLineItem(item, input.currency, textRule);
    if (!result.ok) {
      log.warn('dropped an invalid line item signal', { billId: input.billId, problems: result.problems });
    } else if (!bill.acceptsItems()) {
      log.warn('dropped a line item signal that arrived after the bill stopped accepting items',
        { billId: input.billId, status: bill.status, idempotencyKey: result.item.idempotencyKey });
    } else if (bill.hasSeen(result.item.idempotencyKey)) {
      log.info('ignored a repeated line item signal', { billId: input.billId, idempotencyKey: result.item.idempotencyKey });
    } else {
      bill.accept(result.item, currentTraceOrigin()).catch((error: unknown) => {
        log.error('a signalled line item could not be stored', { billId: input.billId, error: String(error) });
      });
    }
  });

  setHandler(closeBillUpdate, async () => {
    bill.requestClose();
    await condition(() => bill.isFinished());
    return bill.summary();
  });

  // --- the bill's life -------------------------------------------------------------------------

  // Handlers are registered before the first await, so messages that arrive with the start are
  // not refused; items they add wait in the queue until the bill row exists.
  if (input.carried) {
    // Opened by the run that began the bill.
  } else if (openedByStarter) {
    openedByItsStarter();
  } else {
    await open();
  }

  const msUntilClose = bill.closeAt() - Date.now();
  if (msUntilClose > 0) void sleep(msUntilClose).then(() => bill.periodIsOver());
  else bill.periodIsOver();
  const continueAsNewIsDue = () => workflowInfo().continueAsNewSuggested || bill.acceptedThisRun >= continueAsNewAfter;

  // Wait for work; store what was accepted; when it is time to continue as new, do so once every
  // handler has answered (items that arrive meanwhile are stored first, a close wins).
  while (!bill.closeIsDue()) {
    await condition(() => bill.hasPendingItems() || bill.closeIsDue() || continueAsNewIsDue());
    await storeAcceptedItems();
    if (continueAsNewIsDue() && !bill.closeIsDue()) {
      await condition(() => allHandlersFinished() || bill.hasPendingItems() || bill.closeIsDue());
      if (allHandlersFinished() && !bill.hasPendingItems() && !bill.closeIsDue()) {
        // The next run starts with the attributes this one ends with.
        if (totalsNotShown) upsertSearchAttributes(withTotalsNotShown([]));
        return continueAsNew<typeof billWorkflow>({ ...input, carried: bill.carry() });
      }
    }
  }
  // Every item accepted before the close was due is stored before the bill closes.
  await storeAcceptedItems();
  await close();
  await condition(allHandlersFinished);
  return bill.summary();
}

/** Search attributes a run without the totals patch did not set. */
const ADDED_WITH_TOTALS = new Set([
  billSearchAttributes.periodNumber.name, billSearchAttributes.itemCount.name, billSearchAttributes.totalMinor.name,
]);

/** True when the run started with every one of these search attributes at these values. */
function hasSearchAttributes(pairs: readonly SearchAttributePair[]): boolean {
  const present = workflowInfo().typedSearchAttributes;
  return pairs.every(({ key, value }) => present.get(key) === value);
}

/** The type and caller-safe message of a write the activity classified as refused for good. */
function permanentRefusal(error: unknown): { type: string; message: string } | undefined {
  // An activity's failure arrives wrapped in an ActivityFailure, a local activity's as it was thrown.
  const failure = error instanceof ActivityFailure ? error.cause : error;
  if (!(failure instanceof ApplicationFailure) || !failure.nonRetryable) return undefined;
  return { type: failure.type ?? BILL_FAILURE_TYPES.internal, message: failure.message };
}

function failureReason(error: unknown): string {
  let cause: unknown = error;
  // An ActivityFailure wraps what the activity threw; that inner message is the useful reason.
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}
