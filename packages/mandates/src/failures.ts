// ApplicationFailure types the mandate workflow fails an Update with. They are the same names the
// bill workflow uses, so bill-service maps both with one table.
export const MANDATE_FAILURE_TYPES = {
  /** The change is malformed (a bad amount, an end date before today). */
  invalidArgument: 'InvalidArgument',
  /** The mandate's state forbids it: cancelled, already paused, no collection awaiting approval. */
  failedPrecondition: 'FailedPrecondition',
  /** No such collection cycle. */
  notFound: 'NotFound',
} as const;
