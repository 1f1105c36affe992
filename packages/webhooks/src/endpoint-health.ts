// Whether an endpoint keeps receiving deliveries. An endpoint that has failed every attempt for 5
// days straight is disabled: its owner has most likely moved or dropped it, and retrying it forever
// would spend the dispatcher on a receiver nobody reads. Any success resets the count.

/** How long an endpoint may fail every attempt before it is disabled. */
export const DISABLE_FAILING_AFTER_MS = 5 * 24 * 60 * 60 * 1_000;

export interface EndpointHealth {
  /** Since when every attempt has failed; null while the latest attempt succeeded. */
  failingSince: Date | null;
  /** True when this attempt's failure disables the endpoint. */
  disable: boolean;
}

export function healthAfterAttempt(input: { failingSince: Date | null; succeeded: boolean; now: Date }): EndpointHealth {
  if (input.succeeded) return { failingSince: null, disable: false };
  const failingSince = input.failingSince ?? input.now;
  return { failingSince, disable: input.now.getTime() - failingSince.getTime() >= DISABLE_FAILING_AFTER_MS };
}
