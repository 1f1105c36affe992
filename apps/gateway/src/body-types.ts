import type { FastifyRequest } from 'fastify';

// The content types request bodies may have. Every body is JSON; usage events may also come as a
// CloudEvents JSON batch, which only a route whose schema names that type takes (any other route
// answers it 415, as it does any type it does not know).

export const CLOUDEVENTS_BATCH = 'application/cloudevents-batch+json';
export const JSON_BODY_TYPES = ['application/json', CLOUDEVENTS_BATCH] as const;

/** Fastify's own error for a body type a route does not take, so it is answered like one. */
export function unsupported(type: string): Error {
  return Object.assign(new Error(`Unsupported Media Type: ${type}`), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
}

/** Undefined when the route takes a body of `type`; otherwise the 415 to answer. */
export function bodyTypeRefusal(request: FastifyRequest, type: string): Error | undefined {
  if (type === 'application/json') return undefined;
  const content = (request.routeOptions.schema?.body as { content?: Record<string, unknown> } | undefined)?.content;
  return content?.[type] === undefined ? unsupported(type) : undefined;
}
