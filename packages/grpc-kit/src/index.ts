export { createGrpcServer, serve, type GrpcServer, type GrpcServerOptions, type ServedService } from './server.ts';
export { healthService, type HealthCheck, type HealthOptions, type HealthService } from './health.ts';
export { reflectionServices, createReflectionAnswerer } from './reflection.ts';
export { requestIdKey, requestIdOf, requestIdInterceptor, forwardRequestId } from './request-id.ts';
export {
  connectToService, createGrpcClient, withRequestId, type GrpcClientOptions, type ServiceConnection, type ServiceConnectionOptions,
} from './client.ts';
export { classifyUpstreamFailure, isUpstreamUnavailable, upstreamFailureInterceptor } from './upstream-failure.ts';
export { toSafeConnectError, INTERNAL_ERROR_MESSAGE } from './errors.ts';
export type { GrpcLogger } from './logger.ts';
