// ApplicationFailure types the mandate workflow fails an Update with. bill-service maps each to a
// Connect code in its mandate error mapper; the names match the bill workflow's for readability,
// not because the two share a table.
export const MANDATE_FAILURE_TYPES = {
  /** The change is malformed (a bad amount, an end date before today). */
  invalidArgument: 'InvalidArgument',
  /** The mandate's state forbids it: cancelled, already paused, no collection awaiting approval. */
  failedPrecondition: 'FailedPrecondition',
  /** No such collection cycle. */
  notFound: 'NotFound',
} as const;
