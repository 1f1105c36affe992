// The generated gRPC contracts (never edited by hand: see proto/ and this package's build).
export * from './gen/rates/v1/rates_pb.js';
export * from './gen/billing/v1/money_pb.js';
export * from './gen/billing/v1/bill_pb.js';
export * from './gen/billing/v1/mandate_pb.js';
export * from './gen/billing/v1/ledger_pb.js';
export * from './gen/billing/v1/event_pb.js';
export * from './gen/billing/v1/webhook_pb.js';
export * from './gen/billing/v1/usage_pb.js';
export * from './gen/billing/v1/credit_note_pb.js';
export * as health from './gen/grpc/health/v1/health_pb.js';
export * as reflectionV1 from './gen/grpc/reflection/v1/reflection_pb.js';
export * as reflectionV1alpha from './gen/grpc/reflection/v1alpha/reflection_pb.js';
export * from './gen/billing/v1/customer_pb.js';
