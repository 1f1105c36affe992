// The bill as the workflow holds it: status, totals and the idempotency keys seen (all of which
// are carried into the next run at continue-as-new), plus this run's queue of accepted items
// waiting to be stored. Item details live in PostgreSQL. Pure and deterministic: the workflow
// does the I/O and supplies every timestamp; this class only changes through its methods.
import { periodBounds } from '@billing/bills';
import type { BillStatus, BillSummary, BillWorkflowInput, CarriedBillState, PricedLineItem } from '@billing/bills';
import type { BillTotals, InsertedLineItems, StoredLineItem } from '../bills/bill-repository.ts';
import { toBillSummary } from './bill-views.ts';
import type { TraceOrigin } from './trace-origin.ts';

/** An accepted item once stored (by this write, or by an earlier attempt of it whose workflow task was lost). */
export interface StoredOutcome {
  stored: StoredLineItem;
}

/** An accepted item waiting for the next write, with its caller's answer. */
export interface PendingItem {
  readonly item: PricedLineItem;
  /** The trace of the message that brought it, which its write continues. */
  readonly origin?: TraceOrigin;
  resolve(outcome: StoredOutcome): void;
  reject(error: unknown): void;
}

export class BillState {
  readonly #input: BillWorkflowInput;
  #status: BillStatus;
  readonly #periodStart: string;
  readonly #periodEnd: string;
  /** Idempotency keys of every item accepted, across all runs. */
  readonly #itemKeys: Set<string>;
  #totals: BillTotals;
  #invoiceNumber: string | null = null;
  #failureReason: string | null = null;
  #closedAt: string | null = null;
  #closeRequested = false;
  #periodOver = false;
  readonly #pending: PendingItem[] = [];
  readonly #inFlight = new Map<string, Promise<StoredOutcome>>();
  readonly #storedThisRun = new Map<string, StoredLineItem>();
  #acceptedThisRun = 0;

