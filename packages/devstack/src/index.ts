export { startPostgres, type PostgresHandle, type PostgresOptions } from './postgres.ts';
export { startTemporal, type TemporalHandle, type TemporalOptions, SEARCH_ATTRIBUTES } from './temporal.ts';
export { startStack, newAdminApiKey, type AppName, type MetricsSource, type Stack, type StackOptions } from './stack.ts';
export { startReplicaStack, type Replica, type ReplicaStack, type ReplicaStackOptions } from './replicas.ts';
export { haproxyConfig, startHaproxy, type Haproxy, type HaproxyOptions } from './haproxy.ts';
export { freePort, isListening } from './ports.ts';
export { imageNodeFlags, repoRoot, toolPath } from './paths.ts';
export { grpcurl, type GrpcurlOptions, type GrpcurlResult } from './grpcurl.ts';
