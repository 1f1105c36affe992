/**
 * The PostgreSQL channel that wakes the webhook dispatchers when a delivery becomes due outside
 * the event flow (one sent again by hand): `SELECT pg_notify(WEBHOOK_DELIVERIES_CHANNEL, <delivery id>)`
 * in the transaction that sets it pending. New events wake them on the events channel already.
 */
export const WEBHOOK_DELIVERIES_CHANNEL = 'billing_webhook_deliveries';
