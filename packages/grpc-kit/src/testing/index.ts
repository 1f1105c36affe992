// Test-only helpers, kept out of the main entry so production code cannot reach them by accident.
export { recordingLogger, type LogLine } from './recording-logger.ts';
export { failureOf } from './connect-error.ts';
