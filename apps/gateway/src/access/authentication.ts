import { Code } from '@connectrpc/connect';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listenToChannels } from '@billing/db';
import type { Logger } from '@billing/runtime';
import { errorResponseFor } from '../errors.ts';
import { bearerKey, isWellFormedKey, keyHash, sameHash } from './key-format.ts';
import type { ApiKeyStore } from './key-store.ts';
import { accessFor, type Access } from './rules.ts';

/** Who is calling: the key a request authenticated with. */
export interface Caller {
  keyId: string;
  /** null: a platform key. */
  customerId: string | null;
  rateLimitPerMinute: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by authentication; null on public routes. */
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    /** Overrides the access rules table for one route. */
    access?: Access;
  }
}

/** The id under which the bootstrap key (`BILLING_ADMIN_API_KEY`) acts, in logs and metadata. */
export const ADMIN_KEY_ID = 'key_admin';

export interface AuthenticationOptions {
  /** `BILLING_ADMIN_API_KEY`: accepted as a platform key. */
  adminApiKey?: string;
  /** Issued keys; without it only the admin key is accepted. */
  keys?: ApiKeyStore;
  defaultRateLimitPerMinute: number;
  /**
   * How long a key found valid is trusted without asking PostgreSQL again. A changed key is
   * announced to every replica at once (`keyChanges`); this bounds how long a lost announcement
   * can leave a revoked key working.
   */
  cacheMs?: number;
  /**
   * The database to LISTEN to for changed keys (the channel `api_key_changed`, sent by a trigger
   * on `api_keys`). Without it a cached key is trusted for `cacheMs`, whatever happens to it.
   */
  keyChanges?: { url: string; logger: Logger };
}

const CACHE_LIMIT = 10_000;
/** The channel a trigger on `api_keys` announces a changed key's id on. */
export const KEY_CHANGES_CHANNEL = 'api_key_changed';
/** How long start-up waits for the listener before going on without it (keys are then not cached until it listens). */
const LISTEN_WAIT_MS = 2_000;

function refuse(reply: FastifyReply, code: Code, message: string, challenge?: string) {
  if (challenge !== undefined) reply.header('www-authenticate', challenge);
  const { status, body } = errorResponseFor(code, message);
  return reply.code(status).send(body);
}

/**
 * Every route but the public ones needs `Authorization: Bearer <key>`; then the route's access
 * rule (rules.ts, or its own `config.access`) decides whether this key may use it. Install on
 * the root instance before the routes. Nothing here logs or echoes the presented key.
 */
export async function installAuthentication(app: FastifyInstance, options: AuthenticationOptions): Promise<void> {
  const cacheMs = options.cacheMs ?? 1_000;
  const adminHash = options.adminApiKey === undefined ? undefined : keyHash(options.adminApiKey);
  const cache = new Map<string, { caller: Caller; until: number }>();
  // Bumped whenever cached keys are dropped: a lookup that was under way then may have read the
  // key as it was before the change, so its answer is used but not cached.
  let generation = 0;
  // With a listener, keys are cached only once it listens: before, a change would go unheard.
  let cacheable = options.keyChanges === undefined;
  if (options.keyChanges !== undefined && options.keys !== undefined) {
    const listener = listenToChannels({
      url: options.keyChanges.url,
      channels: [KEY_CHANGES_CHANNEL],
      name: 'gateway key changes',
      logger: options.keyChanges.logger,
      onNotification: (_channel, keyId) => {
        generation += 1;
        for (const [hash, entry] of cache) if (entry.caller.keyId === keyId) cache.delete(hash);
      },
      // Whatever was announced while nobody listened is lost: start over.
      onListening: () => {
        generation += 1;
        cache.clear();
        cacheable = true;
      },
    });
    app.addHook('onClose', async () => listener.close());
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([
      listener.ready().catch(() => {}),
      new Promise((resolve) => { waited = setTimeout(resolve, LISTEN_WAIT_MS); }),
    ]);
    clearTimeout(waited);
  }
  const accessOf = (request: FastifyRequest): Access =>
    request.routeOptions.config.access ?? accessFor(request.routeOptions.url ?? request.url.split('?')[0] ?? '');

  async function callerFor(key: string): Promise<Caller | undefined> {
    const hash = keyHash(key);
    if (adminHash !== undefined && sameHash(hash, adminHash)) {
      return { keyId: ADMIN_KEY_ID, customerId: null, rateLimitPerMinute: options.defaultRateLimitPerMinute };
    }
    if (!isWellFormedKey(key) || options.keys === undefined) return undefined;
    const cacheKey = hash.toString('base64');
    const cached = cache.get(cacheKey);
    if (cached !== undefined && cached.until > Date.now()) return cached.caller;
    const seen = generation;
    const record = await options.keys.findByHash(hash);
    if (record === undefined || record.revokedAt !== null || !sameHash(record.keyHash, hash)) {
      cache.delete(cacheKey);
      return undefined;
    }
    const caller = {
      keyId: record.id, customerId: record.customerId, rateLimitPerMinute: record.rateLimitPerMinute ?? options.defaultRateLimitPerMinute,
    };
    if (cacheable && seen === generation && cacheMs > 0) {
      // Bounded: past the limit the cache starts over rather than grow with every key ever seen.
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(cacheKey, { caller, until: Date.now() + cacheMs });
    }
    options.keys.touch(record.id).catch((error: unknown) => app.log.warn({ err: error, keyId: record.id }, 'could not record a key use'));
    return caller;
  }

  app.decorateRequest('caller', null);

  app.addHook('onRequest', async (request, reply) => {
    const access = accessOf(request);
    if (access.kind === 'public') return;
    const presented = bearerKey(request.headers.authorization);
    if (presented === undefined) {
      return refuse(reply, Code.Unauthenticated, 'an API key is required: send Authorization: Bearer <key>', 'Bearer realm="billing"');
    }
    const caller = await callerFor(presented);
    if (caller === undefined) {
      return refuse(reply, Code.Unauthenticated, 'the API key is not valid (unknown, malformed or revoked)',
        'Bearer realm="billing", error="invalid_token"');
    }
    request.caller = caller;
    if (caller.customerId === null) return;
    if (access.kind === 'platform') {
      return refuse(reply, Code.PermissionDenied, 'this route needs a platform key; a customer key may not use it');
    }
    if (access.kind === 'customer-path') {
      const named = (request.params as Record<string, unknown> | undefined)?.[access.param];
      if (named !== caller.customerId) return refuse(reply, Code.PermissionDenied, 'this key may only act for its own customer');
    }
    if (access.kind === 'customer-query') {
      const named = (request.query as Record<string, unknown> | undefined)?.[access.param];
      if (named === undefined && access.ownWhenAbsent === true) return;
      if (named !== caller.customerId) {
        return refuse(reply, Code.PermissionDenied, `this key may only act for its own customer: ${access.param} must be it`);
      }
    }
  });

  // A body is parsed only after onRequest; it is checked before validation, so a customer key
  // learns nothing about another customer's request from the validation errors either.
  app.addHook('preValidation', async (request, reply) => {
    const caller = request.caller;
    if (caller === null || caller.customerId === null) return;
    const access = accessOf(request);
    if (access.kind !== 'customer-body') return;
    const named = (request.body as Record<string, unknown> | null | undefined)?.[access.field];
    if (named === undefined && access.ownWhenAbsent === true) return;
    if (named !== caller.customerId) {
      return refuse(reply, Code.PermissionDenied, `this key may only act for its own customer: ${access.field} must be it`);
    }
  });
}
