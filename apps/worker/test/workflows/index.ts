// The test worker's workflow bundle: every production workflow, unchanged, plus wrappers that
// run them with other worker settings. Registered only in tests (test/support/stack.ts), so no
// production input carries a switch for them.
import type { BillSummary, BillWorkflowInput } from '@billing/bills';
import { runBill } from '../../src/workflows/bill.ts';

export * from '../../src/workflows/index.ts';

/** Items accepted per run before billWorkflowContinuingEarly continues as new. */
const EARLY_CONTINUE_AS_NEW_AFTER_ITEMS = 3;

/** billWorkflow continuing as new after a few items, so a test crosses several runs quickly. */
export async function billWorkflowContinuingEarly(input: BillWorkflowInput): Promise<BillSummary> {
  return runBill(input, { continueAsNewAfterItems: EARLY_CONTINUE_AS_NEW_AFTER_ITEMS });
}
