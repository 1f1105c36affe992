import { createHash, timingSafeEqual } from 'node:crypto';
import { Code, ConnectError, createContextKey, type HandlerContext, type Interceptor } from '@connectrpc/connect';

// Who may call a service, decided in one place for every server: the caller must hold the
// service credential (a shared secret sent as metadata), and a call made on behalf of a
// customer-scoped API key may only name that customer. The gateway checks the same scope first;
// this second check means a bug in one gateway route cannot reach another customer's data.

/** Metadata carrying the service credential. Never logged. */
export const SERVICE_TOKEN_HEADER = 'x-billing-service-token';
/** Metadata naming the API key a call is made for (the gateway sets it). */
export const PRINCIPAL_KEY_HEADER = 'x-billing-key-id';
/** Metadata naming the one customer that key is bound to; absent for a platform key. */
export const PRINCIPAL_CUSTOMER_HEADER = 'x-billing-customer-id';

/** On whose behalf a call is made. `customerId` null: a platform key, or a service acting for itself. */
export interface Principal {
  keyId: string;
  customerId: string | null;
}

/** A service calling for itself (the worker, bill-service asking rates-service): not customer-scoped. */
export const SERVICE_PRINCIPAL: Principal = { keyId: 'service', customerId: null };

/** Where the access interceptor leaves the caller's principal for handlers. */
export const principalKey = createContextKey<Principal>(SERVICE_PRINCIPAL, { description: 'principal' });

/** The principal of the call being handled. */
export function principalOf(context: HandlerContext): Principal {
  return context.values.get(principalKey);
}

/** Request fields that name a customer; a scoped principal may only name its own. */
export const CUSTOMER_FIELDS = ['customerId', 'fromCustomerId'] as const;

export interface ServiceAccessOptions {
  credential: string;
  /** Services anyone holding the credential may call (grpc.health.v1, reflection). */
  openServices: ReadonlySet<string>;
  /**
   * Fully qualified methods (`rates.v1.RatesService/GetRate`) or whole services
   * (`rates.v1.RatesService`) whose requests name no customer, so any principal may call them.
   */
  customerFree: ReadonlySet<string>;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time: equal-length digests, so neither the length nor a prefix of the secret leaks by timing. */
export function credentialMatches(presented: string | null, expected: Buffer): boolean {
  return presented !== null && timingSafeEqual(digest(presented), expected);
}

/** Which customer fields of a request name someone other than `customerId`. */
function foreignCustomerFields(message: unknown, customerId: string): string[] | 'none' {
  const fields = message as Record<string, unknown>;
  const named = CUSTOMER_FIELDS.filter((field) => typeof fields[field] === 'string' && fields[field] !== '');
  if (named.length === 0) return 'none';
  return named.filter((field) => fields[field] !== customerId);
}

function checkScope(message: unknown, principal: Principal, customerFree: boolean): void {
  if (principal.customerId === null || customerFree) return;
  const foreign = foreignCustomerFields(message, principal.customerId);
  if (foreign === 'none') {
    throw new ConnectError('this call names no customer, and the caller is bound to one', Code.PermissionDenied);
  }
  if (foreign.length > 0) {
    throw new ConnectError(`the caller is bound to another customer than ${foreign.join(' and ')} names`, Code.PermissionDenied);
  }
}

/**
 * The server side: business calls without the credential are `unauthenticated`; calls whose
 * principal is bound to a customer and whose request names another one (or none, for a method
 * not declared customer-free) are `permission_denied`. Health and reflection stay open so probes
 * and `grpcurl list` work without a secret.
 */
export function serviceAccessInterceptor({ credential, openServices, customerFree }: ServiceAccessOptions): Interceptor {
  const expected = digest(credential);
  return (next) => async (req) => {
    if (openServices.has(req.service.typeName)) return next(req);
    if (!credentialMatches(req.header.get(SERVICE_TOKEN_HEADER), expected)) {
      throw new ConnectError('missing or wrong service credential', Code.Unauthenticated);
    }
    const keyId = req.header.get(PRINCIPAL_KEY_HEADER);
    const customerId = req.header.get(PRINCIPAL_CUSTOMER_HEADER);
    const principal: Principal = keyId ? { keyId, customerId: customerId || null } : SERVICE_PRINCIPAL;
    req.contextValues.set(principalKey, principal);
    const free = customerFree.has(req.service.typeName) || customerFree.has(`${req.service.typeName}/${req.method.name}`);
    if (!req.stream) {
      checkScope(req.message, principal, free);
      return next(req);
    }
    // A streamed request is checked message by message as the handler reads it.
    const messages = req.message;
    return next({
      ...req,
      message: (async function* () {
        for await (const message of messages) {
          checkScope(message, principal, free);
          yield message;
        }
      })(),
    });
  };
}

/** Client side: every call carries the credential. */
export function attachServiceCredential(credential: string): Interceptor {
  return (next) => (req) => {
    req.header.set(SERVICE_TOKEN_HEADER, credential);
    return next(req);
  };
}

/** The metadata that tells a service on whose behalf a call is made. */
export function principalHeaders(principal: Principal): Record<string, string> {
  return principal.customerId === null
    ? { [PRINCIPAL_KEY_HEADER]: principal.keyId }
    : { [PRINCIPAL_KEY_HEADER]: principal.keyId, [PRINCIPAL_CUSTOMER_HEADER]: principal.customerId };
}
