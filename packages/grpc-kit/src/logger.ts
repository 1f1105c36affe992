/**
 * The slice of a logger grpc-kit needs. A pino logger from `@billing/runtime` fits it; tests
 * pass a recorder instead, so they can assert on the lines without parsing stdout.
 */
export interface GrpcLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
