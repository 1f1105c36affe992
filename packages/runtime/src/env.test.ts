import { describe, expect, it } from 'vitest';
import { EnvError, duration, oneOf, port, readEnv, text } from './env.ts';

describe('readEnv', () => {
  it('applies defaults when variables are unset', () => {
    const env = readEnv({ PORT: port(3000), MODE: oneOf(['a', 'b'], 'a'), TTL: duration('5m') }, {});
    expect(env).toEqual({ PORT: 3000, MODE: 'a', TTL: 300_000 });
  });

  it('reports every bad variable by name at once', () => {
    const read = () => readEnv({ PORT: port(3000), URL: text(), TTL: duration('1s') }, { PORT: 'http', TTL: '3 weeks' });
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
});
