// What a caller may queue for the built-in payment simulator, which collects mandates unless a real
// provider is configured: bill-service checks a script against these, the gateway states them.

/** Outcomes one script may queue for a customer's next charge attempts. */
export const SCRIPTED_OUTCOMES_MAX = 100;
/** A scripted decline's reason, shown as the collection's failureReason: kept as sent. */
export const SCRIPTED_REASON_MAX_CHARS = 200;
