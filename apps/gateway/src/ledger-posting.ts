import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { Entry } from '@billing/contracts';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER } from './idempotency/header.ts';
import { entryJson, requiredEntry } from './ledger-json.ts';
import { BODY_FAILURES, RETRY_AFTER, SERVICE_FAILURES, errorResponses, idempotencyFailures } from './schemas/error-responses.ts';

// How every REST route that posts a ledger entry keys it and answers, in one place.

export const POSTING_BAD_INPUT =
  '`invalid_argument`: a field is malformed or not allowed; also an unknown currency or unit, or an amount with more ' +
  'decimals than it has (`"1.005"` USD); the message and details name the field';

export const POSTING_NOTE =
  ' The ledger keys the entry by the operation, the customer and the `Idempotency-Key` header, so a retry with the ' +
  'key never posts twice, even after the gateway has forgotten the key (the ledger then answers the first entry, ' +
  'marked `idempotent-replayed: true`). Without the header the gateway generates a key per request, and a retried ' +
  'request can then post twice. The same key with another request is a 422 while the gateway remembers it.';

/**
 * The client's part of the entry's key in the ledger: its Idempotency-Key, so a retry is
 * recognised by the ledger itself and not only by the gateway's replay records, which expire.
 */
export function ledgerKey(headers: { [IDEMPOTENCY_HEADER]?: string }): string {
  return headers[IDEMPOTENCY_HEADER] ?? randomUUID();
}

/** 201 with the entry; an entry the ledger already held for the key is marked as a replay. */
export function sendEntry(reply: FastifyReply, response: { entry?: Entry; replayed: boolean }) {
  if (response.replayed) reply.header(REPLAYED_HEADER, 'true');
  return reply.code(201).send(entryJson(requiredEntry(response.entry)));
}

/** Error responses of a posting route: its own 404 and 409 (if it has them) besides the shared ones. */
export function postingFailures(own: { 404?: string; 409?: string } = {}, badInput = POSTING_BAD_INPUT) {
  const notFound: Record<number, string> = own[404] === undefined ? {} : { 404: own[404] };
  return errorResponses(
    { 400: badInput, ...notFound, ...idempotencyFailures(own[409]), ...BODY_FAILURES, ...SERVICE_FAILURES },
    { 409: RETRY_AFTER },
  );
}
