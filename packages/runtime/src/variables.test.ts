import { describe, expect, it } from 'vitest';
import { readEnv } from './env.ts';
import { databaseVariables, logLevel, temporalVariables } from './variables.ts';

describe('shared variables', () => {
  it('defaults LOG_LEVEL to info and accepts silent', () => {
    expect(readEnv({ LOG_LEVEL: logLevel() }, {})).toEqual({ LOG_LEVEL: 'info' });
    expect(readEnv({ LOG_LEVEL: logLevel() }, { LOG_LEVEL: 'silent' })).toEqual({ LOG_LEVEL: 'silent' });
  });

  it.each(['0', '65535', '101'])('refuses a pool of %s connections', (size) => {
    expect(() => readEnv(databaseVariables(), { DATABASE_URL: 'postgres://db/billing', DATABASE_POOL_MAX: size }))
      .toThrow(`DATABASE_POOL_MAX must be between 1 and 100, got ${size}`);
  });

  it('requires DATABASE_URL and defaults the pool to 10', () => {
    expect(() => readEnv(databaseVariables(), {})).toThrow('DATABASE_URL is required');
    expect(readEnv(databaseVariables(), { DATABASE_URL: 'postgres://db/billing' }).DATABASE_POOL_MAX).toBe(10);
  });

  it('takes the task queue default from the caller', () => {
    expect(readEnv(temporalVariables('bills-queue'), {})).toEqual({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'bills-queue',
    });
  });
});
