// Page 1 of the invoice PDF, as pdftoppm rasterises it, matches a committed reference image per
// locale: what the layout looks like is pinned, not only the text it carries. The PDF comes from
// the production render path; the images are small (72 dpi). A mismatch writes the page and a diff
// image to .test-results/page-images/ and fails with the number of differing pixels.
// Regenerate the references deliberately (after a change meant to alter the page) with
// `pnpm run update-reference-images` here, which sets UPDATE_REFERENCE_IMAGES=1 (docs/invoices.md).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensurePoppler, type PopplerTools } from '../tools/tools.mjs';
import { DOCUMENT_LOCALES, renderInvoiceDocuments, type DocumentLocale } from '../src/index.ts';
import { invoiceInLocale } from './fixtures.ts';

const REFERENCES = new URL('./reference/', import.meta.url).pathname;
const ARTIFACTS = new URL('../.test-results/page-images/', import.meta.url).pathname;
const RESOLUTION_DPI = '72';
// The tolerance: pixelmatch's per-pixel colour distance (0..1) under which two pixels count as
// equal (it also ignores pixels it finds to be anti-aliasing), and how many differing pixels a page
// may have. pdftoppm gives the same PNG for the same PDF; the slack is for another poppler build's
// rendering. Measured: one glyph changed (f for e in the mandate id) differs in 8 pixels, one cent
// more on a line (three amounts) in 67 to 70.
const PIXEL_THRESHOLD = 0.1;
const MAX_DIFFERING_PIXELS = 3;
const updating = process.env.UPDATE_REFERENCE_IMAGES === '1';

const execFileAsync = promisify(execFile);
const pages = new Map<DocumentLocale, Buffer>();
let poppler: PopplerTools;

/** Page 1 of the PDF as a PNG at the test's resolution. */
async function rasterise(pdf: Buffer, name: string): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'invoice-page-'));
  writeFileSync(join(dir, `${name}.pdf`), pdf);
  try {
    await execFileAsync(join(poppler.bin, 'pdftoppm'), ['-r', RESOLUTION_DPI, '-f', '1', '-l', '1', '-singlefile', '-png', join(dir, `${name}.pdf`), join(dir, name)],
      { env: poppler.env });
    return readFileSync(join(dir, `${name}.png`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  poppler = ensurePoppler();
  await Promise.all(DOCUMENT_LOCALES.map(async (locale) => {
    const pdf = (await renderInvoiceDocuments(invoiceInLocale(locale))).find((document) => document.format === 'pdf');
    if (pdf === undefined) throw new Error('no PDF rendered');
    pages.set(locale, await rasterise(pdf.bytes, `invoice-${locale}`));
  }));
}, 600_000);

/** How many pixels differ; over the tolerance, the page and the diff image go into the artifacts folder. */
function differingPixels(name: string, actualPng: Buffer, referencePng: Buffer): number {
  const actual = PNG.sync.read(actualPng);
  const reference = PNG.sync.read(referencePng);
  mkdirSync(ARTIFACTS, { recursive: true });
  if (actual.width !== reference.width || actual.height !== reference.height) {
    writeFileSync(join(ARTIFACTS, `${name}.actual.png`), actualPng);
    throw new Error(`page 1 is ${actual.width}×${actual.height} px, its reference ${reference.width}×${reference.height} px; the page is in ${ARTIFACTS}`);
  }
  const diff = new PNG({ width: actual.width, height: actual.height });
  const count = pixelmatch(actual.data, reference.data, diff.data, actual.width, actual.height, { threshold: PIXEL_THRESHOLD });
  if (count > MAX_DIFFERING_PIXELS) {
    writeFileSync(join(ARTIFACTS, `${name}.actual.png`), actualPng);
    writeFileSync(join(ARTIFACTS, `${name}.diff.png`), PNG.sync.write(diff));
  }
  return count;
}

describe('invoice page 1 against its reference image', () => {
  for (const locale of DOCUMENT_LOCALES) {
    it(`${locale}: page 1 matches test/reference/invoice-${locale}.png`, () => {
      const name = `invoice-${locale}`;
      const page = pages.get(locale);
      if (page === undefined) throw new Error(`no page for ${locale}`);
      const referenceFile = join(REFERENCES, `${name}.png`);
      if (updating) {
        mkdirSync(REFERENCES, { recursive: true });
        writeFileSync(referenceFile, page);
        return;
      }
      if (!existsSync(referenceFile)) {
        throw new Error(`no reference image ${referenceFile}: create it with UPDATE_REFERENCE_IMAGES=1 (docs/invoices.md)`);
      }
      const count = differingPixels(name, page, readFileSync(referenceFile));
      expect(count, `${count} pixels differ from ${referenceFile}; the page and the diff are in ${ARTIFACTS}`).toBeLessThanOrEqual(MAX_DIFFERING_PIXELS);
    });
  }
});
