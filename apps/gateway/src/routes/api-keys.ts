import { Code, ConnectError } from '@connectrpc/connect';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { pageLimit } from '@billing/grpc-kit';
import { checkFreeText } from '@billing/text';
import type { ApiKeyRecord, ApiKeyStore } from '../access/key-store.ts';
import { invalidArgument } from '../errors.ts';
import { pageJson } from '../page-json.ts';
import { API_KEY_NAME_MAX_CHARS, ApiKeyPage, ApiKeyParams, CreateApiKeyBody, CreatedApiKey } from '../schemas/api-key.ts';
import { PageQuery } from '../schemas/common.ts';
import { BODY_FAILURES, errorResponses } from '../schemas/error-responses.ts';

export interface ApiKeysRoutesOptions {
  /** Absent when the gateway has no database: then every call here is 503. */
  keys: ApiKeyStore | undefined;
  defaultRateLimitPerMinute: number;
}

const API_KEY = { $ref: 'ApiKey' } as const;
const STORE_FAILURES = {
  500: '`internal`: an unexpected failure; the message is generic and the details are logged',
  503: '`unavailable`: the key store (PostgreSQL) is down or not configured; retry later',
} as const;
const NO_KEY = '`not_found`: no key has that id';

/** Key management: platform keys only (see access/rules.ts). */
export const apiKeysRoutes: FastifyPluginAsyncTypebox<ApiKeysRoutesOptions> = async (app, { keys, defaultRateLimitPerMinute }) => {
  const store = (): ApiKeyStore => {
    if (keys === undefined) throw new ConnectError('this gateway has no key store', Code.Unavailable);
    return keys;
  };
  const json = (record: ApiKeyRecord) => ({
    id: record.id,
    name: record.name,
    customerId: record.customerId,
    prefix: record.prefix,
    rateLimitPerMinute: record.rateLimitPerMinute ?? defaultRateLimitPerMinute,
    createdAt: record.createdAt.toISOString(),
    revokedAt: record.revokedAt?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
  });

  app.post('/v1/api-keys', {
    // Its response holds the secret, which is stored nowhere: not even as an idempotent replay.
    config: { idempotent: false },
    schema: {
      operationId: 'createApiKey',
      tags: ['api keys'],
      summary: 'Make an API key: a platform key, or one bound to a customer',
      description: 'The secret `key` is in this response only; only a hash of it is stored. A customer key may use that ' +
        'customer\'s routes and the rates routes, nothing else. This is the one POST that ignores `Idempotency-Key`: ' +
        'replaying it would mean storing the secret. A retry after a lost answer makes a second key; revoke the unused one.',
      body: CreateApiKeyBody,
      response: {
        201: CreatedApiKey,
        ...errorResponses({
          400: '`invalid_argument`: a field is malformed; the message and details name it',
          ...BODY_FAILURES,
          ...STORE_FAILURES,
        }),
      },
    },
  }, async (request, reply) => {
    // The schema states this rule; the check makes the name as stored (trimmed).
    const name = checkFreeText(request.body.name, { maxChars: API_KEY_NAME_MAX_CHARS });
    if (!name.ok) {
      const { body } = invalidArgument([{ field: 'name', message: name.message }]);
      return reply.code(400).send(body);
    }
    const { record, key } = await store().create({
      name: name.text,
      customerId: request.body.customerId ?? null,
      rateLimitPerMinute: request.body.rateLimitPerMinute ?? null,
    });
    request.log.info({ keyId: record.id, customerId: record.customerId, by: request.caller?.keyId }, 'api key created');
    return reply.code(201).send({ ...json(record), key });
  });

  app.get('/v1/api-keys', {
    schema: {
      operationId: 'listApiKeys',
      tags: ['api keys'],
      summary: 'Every API key, oldest first, without secrets',
      querystring: PageQuery,
      response: {
        200: ApiKeyPage,
        ...errorResponses({ 400: '`invalid_argument`: a malformed limit, or a cursor this API did not issue', ...STORE_FAILURES }),
      },
    },
  }, async (request) => {
    const page = await store().list(pageLimit(request.query.limit), request.query.cursor);
    return pageJson(page.items.map(json), page.nextCursor);
  });

  app.get('/v1/api-keys/:id', {
    schema: {
      operationId: 'getApiKey',
      tags: ['api keys'],
      summary: 'One API key, without its secret',
      params: ApiKeyParams,
      response: { 200: API_KEY, ...errorResponses({ 400: '`invalid_argument`: a malformed key id', 404: NO_KEY, ...STORE_FAILURES }) },
    },
  }, async (request) => {
    const record = await store().get(request.params.id);
    if (record === undefined) throw new ConnectError(`no API key ${request.params.id}`, Code.NotFound);
    return json(record);
  });

  app.delete('/v1/api-keys/:id', {
    schema: {
      operationId: 'revokeApiKey',
      tags: ['api keys'],
      summary: 'Revoke an API key: it is refused (401) from then on, on every gateway within seconds',
      description: 'Revoking a revoked key changes nothing and answers it again. A key is never deleted, so its history stays readable.',
      params: ApiKeyParams,
      response: {
        200: { ...API_KEY, description: 'The key, with revokedAt set' },
        ...errorResponses({ 400: '`invalid_argument`: a malformed key id', 404: NO_KEY, ...STORE_FAILURES }),
      },
    },
  }, async (request) => {
    const record = await store().revoke(request.params.id);
    if (record === undefined) throw new ConnectError(`no API key ${request.params.id}`, Code.NotFound);
    request.log.info({ keyId: record.id, by: request.caller?.keyId }, 'api key revoked');
    return json(record);
  });
};
