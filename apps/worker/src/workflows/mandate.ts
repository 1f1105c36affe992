// One workflow per mandate, for its whole life (years): it waits for the next due moment on one
// updatable timer, collects, and continues as new after every cycle. Controls are Updates that
// change the state, write it to the read model and answer with the mandate; they wake the wait
// only so it can ask what is next, so a control never starts a collection. Every change to the
// commands it emits ships behind a patch (docs/workflow-versioning.md, docs/mandates.md).
import {
  approveCollectionUpdate, cancelUpdate, changeTermsUpdate, checkTermsChange, collectionKey, MANDATE_FAILURE_TYPES,
  mandateQuery, mandateSearchAttributePairs, pauseUpdate, resumeUpdate,
} from '@billing/mandates';
import type {
  ApproveRequest, CollectionView, MandateView, MandateWorkflowInput, PauseRequest, TermsChange, TermsCheckOptions,
} from '@billing/mandates';
import { parseLocalDate } from '@billing/calendar';
import {
  allHandlersFinished, ApplicationFailure, condition, continueAsNew, currentUpdateInfo, log, patched, proxyActivities, setHandler,
  upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { MANDATE_ACTIVITIES } from '../deadlines.ts';
import type { MandateActivities } from '../mandates/mandate-activities.ts';
import { AppliedControls } from './applied-controls.ts';
import type { MandateSettings, MandateStep } from './mandate-plan.ts';
import { MandateState } from './mandate-state.ts';

/**
 * Changes to the commands a mandate emits (the first recorded version is the baseline). See
 * docs/mandates.md for how one ships.
 */
export const MANDATE_PATCHES = {
  /**
   * A successful collection, once on its bill, is booked in the ledger as a PAYMENT
   * (`recordCollectionPayment`). Decided at the collection, not at the start of the run: a run
   * waits a whole cycle for its due moment, and the collection it makes after this shipped must
   * be booked too.
   */
  collectionPaymentInLedger: 'mandate-collection-payment-in-ledger',
  /**
   * A changed description meets the platform's free-text rule in the change's handler too, not
   * only in its validator, which never runs on replay. Decided at the start of a run: a run
   * recorded before it keeps the previous rule (trimmed, length only), so it replays as it ran.
   */
  freeTextRule: 'mandate-free-text-rule',
  /**
   * A control whose Update id this mandate applied lately (carried across continue-as-new, see
   * applied-controls.ts) is answered with the mandate as it is now (an approval: with its
   * collection), never validated or applied again. Decided at the start of the run: a run that
   * started without it may have applied controls it did not remember.
   */
  controlsAppliedOnce: 'mandate-controls-applied-once',
} as const;

/** Well under Temporal's 2,000 Updates per run, for a mandate that gets controls and no cycles. */
const CONTINUE_AS_NEW_AFTER_CONTROLS = 500;

// Deadlines and retries: src/deadlines.ts.
const store = proxyActivities<MandateActivities>(MANDATE_ACTIVITIES.store);
const payments = proxyActivities<MandateActivities>(MANDATE_ACTIVITIES.payments);
const billing = proxyActivities<MandateActivities>(MANDATE_ACTIVITIES.billing);

function refuse(type: string, message: string, details?: unknown[]): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details });
}

