export { createGrpcServer, serve, type GrpcServer, type GrpcServerOptions, type ServedService } from './server.ts';
export { healthService, type HealthCheck, type HealthOptions, type HealthService } from './health.ts';
export { reflectionServices, createReflectionAnswerer } from './reflection.ts';
export { requestIdKey, requestIdOf, forwardRequestId } from './request-id.ts';
export { serverInterceptor, type ServerInterceptorOptions } from './server-interceptor.ts';
export {
  connectToService, createGrpcClient, withRequestId, type GrpcClientOptions, type ServiceConnection, type ServiceConnectionOptions,
} from './client.ts';
export { classifyUpstreamFailure, isUpstreamUnavailable, upstreamFailureInterceptor } from './upstream-failure.ts';
export { INTERNAL_ERROR_MESSAGE, classifyFailure, describeError, type ErrorMapper, type MappedError, type CallFailure } from './errors.ts';
export type { GrpcLogger } from './logger.ts';
