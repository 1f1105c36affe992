// How a bill workflow's refusals reach its callers: the ApplicationFailure types it throws
// (bill-service maps each to a Connect code), and the one client-side error that is safe to retry.

/** ApplicationFailure types the bill workflow fails an Update with. */
export const BILL_FAILURE_TYPES = {
  /** The item (or batch) is malformed, or refers to something that does not exist. */
  invalidArgument: 'InvalidArgument',
  /** The bill is not OPEN. */
  failedPrecondition: 'FailedPrecondition',
  /** The workflow lost track of an item it had accepted: a defect, not the caller's fault. */
  internal: 'Internal',
} as const;

/**
 * True for the error a client gets when the run it sent an Update to continued as new before
 * the outcome was read ("update … not found"): the item may or may not be stored, and sending it
 * again with the same idempotency key is safe (a stored one comes back as a duplicate).
 */
export function isUpdateLostAtRunBoundary(error: unknown): boolean {
  return error instanceof Error && error.name === 'WorkflowNotFoundError' && /update .* not found/i.test(error.message);
}
