import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../schemas/error-responses.ts';
import { accessFor, type Access } from './rules.ts';

export const BEARER_SCHEME = 'apiKey';

const RATE_LIMIT_HEADERS = {
  'ratelimit-limit': Type.String({ pattern: '^[0-9]+$', description: 'Requests per minute this key may make' }),
  'ratelimit-remaining': Type.String({ pattern: '^[0-9]+$', description: 'Requests this key may still make right now' }),
  'ratelimit-reset': Type.String({ pattern: '^[0-9]+$', description: 'Seconds until the key\'s allowance is whole again' }),
};
const RETRY_AFTER = { 'retry-after': Type.String({ pattern: '^[0-9]+$', description: 'Seconds until the key may make its next request' }) };

const DENIED: Record<Access['kind'], string | undefined> = {
  public: undefined,
  'any-key': undefined,
  'customer-path': '`permission_denied`: a customer key on a path naming another customer (whether or not that customer exists)',
  'customer-body': '`permission_denied`: a customer key whose request names another customer',
  'customer-query': '`permission_denied`: a customer key whose `customerId` query parameter is missing or names another customer',
  platform: '`permission_denied`: a customer key; this route needs a platform key',
};

function deniedFor(access: Access): string | undefined {
  if (access.kind === 'customer-query' && access.ownWhenAbsent === true) {
    return `\`permission_denied\`: a customer key whose \`${access.param}\` query parameter names another customer`;
  }
  return DENIED[access.kind];
}

interface RouteSchema {
  response?: Record<string, unknown>;
  security?: unknown;
  hide?: boolean;
}

/**
 * Documents access on every route as it is added, from the same rules authentication enforces:
 * public routes say they need no key; every other one names the bearer scheme and answers 401,
 * 403 where a customer key can be refused, and 429. Install before @fastify/swagger and the routes.
 */
export function documentAccess(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as RouteSchema | undefined;
    if (schema === undefined || schema.hide === true) return;
    const access = route.config?.access ?? accessFor(route.url);
    if (access.kind === 'public') {
      route.schema = { ...schema, security: [] };
      return;
    }
    const denied = deniedFor(access);
    const added = errorResponses(
      {
        401: '`unauthenticated`: no API key, or one that is malformed, unknown or revoked; comes with `WWW-Authenticate: Bearer`',
        403: denied ?? '',
        429: '`resource_exhausted`: this key made more requests than its rate limit allows; retry after `Retry-After` seconds',
      },
      {
        401: { 'www-authenticate': Type.String({ description: 'Bearer, with error="invalid_token" when a key was sent' }) },
        429: { ...RETRY_AFTER, ...RATE_LIMIT_HEADERS },
      },
    );
    // A route's own 429 (say, a busy workflow) stays documented beside the rate limit's.
    const { 403: forbidden, ...always } = added;
    const own429 = (schema.response?.['429'] ?? schema.response?.[429]) as { description?: string } | undefined;
    const limited = added[429];
    const merged429 = own429?.description === undefined || limited === undefined
      ? limited
      : { ...limited, description: `${own429.description}; or ${limited.description}` };
    // Fresh objects: route schemas share their response maps, which must not change under them.
    route.schema = { ...schema, security: [{ [BEARER_SCHEME]: [] }], response: {
      ...schema.response, ...always, ...(denied === undefined ? {} : { 403: forbidden }), 429: merged429,
    } };
  });
}
