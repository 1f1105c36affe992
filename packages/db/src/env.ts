import { readEnv, text } from '@billing/runtime';

export function loadMigrateEnv() {
  return readEnv({ DATABASE_URL: text() });
}
