export { generateSecret, displaySecret, type WebhookSecret } from './secrets.ts';
export { signedHeaders, type SignedHeaders } from './signature.ts';
export {
  checkAddress, checkWebhookUrl, isPublicAddress, parseWebhookUrl, WebhookUrlError, type AddressPolicy,
} from './address-policy.ts';
