// Locale formatting of the view model's figures and dates, shared by the HTML and PDF forms.
// Intl.NumberFormat formats decimal strings exactly (no float conversion), so amounts stay
// strings from the database to the page.
import { currency as currencyOf } from '@billing/money';
import { documentFonts } from './fonts.ts';
import type { DocumentLocale } from './model.ts';

const numberFormats = new Map<string, Intl.NumberFormat>();

function cached(key: string, make: () => Intl.NumberFormat): Intl.NumberFormat {
  let format = numberFormats.get(key);
  if (format === undefined) {
    format = make();
    numberFormats.set(key, format);
  }
  return format;
}

/**
 * Whether the document font has a glyph for every character of `text`. The currency display
 * falls back to the ISO code for the rare symbol the font lacks, so no page ever shows a
 * missing-glyph box.
 */
export function fontCovers(text: string): boolean {
  const font = documentFonts().regular;
  for (const char of text) {
    const codePoint = char.codePointAt(0) as number;
    let covered = coveredCodePoints.get(codePoint);
    if (covered === undefined) {
      covered = font.hasGlyphForCodePoint(codePoint);
      coveredCodePoints.set(codePoint, covered);
    }
    if (!covered) return false;
  }
  return true;
}

const coveredCodePoints = new Map<number, boolean>();

/**
 * Figures already written, per locale and currency: the same prices and quantities come back on
 * line after line and bill after bill, and the HTML and the PDF print each one. Emptied when full.
 */
const written = new Map<string, string>();
const WRITTEN_LIMIT = 10_000;

function remember(key: string, text: string): string {
  if (written.size >= WRITTEN_LIMIT) written.clear();
  written.set(key, text);
  return text;
}

/** Formats `amount` (a decimal string in major units) in `code` for `locale`, with the currency's exact decimals. */
export function formatMoney(amount: string, code: string, locale: DocumentLocale): string {
  const key = `${locale}:${code}:${amount}`;
  return written.get(key) ?? remember(key, writeMoney(amount, code, locale));
}

function writeMoney(amount: string, code: string, locale: DocumentLocale): string {
  const decimals = currencyOf(code).exponent;
  const symbol = cached(`${locale}:${code}:symbol`, () => new Intl.NumberFormat(locale, {
    style: 'currency', currency: code, currencyDisplay: 'symbol', minimumFractionDigits: decimals, maximumFractionDigits: decimals,
  }));
  const text = symbol.format(amount as Intl.StringNumericLiteral);
  if (fontCovers(text)) return text;
  return cached(`${locale}:${code}:code`, () => new Intl.NumberFormat(locale, {
    style: 'currency', currency: code, currencyDisplay: 'code', minimumFractionDigits: decimals, maximumFractionDigits: decimals,
  })).format(amount as Intl.StringNumericLiteral);
}

/** A decimal (a quantity, a rate) with all of its given digits. */
export function formatDecimal(value: string, locale: DocumentLocale): string {
  const key = `${locale}::${value}`;
  return written.get(key) ?? remember(key, writeDecimal(value, locale));
}

function writeDecimal(value: string, locale: DocumentLocale): string {
  const decimals = value.includes('.') ? value.split('.')[1]?.length ?? 0 : 0;
  return cached(`${locale}:decimal:${decimals}`, () => new Intl.NumberFormat(locale, {
    minimumFractionDigits: decimals, maximumFractionDigits: Math.max(decimals, 0),
  })).format(value as Intl.StringNumericLiteral);
}

const dateFormats = new Map<DocumentLocale, Intl.DateTimeFormat>();

/** A local date (YYYY-MM-DD) written the locale's way, e.g. 1 December 2026, 1. Dezember 2026. */
export function formatDate(date: string, locale: DocumentLocale): string {
  let format = dateFormats.get(locale);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
    dateFormats.set(locale, format);
  }
  return format.format(new Date(`${date}T00:00:00Z`));
}
