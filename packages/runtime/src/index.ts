export { createLogger, type Logger } from './logger.ts';
export { EnvError, readEnv, port, text, optionalText, integer, oneOf, duration, parsed } from './env.ts';
export { LOG_LEVELS, logLevel, databaseVariables, temporalVariables, unitVariables, billCurrencyVariables, type LogLevel } from './variables.ts';
export { REQUEST_ID_HEADER, newRequestId, isAcceptableRequestId, requestIdFrom } from './request-id.ts';
export { runApp, type AppDefinition, type RunningApp } from './run-app.ts';
