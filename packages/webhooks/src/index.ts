export { generateSecret, displaySecret, type WebhookSecret } from './secrets.ts';
export { signedHeaders, type SignedHeaders } from './signature.ts';
export {
  checkAddress, checkWebhookUrl, isPublicAddress, parseWebhookUrl, WebhookUrlError, type AddressPolicy,
} from './address-policy.ts';
export { WEBHOOK_DELIVERIES_CHANNEL } from './channels.ts';
export {
  afterFailedAttempt, retryDelayMs, DEFAULT_RETRY_SCHEDULE_MS, GIVE_UP_AFTER_MS, RETRY_JITTER, type AfterFailure,
} from './retry-schedule.ts';
export { healthAfterAttempt, DISABLE_FAILING_AFTER_MS, type EndpointHealth } from './endpoint-health.ts';
export {
  checkedLookup, createWebhookSender, RESPONSE_BODY_LIMIT, WEBHOOK_USER_AGENT,
  type AttemptResult, type WebhookRequest, type WebhookSender, type WebhookSenderOptions,
} from './sender.ts';
export { DEFAULT_OVERLAP_SECONDS, EVENT_TYPES_MAX, MAX_OVERLAP_SECONDS, URL_MAX_CHARS } from './limits.ts';
