import type { FastifyInstance } from 'fastify';
import { httpMetrics } from '@billing/runtime';

/** The label of a request no route matched: raw paths would give every scanner's probe a series of its own. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts every answered request and its duration by route template (`/v1/bills/:billId`), method
 * and status: rejections by authentication, rate limiting and validation included, since an
 * operator alerting on errors needs those too.
 */
export function installHttpMetrics(app: FastifyInstance): void {
  const http = httpMetrics();
  app.addHook('onResponse', async (request, reply) => {
    const labels = { route: request.routeOptions.url ?? UNMATCHED_ROUTE, method: request.method, status: String(reply.statusCode) };
    http.requests.inc(labels);
    http.duration.observe(labels, reply.elapsedTime / 1000);
  });
}
