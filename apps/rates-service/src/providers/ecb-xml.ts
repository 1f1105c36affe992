import { isCurrency, parseRate } from '@billing/money';

/** One day of ECB reference rates: units of each currency for one euro. */
export interface EcbDay {
  /** "YYYY-MM-DD", the reference date. */
  readonly day: string;
  readonly rates: ReadonlyMap<string, string>;
}

/**
 * The ECB's eurofxref XML (daily, 90-day and full history share one shape):
 *
 *   <gesmes:Envelope ...> <gesmes:subject>...</gesmes:subject> <gesmes:Sender>...</gesmes:Sender>
 *     <Cube> <Cube time="2026-11-20"> <Cube currency="USD" rate="1.0543"/> ... </Cube> ... </Cube>
 *   </gesmes:Envelope>
 *
 * A small strict reader rather than an XML library: the outer Cube must hold only day Cubes,
 * each day only currency Cubes, nothing else but whitespace; anything unexpected (a truncated
 * file, an HTML error page, a bad rate) rejects the whole document. Codes that are not active
 * ISO 4217 currencies (the history still lists CYP, SIT ...) are left out. Days come back
 * newest first.
 */
export function parseEcbXml(text: string): EcbDay[] {
  const body = text.trim();
  if (!/^(<\?xml[^>]*\?>\s*)?<gesmes:Envelope[\s>]/.test(body)) throw new Error('not an ECB gesmes:Envelope document');
  if (!body.endsWith('</gesmes:Envelope>')) throw new Error('the document is truncated (no closing </gesmes:Envelope>)');
  const open = /<Cube>/.exec(body);
  const close = body.lastIndexOf('</Cube>');
  if (open === null || close < open.index) throw new Error('no <Cube> element holding the rates');
  const days = readDays(body.slice(open.index + open[0].length, close));
  if (days.length === 0) throw new Error('the document holds no day of rates');
  return days.sort((a, b) => (a.day < b.day ? 1 : -1));
}

// Attribute values in either quote style, as the ECB writes single quotes but XML allows both.
const TOKEN = new RegExp(
  [
    String.raw`(?<space>\s+)`,
    String.raw`<Cube\s+time=(?<q1>['"])(?<time>[^'"]*)\k<q1>\s*>`,
    String.raw`<Cube\s+currency=(?<q2>['"])(?<currency>[^'"]*)\k<q2>\s+rate=(?<q3>['"])(?<rate>[^'"]*)\k<q3>\s*/>`,
    String.raw`(?<end></Cube>)`,
  ].join('|'),
  'y',
);

function readDays(content: string): EcbDay[] {
  const days: EcbDay[] = [];
  const seen = new Set<string>();
  let current: { day: string; rates: Map<string, string> } | undefined;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < content.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(content);
    if (match === null) throw new Error(`unexpected content in <Cube>: ${JSON.stringify(content.slice(at, at + 60))}`);
    const groups = match.groups ?? {};
    if (groups.space !== undefined) continue;
    if (groups.time !== undefined) {
      if (current !== undefined) throw new Error(`day ${groups.time} starts inside day ${current.day}`);
      const day = checkedDay(groups.time);
      if (seen.has(day)) throw new Error(`day ${day} appears twice`);
      seen.add(day);
      current = { day, rates: new Map() };
    } else if (groups.currency !== undefined) {
      if (current === undefined) throw new Error(`a rate for ${groups.currency} outside any day`);
      addRate(current, groups.currency, groups.rate ?? '');
    } else {
      if (current === undefined) throw new Error('an unmatched </Cube>');
      if (current.rates.size === 0) throw new Error(`day ${current.day} has no rates`);
      days.push(current);
      current = undefined;
    }
  }
  if (current !== undefined) throw new Error(`day ${current.day} is not closed`);
  return days;
}

function checkedDay(text: string): string {
  const time = Date.parse(`${text}T00:00:00Z`);
  // Date.parse rolls 2026-02-30 over to March; the round trip catches it.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== text) {
    throw new Error(`${JSON.stringify(text)} is not a date`);
  }
  return text;
}

function addRate(day: { day: string; rates: Map<string, string> }, code: string, rate: string): void {
  if (!/^[A-Z]{3}$/.test(code)) throw new Error(`${JSON.stringify(code)} on ${day.day} is not a currency code`);
  try {
    parseRate(rate);
  } catch (error) {
    throw new Error(`the rate for ${code} on ${day.day}: ${(error as Error).message}`, { cause: error });
  }
  if (day.rates.has(code)) throw new Error(`${code} appears twice on ${day.day}`);
  if (isCurrency(code) && code !== 'EUR') day.rates.set(code, rate);
}
