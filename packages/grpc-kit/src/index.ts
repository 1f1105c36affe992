export { createGrpcServer, serve, type GrpcServer, type GrpcServerOptions, type ServedService, type ServeOptions } from './server.ts';
export { healthService, type HealthCheck, type HealthOptions, type HealthService } from './health.ts';
export { reflectionServices, createReflectionAnswerer } from './reflection.ts';
export { requestIdKey, requestIdOf, forwardRequestId } from './request-id.ts';
export { serverInterceptor, type ServerInterceptorOptions } from './server-interceptor.ts';
export { traceClientCalls } from './tracing.ts';
export {
  connectToService, createGrpcClient, withRequestId, withPrincipal, type GrpcClientOptions, type ServiceConnection, type ServiceConnectionOptions,
} from './client.ts';
export { balancedTransport, parseTarget, type BalancedTransport, type BalancerOptions, type BackendTransportFactory } from './balancer.ts';
export { classifyUpstreamFailure, isUpstreamUnavailable, upstreamFailureInterceptor } from './upstream-failure.ts';
export { INTERNAL_ERROR_MESSAGE, classifyFailure, describeError, type ErrorMapper, type MappedError, type CallFailure } from './errors.ts';
export type { GrpcLogger } from './logger.ts';
export {
  SERVICE_TOKEN_HEADER, PRINCIPAL_KEY_HEADER, PRINCIPAL_CUSTOMER_HEADER, SERVICE_PRINCIPAL, CUSTOMER_FIELDS,
  principalKey, principalOf, principalHeaders, serviceAccessInterceptor, attachServiceCredential,
  type Principal, type ServiceAccessOptions,
} from './service-access.ts';
export {
  DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_CURSOR_LENGTH, badCursor, countPosition, decodeCursor, encodeCursor, keysetPosition, pageLimit, pageOf, positionParts,
} from './pages.ts';
