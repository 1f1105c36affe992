// How a bill workflow's refusals reach its callers: the ApplicationFailure types it throws
// (bill-service maps each to a Connect code).

/** ApplicationFailure types the bill workflow fails an Update with. */
export const BILL_FAILURE_TYPES = {
  /** The item (or batch) is malformed, or refers to something that does not exist. */
  invalidArgument: 'InvalidArgument',
  /** The bill is not OPEN. */
  failedPrecondition: 'FailedPrecondition',
  /** The workflow lost track of an item it had accepted: a defect, not the caller's fault. */
  internal: 'Internal',
} as const;

