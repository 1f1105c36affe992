import { Type } from 'typebox';
import { CustomerId, FreeText, NextCursor } from './common.ts';
import { Rfc3339 } from './timestamp.ts';

export const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;
/** A key's name, free text under the platform's rule (@billing/text). */
export const API_KEY_NAME_MAX_CHARS = 200;

export const RateLimitPerMinute = Type.Integer({
  minimum: 1,
  maximum: MAX_RATE_LIMIT_PER_MINUTE,
  description: 'Requests per minute this key may make (a token bucket refilled continuously); default RATE_LIMIT_PER_MINUTE',
  examples: [6000],
});

export const CreateApiKeyBody = Type.Object(
  {
    name: FreeText('What the key is for, to recognise it later', API_KEY_NAME_MAX_CHARS, { examples: ['billing-sync job'] }),
    customerId: Type.Optional({ ...CustomerId, description: 'Binds the key to this one customer; without it the key is a platform key' }),
    rateLimitPerMinute: Type.Optional(RateLimitPerMinute),
  },
  { additionalProperties: false },
);

const ApiKeyFields = {
  id: Type.String({ description: 'The key id (not the secret)', examples: ['key_3f2a9c0d1e4b5a6978c0d1e2'] }),
  name: Type.String(),
  customerId: Type.Union([Type.String(), Type.Null()], { description: 'The customer the key is bound to; null for a platform key' }),
  prefix: Type.String({ description: 'The first characters of the secret, to tell keys apart', examples: ['bsk_Xy3kQ9aB'] }),
  rateLimitPerMinute: RateLimitPerMinute,
  createdAt: Rfc3339('When the key was made'),
  revokedAt: Type.Union([Rfc3339('When the key was revoked'), Type.Null()]),
  lastUsedAt: Type.Union([Rfc3339('When the key was last used, to the minute'), Type.Null()]),
};

export const ApiKey = Type.Object(ApiKeyFields, { $id: 'ApiKey', title: 'ApiKey', description: 'An API key, never with its secret' });

export const CreatedApiKey = Type.Object(
  {
    ...ApiKeyFields,
    key: Type.String({
      description: 'The secret: send it as `Authorization: Bearer <key>`. Shown in this response only; store it now',
      examples: ['bsk_Xy3kQ9aB...'],
    }),
  },
  { title: 'CreatedApiKey' },
);

export const ApiKeyPage = Type.Object({ items: Type.Array(Type.Ref('ApiKey')), nextCursor: NextCursor }, { title: 'ApiKeyPage' });

export const ApiKeyParams = Type.Object({
  id: Type.String({ pattern: '^key_[0-9a-f]{24}$', description: 'A key id', errorMessage: 'must be a key id such as key_3f2a9c0d1e4b5a6978c0d1e2' }),
});
