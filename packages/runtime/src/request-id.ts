import { randomUUID } from 'node:crypto';

/** Carried from the gateway to every service as HTTP header and gRPC metadata alike. */
export const REQUEST_ID_HEADER = 'x-request-id';

export function newRequestId(): string {
  return `req_${randomUUID().replaceAll('-', '')}`;
}
