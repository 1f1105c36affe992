// The HTML invoice of each locale, loaded in headless Chromium (Debian's chromium-headless-shell
// from tools/tools.mjs, driven by playwright-core): basic accessibility read from the live DOM, no
// request for anything outside the page, and a full-page screenshot per locale written to
// .test-results/html/ for a person to look at. One browser and one page serve every locale.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium } from '../tools/tools.mjs';
import { DOCUMENT_LOCALES, renderInvoiceDocuments, type DocumentLocale } from '../src/index.ts';
import { invoiceInLocale } from './fixtures.ts';

const ARTIFACTS = new URL('../.test-results/html/', import.meta.url).pathname;

interface PageFacts {
  lang: string;
  title: string;
  headings: Array<{ level: number; text: string }>;
  tables: Array<{
    name: string;
    headerCells: number;
    /** Header cells with neither a scope nor an id that a data cell's `headers` names. */
    unscopedHeaders: string[];
  }>;
  images: Array<{ src: string; alt: string | null }>;
}

let browser: Browser;
let page: Page;
const html = new Map<DocumentLocale, string>();
const facts = new Map<DocumentLocale, PageFacts>();
const outsideRequests: string[] = [];

// The little of the DOM that readFacts uses: this program is type-checked without the DOM library.
interface DomElement {
  id: string;
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelectorAll(selectors: string): Iterable<DomElement>;
}
interface DomDocument extends DomElement {
  documentElement: { lang: string };
  title: string;
  getElementById(id: string): DomElement | null;
  images: Iterable<DomElement & { src: string }>;
}

/** What the checks need, read in the page from the DOM Chromium built. */
function readFacts(): PageFacts {
  const dom = (globalThis as unknown as { document: DomDocument }).document;
  const text = (element: DomElement | null | undefined) => (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
  const nameOf = (table: DomElement) => {
    const labelledBy = (table.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean)
      .map((id) => text(dom.getElementById(id))).join(' ').trim();
    return labelledBy || (table.getAttribute('aria-label') ?? '').trim() || text([...table.querySelectorAll(':scope > caption')][0]);
  };
  const referenced = new Set([...dom.querySelectorAll('td[headers], th[headers]')]
    .flatMap((cell) => (cell.getAttribute('headers') ?? '').split(/\s+/)));
  return {
    lang: dom.documentElement.lang,
    title: dom.title,
    headings: [...dom.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((heading) => ({ level: Number(heading.tagName.slice(1)), text: text(heading) })),
    tables: [...dom.querySelectorAll('table')].map((table) => {
      const headers = [...table.querySelectorAll('th')];
      return {
        name: nameOf(table),
        headerCells: headers.length,
        unscopedHeaders: headers.filter((th) => !['col', 'row', 'colgroup', 'rowgroup'].includes(th.getAttribute('scope') ?? '') && !referenced.has(th.id))
          .map((th) => text(th)),
      };
    }),
    images: [...dom.images].map((image) => ({ src: image.src.slice(0, 30), alt: image.getAttribute('alt') })),
  };
}

beforeAll(async () => {
  const tools = ensureChromium();
  const [launched] = await Promise.all([
    chromium.launch({ executablePath: tools.executablePath, env: tools.env }),
    ...DOCUMENT_LOCALES.map(async (locale) => {
      const document = (await renderInvoiceDocuments(invoiceInLocale(locale))).find((candidate) => candidate.format === 'html');
      if (document === undefined) throw new Error('no HTML rendered');
      html.set(locale, document.bytes.toString('utf8'));
    }),
  ]);
  browser = launched;
  page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  page.on('request', (request) => {
    if (!request.url().startsWith('data:')) outsideRequests.push(request.url());
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const locale of DOCUMENT_LOCALES) {
    await page.setContent(html.get(locale) ?? '', { waitUntil: 'load' });
    facts.set(locale, await page.evaluate(readFacts));
    await page.screenshot({ path: join(ARTIFACTS, `invoice-${locale}.png`), fullPage: true });
  }
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

function factsOf(locale: DocumentLocale): PageFacts {
  const found = facts.get(locale);
  if (found === undefined) throw new Error(`the ${locale} page was not read`);
  return found;
}

describe('the HTML invoice in headless Chromium', () => {
  for (const locale of DOCUMENT_LOCALES) {
    describe(locale, () => {
      it('declares the locale as the document language, and has a title', () => {
        expect(factsOf(locale).lang).toBe(locale);
        expect(factsOf(locale).title).toContain('INV-2026-000042');
      });

      it('has exactly one h1, first, and no heading skips a level', () => {
        const headings = factsOf(locale).headings;
        expect(headings.filter((heading) => heading.level === 1)).toHaveLength(1);
        expect(headings[0]?.level).toBe(1);
        for (const [index, heading] of headings.entries()) {
          const previous = headings[index - 1];
          if (previous !== undefined) expect(heading.level, `"${heading.text}" follows "${previous.text}"`).toBeLessThanOrEqual(previous.level + 1);
        }
      });

      it('gives every data table scoped header cells and a name', () => {
        const tables = factsOf(locale).tables;
        expect(tables.length).toBeGreaterThan(0);
        for (const table of tables) {
          expect(table.headerCells).toBeGreaterThan(0);
          expect(table.unscopedHeaders).toEqual([]);
          expect(table.name, 'a table without a caption, aria-label or aria-labelledby').not.toBe('');
        }
      });

      it('gives every image a text alternative', () => {
        const images = factsOf(locale).images;
        // The fixture's seller has a logo, so there is an image to check.
        expect(images.length).toBeGreaterThan(0);
        for (const image of images) expect(image.alt?.trim(), `image ${image.src}…`).toBeTruthy();
      });
    });
  }

  it('asks for nothing outside the page', () => {
    expect(outsideRequests).toEqual([]);
  });
});
