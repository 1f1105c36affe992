/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests that scrape
 * `/metrics`: every line must be a `# HELP`, a `# TYPE` or a sample of a declared family, every
 * name and label must be well formed, and every value a number. Anything else throws with the line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  /** Declared families and their types (`counter`, `gauge`, `histogram`, `summary`, `untyped`). */
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, readonly string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };

/**
 * Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case; prom-client
 * writes an unset gauge as `Nan`, so this reader accepts what Prometheus accepts.
 */
function number(raw: string, line: string): number {
  const special = raw.toLowerCase();
  if (special === '+inf' || special === 'inf') return Infinity;
  if (special === '-inf') return -Infinity;
  if (special === 'nan') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`not a number "${raw}" in: ${line}`);
  return Number(raw);
}

/** Reads `{a="x",b="y"}` from `text` at `start` (the `{`); returns the labels and where they end. */
function labelsAt(text: string, start: number, line: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let at = start + 1;
  while (text[at] !== '}') {
    const eq = text.indexOf('=', at);
    const name = text.slice(at, eq);
    if (eq < 0 || !LABEL.test(name) || text[eq + 1] !== '"') throw new Error(`bad label in: ${line}`);
    let value = '';
    at = eq + 2;
    for (;;) {
      const char = text[at];
      if (char === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (char === '"') break;
      if (char === '\\') {
        const escaped = text[at + 1];
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else throw new Error(`bad escape in: ${line}`);
        at += 2;
      } else {
        value += char;
        at += 1;
      }
    }
    if (name in labels) throw new Error(`label ${name} repeated in: ${line}`);
    labels[name] = value;
    at += 1;
    if (text[at] === ',') at += 1;
    else if (text[at] !== '}') throw new Error(`expected , or } in: ${line}`);
  }
  return { labels, end: at + 1 };
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const [family, type] of types) {
    if ((SUFFIXES[type] ?? []).some((suffix) => name === family + suffix)) return family;
  }
  return undefined;
}

export function parsePrometheusText(text: string): Scrape {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) continue; // Any other comment is allowed and carries nothing.
      const [, kind, name, rest] = match as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`unknown type in: ${line}`);
        if (types.has(name)) throw new Error(`family ${name} declared twice`);
        types.set(name, rest);
      }
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    const name = nameEnd < 0 ? line : line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
    if (familyOf(name, types) === undefined) throw new Error(`sample of an undeclared family: ${line}`);
    let labels: Record<string, string> = {};
    let rest = line.slice(name.length);
    if (rest.startsWith('{')) {
      const read = labelsAt(line, name.length, line);
      labels = read.labels;
      rest = line.slice(read.end);
    }
    const fields = rest.trim().split(' ');
    if (!rest.startsWith(' ') || fields.length < 1 || fields.length > 2) throw new Error(`bad sample: ${line}`);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new Error(`bad timestamp in: ${line}`);
    samples.push({ name, labels, value: number(fields[0] as string, line) });
  }
  return { types, samples };
}

/** The sum of the samples named `name` whose labels include `labels` (0 when none matches). */
export function sampleSum(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return scrape.samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** Fetches and parses one `/metrics` endpoint, insisting on a 200 and the text format's content type. */
export async function scrapeMetrics(url: string): Promise<Scrape> {
  const response = await fetch(url);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${body.slice(0, 200)}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain') || !type.includes('version=0.0.4')) throw new Error(`${url} is not Prometheus text: ${type}`);
  return parsePrometheusText(body);
}
