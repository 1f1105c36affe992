// The limits of a webhook endpoint, one place for both the REST schemas (gateway) and the
// service's own checks (bill-service), so the two can never disagree.

/** Longest endpoint URL, in characters. */
export const URL_MAX_CHARS = 2_048;
/** Most event types one endpoint may subscribe to (there are fewer types today; `["*"]` takes all). */
export const EVENT_TYPES_MAX = 50;
/** Longest overlap a secret rotation may give the previous secret: 7 days. */
export const MAX_OVERLAP_SECONDS = 7 * 86_400;
/** The overlap when a rotation names none: a day. */
export const DEFAULT_OVERLAP_SECONDS = 86_400;
