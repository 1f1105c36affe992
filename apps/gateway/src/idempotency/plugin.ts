import { createHash } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponseFor, invalidArgument } from '../errors.ts';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER, idempotencyKeyProblem } from './header.ts';
import { errorCodeOf, verdictFor } from './outcome.ts';
import type { IdempotencyStore, ScopedKey } from './store.ts';
import { bodyTypeRefusal, JSON_BODY_TYPES } from '../body-types.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false: the route ignores Idempotency-Key, for a response that must never be stored (one
     * holding a secret). true on a PUT: the route takes Idempotency-Key like a POST or PATCH does.
     */
    idempotent?: boolean;
  }
}

export interface IdempotencyOptions {
  store: IdempotencyStore;
  /** How often expired records are deleted. */
  sweepEveryMs?: number;
}

interface Claim {
  key: ScopedKey;
  fingerprint: string;
}

const IDEMPOTENT_METHODS = new Set(['POST', 'PATCH']);

/**
 * The IETF httpapi Idempotency-Key draft for every POST and PATCH (and a PUT that opts in): the first response whose effect
 * is known (outcome.ts) is replayed byte for byte (status, content type and body) for the same key
 * and request; the same key with another request is a 422; with the first still running, a 409.
 * After any other response the claim is released and a retry runs again. Install on the root
 * instance before the routes: it replaces the JSON body parser with one that keeps the raw bytes
 * the fingerprint is taken over.
 */
export function installIdempotency(app: FastifyInstance, { store, sweepEveryMs = 10 * 60_000 }: IdempotencyOptions): void {
  const rawBodies = new WeakMap<FastifyRequest, string>();
  const claims = new WeakMap<FastifyRequest, Claim>();

  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // JSON bodies of every type the routes take (usage events also come as a CloudEvents batch).
  for (const type of JSON_BODY_TYPES) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (request, body, done) => {
      const refusal = bodyTypeRefusal(request, type);
      if (refusal) {
        done(refusal, undefined);
        return;
      }
      rawBodies.set(request, body as string);
      parseJson(request, body as string, done);
    });
  }

  // preHandler runs after schema validation: a request that failed it never claims its key.
  app.addHook('preHandler', async (request, reply) => {
    const { idempotent } = request.routeOptions.config;
    const takesKey = IDEMPOTENT_METHODS.has(request.method) ? idempotent !== false : request.method === 'PUT' && idempotent === true;
    if (!takesKey) return;
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return;
    const problem = idempotencyKeyProblem(header);
    if (problem !== undefined || typeof header !== 'string') {
      const { status, body } = invalidArgument([{ field: 'Idempotency-Key', message: problem ?? 'must be sent once' }]);
      return reply.code(status).send(body);
    }
    const fingerprint = createHash('sha256')
      .update(`${request.method}\n${request.url}\n`)
      .update(rawBodies.get(request) ?? '')
      .digest('hex');
    // Scoped to the API key: another client's use of the same Idempotency-Key is not this one's.
    const key: ScopedKey = { apiKeyId: request.caller?.keyId ?? '', key: header };
    const outcome = await store.claim(key, fingerprint).catch((error: unknown) => {
      request.log.error({ err: error }, 'idempotency store unreachable');
      throw new ConnectError('idempotency store unavailable', Code.Unavailable);
    });
    switch (outcome.kind) {
      case 'claimed':
        claims.set(request, { key, fingerprint });
        return;
      case 'replay': {
        reply.code(outcome.response.status).header(REPLAYED_HEADER, 'true');
        if (outcome.response.contentType !== undefined) reply.header('content-type', outcome.response.contentType);
        return reply.send(outcome.response.body);
      }
      case 'mismatch':
        return sendError(reply, 422, Code.InvalidArgument, `Idempotency-Key ${JSON.stringify(header)} was used with a different request`);
      case 'in_flight':
        reply.header('retry-after', '1');
        return sendError(reply, 409, Code.Aborted, `the first request with Idempotency-Key ${JSON.stringify(header)} is still in progress; retry later`);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = claims.get(request);
    if (claim === undefined) return payload;
    claims.delete(request);
    try {
      const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
      const code = reply.statusCode >= 400 ? errorCodeOf(body) : undefined;
      if (!isReplayable(payload) || verdictFor(reply.statusCode, code) === 'release') {
        await store.release(claim.key, claim.fingerprint);
      } else {
        const contentType = reply.getHeader('content-type');
        await store.complete(claim.key, claim.fingerprint, {
          status: reply.statusCode,
          contentType: contentType === undefined ? undefined : String(contentType),
          body,
        });
      }
    } catch (error) {
      // The effect has happened; the client still gets its answer. The claim stays IN_FLIGHT until
      // its lease ends, then a retry with the key takes it over and runs again.
      request.log.error({ err: error, idempotencyKey: claim.key.key }, 'could not record the idempotent response');
    }
    return payload;
  });

  const sweeper = setInterval(() => {
    store.sweep().then(
      (deleted) => deleted > 0 && app.log.debug({ deleted }, 'expired idempotency records deleted'),
      (error: unknown) => app.log.warn({ err: error }, 'idempotency sweep failed'),
    );
  }, sweepEveryMs);
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));
}

function sendError(reply: FastifyReply, status: number, code: Code, message: string) {
  return reply.code(status).send(errorResponseFor(code, message).body);
}

// Bodies are JSON text here; a stream could not be stored and sent again.
function isReplayable(payload: unknown): boolean {
  return payload === null || payload === undefined || typeof payload === 'string' || Buffer.isBuffer(payload);
}
