// What mandate workflows are called: one workflow per mandate, for its whole life.

export const MANDATE_WORKFLOW_TYPE = 'mandateWorkflow';

export function mandateWorkflowId(mandateId: string): string {
  return `mandate/${mandateId}`;
}

/**
 * The idempotency key of one cycle's charge at the payment provider and of its line item on the
 * customer's bill: a business key, so a retried activity, a new worker or a new run after
 * continue-as-new can never charge or bill a cycle twice.
 */
export function collectionKey(mandateId: string, cycle: number): string {
  return `mandate:${mandateId}:${cycle}`;
}