  constructor(input: BillWorkflowInput) {
    this.#input = input;
    const carried = input.carried;
    if (carried) {
      this.#status = carried.status;
      this.#periodStart = carried.periodStart;
      this.#periodEnd = carried.periodEnd;
      this.#itemKeys = new Set(carried.itemKeys);
      this.#totals = {
        itemCount: carried.itemCount, totalMinor: carried.totalMinor,
        subtotalsMinor: { ...carried.subtotalsMinor }, updatedAt: carried.updatedAt,
      };
    } else {
      const bounds = periodBounds(input.billingPeriod, input.timeZone);
      this.#status = 'OPEN';
      this.#periodStart = bounds.start.toISOString();
      this.#periodEnd = bounds.end.toISOString();
      this.#itemKeys = new Set();
      this.#totals = { itemCount: 0, totalMinor: '0', subtotalsMinor: {}, updatedAt: input.createdAt };
    }
  }

  get status(): BillStatus {
    return this.#status;
  }

  get periodStart(): string {
    return this.#periodStart;
  }

  get periodEnd(): string {
    return this.#periodEnd;
  }

  get totals(): BillTotals {
    return this.#totals;
  }

  /** Items accepted by this run: the count that decides when it continues as new. */
  get acceptedThisRun(): number {
    return this.#acceptedThisRun;
  }

  /** When the bill closes by itself: the end of its period plus the configured grace. */
  closeAt(): number {
    return new Date(this.#periodEnd).getTime() + this.#input.closeGraceMs;
  }

  // --- closing ---------------------------------------------------------------------------------

  requestClose(): void {
    this.#closeRequested = true;
  }

  periodIsOver(): void {
    this.#periodOver = true;
  }

  /** OPEN, but asked to close or past its close time: takes no more items, closes next. */
  closeIsDue(): boolean {
    return this.#status === 'OPEN' && (this.#closeRequested || this.#periodOver);
  }

  isFinished(): boolean {
    return this.#status === 'CLOSED' || this.#status === 'FAILED';
  }

  /** The status a refused item is told about: a bill that is due to close already counts as CLOSING. */
  visibleStatus(): BillStatus {
    return this.closeIsDue() ? 'CLOSING' : this.#status;
  }

  startClosing(): void {
    this.#status = 'CLOSING';
  }

  numbered(invoiceNumber: string): void {
    this.#invoiceNumber = invoiceNumber;
  }

  closed(totals: BillTotals, closedAt: string): void {
    this.#totals = totals;
    this.#closedAt = closedAt;
    this.#status = 'CLOSED';
  }

  failed(reason: string, at: string): void {
    this.#failureReason = reason;
    this.#totals = { ...this.#totals, updatedAt: at };
    this.#status = 'FAILED';
  }

  // --- items -----------------------------------------------------------------------------------

  acceptsItems(): boolean {
    return this.#status === 'OPEN' && !this.closeIsDue();
  }

  hasSeen(idempotencyKey: string): boolean {
    return this.#itemKeys.has(idempotencyKey);
  }

  /** Queues an accepted item for the next write; resolves once it is stored. */
  accept(item: PricedLineItem, origin?: TraceOrigin): Promise<StoredOutcome> {
    this.#itemKeys.add(item.idempotencyKey);
    this.#acceptedThisRun += 1;
    const stored = new Promise<StoredOutcome>((resolve, reject) => {
      this.#pending.push({ item, origin, resolve, reject });
    });
    this.#inFlight.set(item.idempotencyKey, stored);
    return stored;
  }

  /** The item this run stored under a key, if it did. */
  storedItem(idempotencyKey: string): StoredLineItem | undefined {
    return this.#storedThisRun.get(idempotencyKey);
  }

  /** The write of an item this run accepted and has not stored yet (an earlier run's items are only in PostgreSQL). */
  itemBeingStored(idempotencyKey: string): Promise<StoredOutcome> | undefined {
    return this.#inFlight.get(idempotencyKey);
  }

  hasPendingItems(): boolean {
    return this.#pending.length > 0;
  }

  /** Takes up to `max` waiting items, oldest first, for one write. */
  takeBatch(max: number): PendingItem[] {
    return this.#pending.splice(0, max);
  }

  /** Takes on the totals PostgreSQL committed with the batch (they are the truth) and answers its callers. */
  batchStored(batch: readonly PendingItem[], result: InsertedLineItems): void {
    this.#totals = result.totals;
    batch.forEach(({ item, resolve }, index) => {
      const stored = result.items[index] as StoredLineItem;
      this.#storedThisRun.set(item.idempotencyKey, stored);
      this.#inFlight.delete(item.idempotencyKey);
      resolve({ stored });
    });
  }

  /** The store refused the batch for good: its keys are free again and its callers get `failure`. */
  batchRefused(batch: readonly PendingItem[], failure: unknown): void {
    for (const { item, reject } of batch) {
      this.#itemKeys.delete(item.idempotencyKey);
      this.#inFlight.delete(item.idempotencyKey);
      reject(failure);
    }
  }

  // --- views -----------------------------------------------------------------------------------

  summary(): BillSummary {
    return toBillSummary(this.#input, {
      status: this.#status, periodStart: this.#periodStart, periodEnd: this.#periodEnd, totals: this.#totals,
      invoiceNumber: this.#invoiceNumber, failureReason: this.#failureReason, closedAt: this.#closedAt,
    });
  }

  carry(): CarriedBillState {
    return {
      status: this.#status,
      periodStart: this.#periodStart,
      periodEnd: this.#periodEnd,
      itemKeys: [...this.#itemKeys],
      itemCount: this.#totals.itemCount,
      totalMinor: this.#totals.totalMinor,
      subtotalsMinor: this.#totals.subtotalsMinor,
      updatedAt: this.#totals.updatedAt,
    };
  }
}
