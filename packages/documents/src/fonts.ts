// The document font: Noto Sans (SIL Open Font License, fonts/OFL.txt), vendored so that every
// machine renders the same bytes. Read and parsed once per process (parsing per document costs
// more than the rest of a small invoice); pdfkit embeds a subset of it in each PDF.
import { readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';

export interface DocumentFonts {
  regular: fontkit.Font;
  bold: fontkit.Font;
}

let fonts: DocumentFonts | undefined;

function load(file: string): fontkit.Font {
  return fontkit.create(readFileSync(new URL(`../fonts/${file}`, import.meta.url))) as fontkit.Font;
}

export function documentFonts(): DocumentFonts {
  fonts ??= { regular: load('NotoSans-Regular.ttf'), bold: load('NotoSans-Bold.ttf') };
  return fonts;
}

/**
 * Words the process keeps shaped, per font (about 650 bytes each). Past this many, the process's
 * cache starts again empty: item descriptions and amounts are mostly different words, so an
 * unbounded cache would grow with every bill closed; the words that come back on every invoice
 * (labels, months, common figures) are shaped again once after each restart.
 */
export const SHARED_LAYOUT_WORDS = 5_000;

/** pdfkit's per-font cache: the shaped glyph run of each word (text up to and with its space). */
type LayoutCache = Record<string, unknown>;

/** The part of pdfkit's embedded font (EmbeddedFont) these caches use. */
interface EmbeddedFont {
  font: unknown;
  layoutCache?: LayoutCache;
}

interface SharedLayouts {
  cache: LayoutCache;
  words: number;
}

const shared = new Map<unknown, SharedLayouts>();

/**
 * Shaping a word with fontkit (its GSUB and GPOS lookups) is most of what laying out text costs,
 * and pdfkit keeps the shaped words only per document, so every invoice shaped every word again.
 * A word's glyph run depends on the word and the font alone and pdfkit never changes a cached run
 * (it copies what it adjusts), so the same run serves every document and the bytes are the same.
 *
 * Each document's pdfkit font gets a cache of its own that inherits the process's (a prototype
 * chain: a miss in the document's falls through to the process's); `commit` adds the words the
 * document shaped to the process's cache once its text is laid out.
 */
export class DocumentLayouts {
  private readonly attached = new Map<unknown, LayoutCache>();

  /** Points the document's current font at its cache; call after every `doc.font(...)`. */
  attach(doc: PDFKit.PDFDocument): void {
    const current = (doc as unknown as { _font?: EmbeddedFont })._font;
    if (current?.layoutCache === undefined) throw new Error('pdfkit no longer keeps a layout cache on its embedded fonts');
    const own = this.attached.get(current.font);
    if (own === current.layoutCache) return;
    if (own !== undefined) throw new Error('two pdfkit fonts of one document share a font program');
    let process = shared.get(current.font);
    if (process === undefined) {
      process = { cache: Object.create(null) as LayoutCache, words: 0 };
      shared.set(current.font, process);
    }
    const cache = Object.create(process.cache) as LayoutCache;
    this.attached.set(current.font, cache);
    current.layoutCache = cache;
  }

  /** Adds what the document shaped to the process's caches. */
  commit(): void {
    for (const [font, cache] of this.attached) {
      let process = shared.get(font) as SharedLayouts;
      const words = Object.keys(cache);
      if (process.words + words.length > SHARED_LAYOUT_WORDS) {
        process = { cache: Object.create(null) as LayoutCache, words: 0 };
        shared.set(font, process);
      }
      for (const word of words) process.cache[word] = cache[word];
      process.words += words.length;
    }
    this.attached.clear();
  }
}
