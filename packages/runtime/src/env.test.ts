import { describe, expect, it } from 'vitest';
import { EnvError, duration, integer, oneOf, port, readEnv, text } from './env.ts';

describe('readEnv', () => {
  it('applies defaults when variables are unset', () => {
    const env = readEnv({ PORT: port(3000), MODE: oneOf(['a', 'b'], 'a'), TTL: duration('5m', '1s', '1h') }, {});
    expect(env).toEqual({ PORT: 3000, MODE: 'a', TTL: 300_000 });
  });

  it('reports every bad variable by name at once', () => {
    const read = () => readEnv(
      { PORT: port(3000), URL: text(), TTL: duration('1s', '0s', '1h') },
      { PORT: 'http', TTL: '3 weeks' },
    );
    expect(read).toThrow(EnvError);
    try {
      read();
    } catch (error) {
      const problems = (error as EnvError).problems.join('\n');
      expect(problems).toContain('PORT must be a whole number');
      expect(problems).toContain('URL is required');
      expect(problems).toContain('TTL must be a duration');
    }
  });

  it('rejects a port out of range', () => {
    expect(() => readEnv({ PORT: port(1) }, { PORT: '70000' })).toThrow(/PORT must be between 0 and 65535/);
  });

  it.each(['0', '101', '-1', '1e3', '10.5', ' 10', '99999999999999999999'])('keeps an integer within its bounds: refuses %j', (raw) => {
    expect(() => readEnv({ POOL: integer(10, 1, 100) }, { POOL: raw })).toThrow(/^invalid configuration:\n {2}POOL must be/);
  });

  it('accepts an integer at either bound', () => {
    expect(readEnv({ A: integer(10, 1, 100), B: integer(10, 1, 100) }, { A: '1', B: '100' })).toEqual({ A: 1, B: 100 });
  });

  it('keeps a duration within its bounds, both written as durations', () => {
    const spec = { WAIT: duration('10s', '100ms', '5m') };
    expect(readEnv(spec, { WAIT: '100ms' }).WAIT).toBe(100);
    expect(readEnv(spec, { WAIT: '5m' }).WAIT).toBe(300_000);
    expect(() => readEnv(spec, { WAIT: '0s' })).toThrow('WAIT must be between 100ms and 5m, got 0s');
    expect(() => readEnv(spec, { WAIT: '30d' })).toThrow('WAIT must be between 100ms and 5m, got 30d');
    expect(() => readEnv(spec, { WAIT: '-1s' })).toThrow('WAIT must be a duration like 30s, 15m or 2h, got "-1s"');
  });

  it('refuses to define a duration whose bounds are not durations or are reversed', () => {
    expect(() => duration('1s', '1 second', '1h')).toThrow();
    expect(() => duration('1s', '1h', '1s')).toThrow();
  });
});
