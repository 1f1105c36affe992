// What a webhook request may say. Each check names the field it refuses; the URL is checked
// against the address policy (https and public addresses unless private URLs are allowed).
import { isEventType } from '@billing/db';
import { DESCRIPTION_MAX_CHARS, characterProblem, checkFreeText } from '@billing/text';
import {
  checkWebhookUrl, DEFAULT_OVERLAP_SECONDS, EVENT_TYPES_MAX, MAX_OVERLAP_SECONDS, URL_MAX_CHARS, WebhookUrlError, type AddressPolicy,
} from '@billing/webhooks';
import { customerIdProblems } from '../customer-id.ts';
import type { FieldProblem } from '../errors.ts';

export const ENDPOINT_ID = /^we_[0-9a-f]{32}$/;
export const DELIVERY_ID = /^wd_[0-9a-f]{32}$/;
export { DEFAULT_OVERLAP_SECONDS, MAX_OVERLAP_SECONDS, URL_MAX_CHARS } from '@billing/webhooks';
/** Every event type. */
export const ALL_EVENTS = '*';

export function idProblems(field: string, value: string, pattern: RegExp, what: string): FieldProblem[] {
  return pattern.test(value) ? [] : [{ field, message: `must be ${what}` }];
}

export function endpointIdProblems(field: string, value: string): FieldProblem[] {
  return idProblems(field, value, ENDPOINT_ID, 'a webhook endpoint id (we_ and 32 hex digits)');
}

/** A scope field: empty (a platform caller) or a customer id. */
export function scopeProblems(customerId: string): FieldProblem[] {
  return customerId === '' ? [] : customerIdProblems(customerId);
}

/** The event types, deduplicated in their order; `*` only on its own. */
export function checkEventTypes(events: readonly string[], problems: FieldProblem[]): string[] {
  if (events.length === 0) {
    problems.push({ field: 'events', message: 'must name at least one event type, or "*" for all' });
    return [];
  }
  if (events.length > EVENT_TYPES_MAX) {
    problems.push({ field: 'events', message: `must name at most ${EVENT_TYPES_MAX} event types` });
    return [];
  }
  if (events.includes(ALL_EVENTS)) {
    if (events.some((event) => event !== ALL_EVENTS)) problems.push({ field: 'events', message: '"*" (every type) must be the only entry' });
    return [ALL_EVENTS];
  }
  events.forEach((event, index) => {
    if (!isEventType(event)) problems.push({ field: `events[${index}]`, message: `${JSON.stringify(event.slice(0, 64))} is not an event type` });
  });
  return [...new Set(events)];
}

/** A description trimmed, or null for none (an empty one). */
export function checkDescription(value: string, problems: FieldProblem[]): string | null {
  const check = checkFreeText(value, { maxChars: DESCRIPTION_MAX_CHARS, optional: true });
  if (!check.ok) problems.push({ field: 'description', message: check.message });
  return check.ok && check.text !== '' ? check.text : null;
}

/** The URL as stored (its normalised form), or a problem naming `url` with the policy's reason. */
export async function checkUrl(raw: string, policy: AddressPolicy, problems: FieldProblem[]): Promise<string> {
  if (raw.length > URL_MAX_CHARS) {
    problems.push({ field: 'url', message: `must be at most ${URL_MAX_CHARS} characters` });
    return raw;
  }
  // The URL parser would percent-encode or drop such characters: the endpoint would not be the one named.
  const characters = characterProblem(raw);
  if (characters !== undefined) {
    problems.push({ field: 'url', message: characters });
    return raw;
  }
  try {
    return (await checkWebhookUrl(raw, policy)).href;
  } catch (error) {
    if (!(error instanceof WebhookUrlError)) throw error;
    problems.push({ field: 'url', message: urlReason(error.message, policy) });
    return raw;
  }
}

/** The policy's refusal, without repeating the field name, plus how to allow it where that is the reason. */
function urlReason(message: string, policy: AddressPolicy): string {
  const reason = message.replace(/^url (must )?/, (_match, must: string | undefined) => (must ? 'must ' : ''));
  const privateHint = policy.allowPrivate ? '' : ' (http and private or loopback addresses are refused unless WEBHOOK_ALLOW_PRIVATE_URLS=true)';
  return /public address|https/.test(message) ? `${reason}${privateHint}` : reason;
}

export function checkOverlap(seconds: number | undefined, problems: FieldProblem[]): number {
  if (seconds === undefined) return DEFAULT_OVERLAP_SECONDS;
  if (seconds < 0 || seconds > MAX_OVERLAP_SECONDS) {
    problems.push({ field: 'overlapSeconds', message: `must be between 0 and ${MAX_OVERLAP_SECONDS} (7 days)` });
  }
  return seconds;
}
