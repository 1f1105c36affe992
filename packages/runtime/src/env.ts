/**
 * Configuration is read from the environment once per app, validated at start-up, and every
 * problem is reported with the variable's name. Each app's env module is the only reader of
 * `process.env`.
 */
export class EnvError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'EnvError';
    this.problems = problems;
  }
}

type Source = Record<string, string | undefined>;
type Reader<T> = (name: string, raw: string | undefined) => T;

class Invalid extends Error {}

export function text(fallback?: string): Reader<string> {
  return (name, raw) => {
    const value = raw === undefined || raw === '' ? fallback : raw;
    if (value === undefined) throw new Invalid(`${name} is required`);
    return value;
  };
}

export function optionalText(): Reader<string | undefined> {
  return (_name, raw) => (raw === undefined || raw === '' ? undefined : raw);
}

export function integer(fallback: number, min: number, max: number): Reader<number> {
  return (name, raw) => {
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw)) throw new Invalid(`${name} must be a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new Invalid(`${name} must be between ${min} and ${max}, got ${raw}`);
    return value;
  };
}

export function port(fallback: number): Reader<number> {
  return integer(fallback, 0, 65_535);
}

export function oneOf<const T extends string>(values: readonly T[], fallback: T): Reader<T> {
  return (name, raw) => {
    if (raw === undefined || raw === '') return fallback;
    if (!(values as readonly string[]).includes(raw)) {
      throw new Invalid(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  };
}

/**
 * A variable whose text a domain parser reads (a list of units, of currencies). What the parser
 * throws is the variable's problem, reported with its name; its own message says which entry is
 * wrong and why. Unset or empty means `fallback`.
 */
export function parsed<T>(fallback: string, parse: (value: string) => T): Reader<T> {
  return (name, raw) => {
    const value = raw === undefined || raw === '' ? fallback : raw;
    try {
      return parse(value);
    } catch (error) {
      throw new Invalid(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function parseDuration(value: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  return match ? Number(match[1]) * (DURATION_UNITS[match[2] as string] as number) : undefined;
}

/**
 * Durations as `500ms`, `30s`, `15m`, `2h`, `1d`, between `min` and `max` (written the same
 * way); returns milliseconds. Every duration has bounds: a deadline of 0 or a wait longer than
 * a timer can hold (about 24 days) is a mistake to refuse at start-up, not to meet at run time.
 */
export function duration(fallback: string, min: string, max: string): Reader<number> {
  const [low, high] = [parseDuration(min), parseDuration(max)];
  if (low === undefined || high === undefined || low > high) throw new Error(`bad duration bounds ${min}..${max}`);
  return (name, raw) => {
    const value = raw === undefined || raw === '' ? fallback : raw;
    const ms = parseDuration(value);
    if (ms === undefined) throw new Invalid(`${name} must be a duration like 30s, 15m or 2h, got "${value}"`);
    if (ms < low || ms > high) throw new Invalid(`${name} must be between ${min} and ${max}, got ${value}`);
    return ms;
  };
}

/** Reads every variable of `spec`, collecting all problems before failing. */
export function readEnv<S extends Record<string, Reader<unknown>>>(
  spec: S,
  source: Source = process.env,
): { [K in keyof S]: ReturnType<S[K]> } {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, read] of Object.entries(spec)) {
    try {
      result[name] = read(name, source[name]);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new EnvError(problems);
  return result as { [K in keyof S]: ReturnType<S[K]> };
}
