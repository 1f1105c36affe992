// The test worker's workflow bundle: every production workflow, unchanged, plus wrappers that
// run them with other worker settings. Registered only in tests (test/support/stack.ts), so no
// production input carries a switch for them.
import type { BillSummary, BillWorkflowInput } from '@billing/bills';
import { condition, defineQuery, proxySinks, setHandler, sleep, type Sinks } from '@temporalio/workflow';
import { billWorkflow, BILL_WORKFLOW_SETTINGS, BILL_WORKFLOW_V2, BILL_WORKFLOW_V3, runBill } from '../../src/workflows/bill.ts';

export * from '../../src/workflows/index.ts';

/** Items accepted per run before billWorkflowContinuingEarly continues as new. */
const EARLY_CONTINUE_AS_NEW_AFTER_ITEMS = 3;

/** billWorkflow continuing as new after a few items, so a test crosses several runs quickly. */
export async function billWorkflowContinuingEarly(input: BillWorkflowInput): Promise<BillSummary> {
  return runBill(input, { ...BILL_WORKFLOW_SETTINGS, continueAsNewAfterItems: EARLY_CONTINUE_AS_NEW_AFTER_ITEMS });
}

/** billWorkflowV2 continuing as new after a few items. */
export async function billWorkflowV2ContinuingEarly(input: BillWorkflowInput): Promise<BillSummary> {
  return runBill(input, { ...BILL_WORKFLOW_SETTINGS, continueAsNewAfterItems: EARLY_CONTINUE_AS_NEW_AFTER_ITEMS }, BILL_WORKFLOW_V2);
}

/** billWorkflowV3 continuing as new after a few items. */
export async function billWorkflowV3ContinuingEarly(input: BillWorkflowInput): Promise<BillSummary> {
  return runBill(input, { ...BILL_WORKFLOW_SETTINGS, continueAsNewAfterItems: EARLY_CONTINUE_AS_NEW_AFTER_ITEMS }, BILL_WORKFLOW_V3);
}

/** billWorkflow setting its totals search attributes at every stored batch, as if a minute had passed since the last. */
export async function billWorkflowShowingEveryTotal(input: BillWorkflowInput): Promise<BillSummary> {
  return runBill(input, { ...BILL_WORKFLOW_SETTINGS, totalsRefreshMs: 0 });
}

/**
 * Draws a number from the workflow's seeded random numbers and returns it. A query runs only in the
 * execution a worker holds in its cache, never on replay: a draw here is one the bill's replay
 * after a worker restart does not make, as a span made in a query or an Update validator once was.
 */
export const drawRandomNumberQuery = defineQuery<number>('drawRandomNumber');

/** billWorkflow answering drawRandomNumberQuery. */
export async function billWorkflowDrawingRandomNumbers(input: BillWorkflowInput): Promise<BillSummary> {
  setHandler(drawRandomNumberQuery, () => Math.random());
  return billWorkflow(input);
}

/**
 * Sums `iterations` rounds of arithmetic in one workflow task: a task that holds the sandbox as
 * long as the machine takes, for the deadlock watchdog's test (sandbox-options.test.ts).
 */
export async function busyWorkflow(iterations: number): Promise<number> {
  return busyArithmetic(iterations);
}

/** The same rounds, in the task after a timer fires: in a continuation the sandbox runs as a microtask. */
export async function busyAfterTimerWorkflow(iterations: number): Promise<number> {
  await sleep(1);
  return busyArithmetic(iterations);
}

/** The same rounds, in a condition the worker evaluates once the activation's jobs have run. */
export async function busyConditionWorkflow(iterations: number): Promise<number> {
  let sum = 0;
  await condition(() => (sum = busyArithmetic(iterations)) >= 0);
  return sum;
}

function busyArithmetic(iterations: number): number {
  let sum = 0;
  for (let index = 0; index < iterations; index += 1) sum += index % 7;
  return sum;
}

/** A sink a test worker provides, to see which calls the workflow's activations hand to the worker. */
export interface ProbeSinks extends Sinks {
  probe: { record(round: number): void };
}

/** Records one round per activation: before each of `rounds` timers, and once after the last. */
export async function sinkProbeWorkflow(rounds: number): Promise<void> {
  const { probe } = proxySinks<ProbeSinks>();
  for (let round = 0; round < rounds; round += 1) {
    probe.record(round);
    await sleep(1);
  }
  probe.record(rounds);
}
