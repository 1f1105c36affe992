// Where bill workflows run and what they are called: one workflow per customer and period.

/** The task queue bill workflows and their activities run on, unless a deployment names another. */
export const BILL_TASK_QUEUE = 'billing';

/** One workflow per customer and period: starting a second one is refused by Temporal itself. */
export function billWorkflowId(customerId: string, billingPeriod: string): string {
  return `bill/${customerId}/${billingPeriod}`;
}
