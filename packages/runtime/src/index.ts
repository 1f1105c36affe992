export { createLogger, type Logger } from './logger.ts';
export { EnvError, readEnv, port, text, optionalText, integer, oneOf, duration } from './env.ts';
export { REQUEST_ID_HEADER, newRequestId } from './request-id.ts';
export { onShutdown } from './shutdown.ts';