export async function mandateWorkflow(input: MandateWorkflowInput): Promise<MandateView> {
  const mandate = new MandateState(input);
  const textRule = { previousTextRule: !patched(MANDATE_PATCHES.freeTextRule) };
  const { workflowId } = workflowInfo();
  // Asked before any handler is set: a control that came with this run's start is validated at once.
  const appliesOnce = patched(MANDATE_PATCHES.controlsAppliedOnce);
  const applied = new AppliedControls(input.carried?.appliedControls);
  /** Grows with every control: the main loop's wait ends when it moves, to ask again what is next. */
  let controls = 0;
  let published = '';

  function publishSearchAttributes(): void {
    const next = mandate.plannedCollection();
    const key = `${mandate.status}|${next?.toISOString() ?? ''}`;
    if (key === published) return;
    published = key;
    upsertSearchAttributes(mandateSearchAttributePairs(input.customerId, mandate.status, next));
  }

  /** Writes what changed to the read model; returns the view written (the state right after the change). */
  async function persist(): Promise<MandateView> {
    const changes = mandate.takeChanges();
    publishSearchAttributes();
    await store.recordMandate({ ...changes, workflowId });
    return changes.view;
  }

  // --- controls -------------------------------------------------------------------------------------

  function refuseUnlessLive(): void {
    if (mandate.isOver()) refuse(MANDATE_FAILURE_TYPES.failedPrecondition, `mandate ${input.mandateId} is ${mandate.status}`);
  }

  // Validators judge by the current rule (they never run on replay); the handler by the run's.
  function checkedTerms(change: TermsChange, options: TermsCheckOptions = {}): TermsChange {
    const view = mandate.view();
    const result = checkTermsChange(change, new Date(), view, options);
    if (!result.ok) {
      refuse(MANDATE_FAILURE_TYPES.invalidArgument, result.problems.map((p) => `${p.field}: ${p.message}`).join('; '), [result.problems]);
    }
    return result.value;
  }

  function checkPause(request: PauseRequest): void {
    refuseUnlessLive();
    if (mandate.status === 'PAUSED') refuse(MANDATE_FAILURE_TYPES.failedPrecondition, `mandate ${input.mandateId} is already paused`);
    const resumeOn = request?.resumeOn ?? null;
    if (resumeOn !== null && (typeof resumeOn !== 'string' || !parseLocalDate(resumeOn))) {
      refuse(MANDATE_FAILURE_TYPES.invalidArgument, 'resumeOn: must be a YYYY-MM-DD date');
    }
    if (resumeOn !== null && !mandate.isAfterToday(resumeOn, new Date())) {
      refuse(MANDATE_FAILURE_TYPES.invalidArgument, `resumeOn: must be after today in ${input.timeZone}`);
    }
  }

  function checkApproval(request: ApproveRequest): void {
    refuseUnlessLive();
    const cycle = request?.cycle;
    if (!Number.isSafeInteger(cycle) || cycle < 1) refuse(MANDATE_FAILURE_TYPES.invalidArgument, 'cycle: must be a whole number from 1');
    const current = mandate.current;
    if (current?.collection.cycle === cycle && current.phase === 'AWAITING_APPROVAL') return;
    if (cycle >= mandate.view().nextCycle) refuse(MANDATE_FAILURE_TYPES.notFound, `mandate ${input.mandateId} has no collection ${cycle} yet`);
    refuse(MANDATE_FAILURE_TYPES.failedPrecondition, `collection ${cycle} of mandate ${input.mandateId} is not awaiting approval`);
  }

  /** True for a control this mandate has applied already: it is answered, not validated or applied again. */
  function isRepeat(): boolean {
    const id = currentUpdateInfo()?.id;
    return appliesOnce && id !== undefined && applied.has(id);
  }

  async function control(change: () => void): Promise<MandateView> {
    change();
    const id = currentUpdateInfo()?.id;
    if (appliesOnce && id !== undefined) applied.add(id, new Date());
    controls += 1;
    return persist();
  }

  /** A control's handler: the mandate as it is for a repeat, the change otherwise. */
  const once = <Args extends unknown[]>(change: (...args: Args) => void) => (...args: Args): Promise<MandateView> =>
    isRepeat() ? Promise.resolve(mandate.view()) : control(() => change(...args));
  /** A control's validator, skipped for a repeat (it is answered, whatever the state now). */
  const unlessRepeat = <Args extends unknown[]>(validate: (...args: Args) => void) => (...args: Args): void => {
    if (!isRepeat()) validate(...args);
  };

  setHandler(mandateQuery, () => mandate.view());

  setHandler(changeTermsUpdate, once((change: TermsChange) => mandate.changeTerms(checkedTerms(change, textRule), new Date())), {
    validator: unlessRepeat((change: TermsChange) => {
      refuseUnlessLive();
      checkedTerms(change);
    }),
  });

  setHandler(pauseUpdate, once((request: PauseRequest) => mandate.pause(request?.resumeOn ?? null, new Date())), {
    validator: unlessRepeat(checkPause),
  });

  setHandler(resumeUpdate, once(() => mandate.resume(new Date())), {
    validator: unlessRepeat(() => {
      if (mandate.status !== 'PAUSED') refuse(MANDATE_FAILURE_TYPES.failedPrecondition, `mandate ${input.mandateId} is not paused`);
    }),
  });

  setHandler(cancelUpdate, once(() => mandate.cancel(new Date())), { validator: unlessRepeat(refuseUnlessLive) });

  // Approval answers once the charge it released has had its first answer (or the mandate moved on).
  // A repeat answers the collection as it is, or null once a later cycle has replaced it here.
  setHandler(approveCollectionUpdate, async ({ cycle }: ApproveRequest): Promise<CollectionView | null> => {
    if (isRepeat()) return mandate.collection(cycle) ?? null;
    const approved = mandate.approve(new Date());
    await control(() => undefined);
    await condition(() => (mandate.collection(cycle)?.attempts ?? 1) > 0 || mandate.current?.collection.cycle !== cycle);
    return mandate.collection(cycle) ?? approved;
  }, { validator: unlessRepeat(checkApproval) });

  // --- the work -------------------------------------------------------------------------------------

  async function collect(settings: MandateSettings): Promise<void> {
    const collection = mandate.charging(new Date());
    const key = collectionKey(input.mandateId, collection.cycle);
    const result = await payments.chargeCollection({
      idempotencyKey: key, customerId: input.customerId, amount: collection.amount.amount, currency: collection.amount.currency,
    });
    if (result.outcome === 'DECLINED') {
      mandate.declined(result.reference, result.reason, settings, new Date());
      await persist();
      return;
    }
    const done = mandate.succeeded(result.reference, new Date());
    await persist();
    const posted = await billing.postCollectionToBill({
      mandateId: input.mandateId, customerId: input.customerId, cycle: done.cycle, dueDate: done.dueDate,
      description: mandate.view().description, amount: done.amount.amount, currency: done.amount.currency,
      timeZone: input.timeZone, idempotencyKey: key,
    });
    // After the item: the payment is booked against the bill that holds it.
    if (patched(MANDATE_PATCHES.collectionPaymentInLedger)) {
      await billing.recordCollectionPayment({
        customerId: input.customerId, billId: posted.billId, amount: done.amount, idempotencyKey: key,
        paymentReference: result.reference,
      });
    }
  }

  async function perform(step: MandateStep, settings: MandateSettings): Promise<void> {
    const now = new Date();
    switch (step.kind) {
      case 'resume':
        mandate.resume(now);
        return void (await persist());
      case 'remind': {
        const view = mandate.view();
        const due = mandate.dueDateOf(step.cycle);
        await store.sendMandateNotification({
          mandateId: input.mandateId, customerId: input.customerId, cycle: step.cycle, kind: 'COLLECTION_REMINDER',
          dueDate: due, amount: view.amount, sentAt: now.toISOString(),
        });
        mandate.reminded(step.cycle, now);
        return void (await persist());
      }
      case 'start':
        mandate.startCycle(now);
        await persist();
        if (input.autoExecution) await collect(settings);
        return;
      case 'collectApproved':
      case 'retry':
        return collect(settings);
      case 'deadline':
        mandate.missed(now);
        return void (await persist());
      case 'complete':
        mandate.complete(now);
        return void (await persist());
      case 'finished':
      case 'idle':
        return;
    }
  }

  // --- the mandate's life -----------------------------------------------------------------------------

  /** The state the next run starts from; it remembers the controls applied lately only under the patch. */
  function carried() {
    const state = mandate.carry();
    if (!appliesOnce) return state;
    return { ...state, appliedControls: applied.carry(new Date()) };
  }

  // Handlers are registered before the first await, so controls that arrive with the start are taken.
  if (input.carried) publishSearchAttributes();
  else await persist();
  const settings = await store.mandateSettings();

  const continueAsNewIsDue = () => mandate.cyclesEndedThisRun > 0 || controls >= CONTINUE_AS_NEW_AFTER_CONTROLS
    || workflowInfo().continueAsNewSuggested;

  // One wait (until the next step's moment, or until a control changes the state), then the work.
  for (;;) {
    if (!mandate.isOver() && continueAsNewIsDue()) {
      // Every control accepted so far has answered (and written) before this run ends.
      await condition(allHandlersFinished);
      if (!mandate.isOver()) return continueAsNew<typeof mandateWorkflow>({ ...input, carried: carried() });
    }
    const step = mandate.nextStep(settings, Date.now());
    if (step.kind === 'finished') break;
    const seen = controls;
    if (step.kind === 'idle') {
      await condition(() => controls !== seen);
      continue;
    }
    const wait = step.at - Date.now();
    if (wait > 0 && await condition(() => controls !== seen, wait)) continue;
    await perform(step, settings);
  }
  await condition(allHandlersFinished);
  log.info('mandate ended', { mandateId: input.mandateId, status: mandate.status });
  return mandate.view();
}
