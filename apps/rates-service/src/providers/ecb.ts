import { fetchText } from './fetch-text.ts';
import { parseEcbXml, type EcbDay } from './ecb-xml.ts';
import { RateProviderUnavailableError, RatesNotPublishedError, type RateProvider, type RateSnapshot } from './port.ts';
import { daysBetween, requestedDay, requestedDayKey } from './requested-day.ts';

export const ECB_DEFAULT_BASE_URL = 'https://www.ecb.europa.eu/stats/eurofxref';

export interface EcbOptions {
  baseUrl?: string;
  timeoutMs: number;
  now?: () => Date;
}

const NAME = 'ecb';
/** The 90-day file is much smaller than the full history; ask it for days well inside its span. */
const NINETY_DAY_FILE_REACH = 85;

/**
 * The European Central Bank's euro foreign exchange reference rates (EUR base, one set per
 * business day). Now: eurofxref-daily.xml. An earlier `at`: the latest business day on or
 * before its UTC day, from eurofxref-hist-90d.xml when recent, else eurofxref-hist.xml.
 */
export function ecbProvider(options: EcbOptions): RateProvider {
  const baseUrl = (options.baseUrl ?? ECB_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const now = options.now ?? (() => new Date());

  async function download(file: string): Promise<EcbDay[]> {
    const url = `${baseUrl}/${file}`;
    const { status, text } = await fetchText(url, { provider: NAME, timeoutMs: options.timeoutMs, shownUrl: url });
    if (status !== 200) throw new RateProviderUnavailableError(`${NAME}: HTTP ${status} from ${url}`);
    try {
      return parseEcbXml(text);
    } catch (error) {
      throw new RateProviderUnavailableError(`${NAME}: unusable payload: ${(error as Error).message} from ${url}`);
    }
  }

  return {
    name: NAME,
    snapshotKey: (at) => requestedDayKey(requestedDay(at, now())),
    async snapshot(at) {
      const today = now();
      const requested = requestedDay(at, today);
      if (requested.kind === 'latest') return toSnapshot(newest(await download('eurofxref-daily.xml')));
      const recent = daysBetween(requested.day, today.toISOString().slice(0, 10)) <= NINETY_DAY_FILE_REACH;
      if (recent) {
        const days = await download('eurofxref-hist-90d.xml');
        // Only trust the short file when it reaches back to the day asked for.
        if (days.at(-1)!.day <= requested.day) return toSnapshot(onOrBefore(days, requested.day));
      }
      return toSnapshot(onOrBefore(await download('eurofxref-hist.xml'), requested.day));
    },
  };
}

function newest(days: EcbDay[]): EcbDay {
  return days[0]!;
}

/** Days are newest first: the first one not after `day` is the rate in force on it. */
function onOrBefore(days: EcbDay[], day: string): EcbDay {
  const found = days.find((candidate) => candidate.day <= day);
  if (found === undefined) throw new RatesNotPublishedError(`${NAME} publishes no rates on or before ${day}`);
  return found;
}

function toSnapshot(day: EcbDay): RateSnapshot {
  return {
    base: 'EUR',
    asOf: publicationTime(day.day),
    source: `${NAME}: euro foreign exchange reference rates of ${day.day}`,
    rates: day.rates,
  };
}

/**
 * The ECB publishes each day's rates at about 16:00 Central European Time; that moment, in
 * winter or summer time, is the snapshot's as-of.
 */
export function publicationTime(day: string): Date {
  const noonUtc = new Date(`${day}T12:00:00Z`);
  const offset = new Intl.DateTimeFormat('en', { timeZone: 'Europe/Berlin', timeZoneName: 'longOffset' })
    .formatToParts(noonUtc)
    .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT+01:00';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(offset);
  const minutes = match === null ? 60 : (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  return new Date(Date.parse(`${day}T16:00:00Z`) - minutes * 60_000);
}
