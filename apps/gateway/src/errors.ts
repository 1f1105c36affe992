import { Code, ConnectError } from '@connectrpc/connect';
import type { FastifyError, FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { describeValidationErrors, type FieldProblem } from './validation.ts';

/** Every code an error may carry: the Connect code names, each once (see MAPPINGS). */
const CODE_NAMES = [
  'canceled', 'unknown', 'invalid_argument', 'deadline_exceeded', 'not_found', 'already_exists', 'permission_denied',
  'resource_exhausted', 'failed_precondition', 'aborted', 'out_of_range', 'unimplemented', 'internal', 'unavailable',
  'data_loss', 'unauthenticated',
] as const;
type CodeName = (typeof CODE_NAMES)[number];

/**
 * The one place where failures become HTTP responses. Every error the gateway sends has the
 * body `{ code, message, details }`, `code` being the Connect code name.
 */
export const ErrorBody = Type.Object(
  {
    code: Type.Enum(CODE_NAMES, { description: 'Connect code name, e.g. invalid_argument, not_found, unavailable' }),
    message: Type.String({ description: 'Human-readable; for 5xx a fixed text that reveals nothing internal' }),
    details: Type.Array(
      Type.Object({
        field: Type.Optional(Type.String({ description: 'The request field at fault, e.g. "amount" or "items[0].currency"' })),
        message: Type.String(),
      }),
    ),
  },
  { $id: 'ErrorBody', description: 'Every error response has this shape' },
);
export type ErrorBody = Static<typeof ErrorBody>;

interface Mapping {
  name: CodeName;
  status: number;
  /** Sent instead of the original message: set for every 5xx, whose text may hold internals. */
  publicMessage?: string;
}

// failed_precondition and aborted are 409 (the REST contract), where Connect's own HTTP mapping
// says 400. canceled is 499 (nginx's "client closed request", as Connect uses): the caller has
// usually gone; its message is fixed because a service may have cancelled for internal reasons.
const MAPPINGS: Record<Code, Mapping> = {
  [Code.Canceled]: { name: 'canceled', status: 499, publicMessage: 'request canceled' },
  [Code.Unknown]: { name: 'unknown', status: 500, publicMessage: 'internal error' },
  [Code.InvalidArgument]: { name: 'invalid_argument', status: 400 },
  [Code.DeadlineExceeded]: { name: 'deadline_exceeded', status: 504, publicMessage: 'deadline exceeded' },
  [Code.NotFound]: { name: 'not_found', status: 404 },
  [Code.AlreadyExists]: { name: 'already_exists', status: 409 },
  [Code.PermissionDenied]: { name: 'permission_denied', status: 403 },
  [Code.ResourceExhausted]: { name: 'resource_exhausted', status: 429 },
  [Code.FailedPrecondition]: { name: 'failed_precondition', status: 409 },
  [Code.Aborted]: { name: 'aborted', status: 409 },
  [Code.OutOfRange]: { name: 'out_of_range', status: 400 },
  [Code.Unimplemented]: { name: 'unimplemented', status: 501, publicMessage: 'not implemented' },
  [Code.Internal]: { name: 'internal', status: 500, publicMessage: 'internal error' },
  [Code.Unavailable]: { name: 'unavailable', status: 503, publicMessage: 'service unavailable' },
  [Code.DataLoss]: { name: 'data_loss', status: 500, publicMessage: 'internal error' },
  [Code.Unauthenticated]: { name: 'unauthenticated', status: 401 },
};

export function httpMappingOf(code: Code): { name: CodeName; status: number } {
  const { name, status } = MAPPINGS[code];
  return { name, status };
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
}

/** The response for a Connect code; 5xx codes always get their fixed, generic message. */
export function errorResponseFor(code: Code, message: string, details: FieldProblem[] = []): ErrorResponse {
  const mapping = MAPPINGS[code];
  return {
    status: mapping.status,
    body: { code: mapping.name, message: mapping.publicMessage ?? message, details: mapping.publicMessage ? [] : details },
  };
}

export function invalidArgument(problems: FieldProblem[]): ErrorResponse {
  const message = problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
  return errorResponseFor(Code.InvalidArgument, message, problems);
}

// Fastify's own 4xx errors (malformed JSON, body too large, bad media type) keep their status.
const CODE_FOR_CLIENT_STATUS: Record<number, Code> = {
  401: Code.Unauthenticated,
  403: Code.PermissionDenied,
  404: Code.NotFound,
  409: Code.Aborted,
  429: Code.ResourceExhausted,
};

/** Any thrown value → the response a client sees. */
export function toErrorResponse(error: unknown): ErrorResponse {
  const fastifyError = error as Partial<FastifyError>;
  if (Array.isArray(fastifyError.validation)) {
    return invalidArgument(describeValidationErrors(fastifyError.validation, fastifyError.validationContext));
  }
  if (error instanceof ConnectError) return errorResponseFor(error.code, error.rawMessage);
  const status = fastifyError.statusCode;
  if (typeof fastifyError.code === 'string' && fastifyError.code.startsWith('FST_') && status !== undefined && status >= 400 && status < 500) {
    const code = CODE_FOR_CLIENT_STATUS[status] ?? Code.InvalidArgument;
    return { status, body: { code: MAPPINGS[code].name, message: fastifyError.message ?? 'bad request', details: [] } };
  }
  return errorResponseFor(Code.Internal, 'internal error');
}

const RETRY_AFTER_SECONDS = '1';

/** The chain of causes under an error, e.g. a ConnectError over the Node error `read ECONNRESET`. */
function causeOf(error: unknown): Array<{ code?: string; message: string }> | undefined {
  const chain: Array<{ code?: string; message: string }> = [];
  for (let cause = error instanceof Error ? error.cause : undefined; cause instanceof Error && chain.length < 5; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    chain.push({ ...(typeof code === 'string' ? { code } : {}), message: cause.message });
  }
  return chain.length > 0 ? chain : undefined;
}

/** Installs the error and not-found handlers on the root instance (apply before routes). */
export function installErrorHandling(app: FastifyInstance): void {
  app.addSchema(ErrorBody);
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorResponse(error);
    // The details a 5xx hides from the client go to the log, tied to the request id; for an
    // upstream that could not be reached that is the transport's own error (the cause).
    if (status >= 500) request.log.error({ err: error, cause: causeOf(error), code: body.code }, 'request failed');
    else request.log.info({ code: body.code, problem: body.message }, 'request rejected');
    // Both mean "not now": the request had no known effect and may be sent again shortly.
    // A rate limit has already said exactly when (Retry-After from the key's bucket).
    if ((status === 503 || status === 429) && !reply.hasHeader('retry-after')) reply.header('retry-after', RETRY_AFTER_SECONDS);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    // The path is the client's own input: echo it, but not at any length.
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    const { body } = errorResponseFor(Code.NotFound, `no route ${request.method} ${path}`);
    return reply.code(404).send(body);
  });
}
